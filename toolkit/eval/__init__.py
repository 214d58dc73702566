"""Measuring what was generated."""
from .reader import Reading, attribute_accuracy, read_clips, read_images

__all__ = ["Reading", "attribute_accuracy", "read_clips", "read_images"]
