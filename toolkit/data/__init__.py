"""Data: the procedural shapes world (clips, images, captions, attributes) and real photos."""
from .captions import caption, is_held_out_wording, parse_caption
from .shapes import ShapesBatch, ShapesDataset, ShapesStream, ShapesWorld, WorldConfig
from .vocab import COLOUR_NAMES, MOTION_NAMES, SHAPES, SIZE_NAMES, combinations, is_held_out

__all__ = [
    "ShapesWorld", "WorldConfig", "ShapesBatch", "ShapesDataset", "ShapesStream", "caption", "parse_caption", "is_held_out_wording",
    "SHAPES", "COLOUR_NAMES", "SIZE_NAMES", "MOTION_NAMES", "combinations", "is_held_out",
]
