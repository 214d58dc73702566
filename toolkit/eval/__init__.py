"""Measuring what was generated."""
from .reader import Reading, read_clips, read_images

__all__ = ["Reading", "read_clips", "read_images"]
