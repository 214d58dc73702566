"""Small readable networks."""
