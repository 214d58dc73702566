"""Checks for the exercises at the end of each notebook: they say "right" or what is off, never crash."""
import torch


def check(answer, expected, atol: float = 1e-5, what: str = "your answer") -> bool:
    """Compare a learner's answer with the expected value and print a verdict; return True if right."""
    if answer is None:
        print(f"Not answered yet: set {what} in the cell above, then run this cell again.")
        return False
    try:
        answer = torch.as_tensor(answer, dtype=torch.float64)
        expected = torch.as_tensor(expected, dtype=torch.float64)
    except (TypeError, ValueError, RuntimeError) as e:
        print(f"Not yet: {what} should be a number or a tensor ({e}).")
        return False
    if answer.shape != expected.shape:
        print(f"Not yet: {what} has shape {tuple(answer.shape)}, expected {tuple(expected.shape)}.")
        return False
    error = float((answer - expected).abs().max()) if answer.numel() else 0.0
    if error <= atol:
        print(f"Right: {what} matches (largest difference {error:.2g}).")
        return True
    print(f"Not yet: {what} is off by up to {error:.3g} (tolerance {atol:g}).")
    return False
