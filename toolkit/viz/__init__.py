"""Figures and animations."""
from . import animation
from .figures import show_clips, show_images, show_similarity, to_numpy_image

__all__ = ["animation", "show_clips", "show_images", "show_similarity", "to_numpy_image"]
