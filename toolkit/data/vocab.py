"""The vocabulary of the shapes world and its train / held-out split.

Every clip shows one object (or two) drawn from these attributes. The split holds some
(colour, shape) and (shape, motion) combinations out of training entirely: a model that
draws a "red triangle" at test time has seen red things and triangles, never the two
together. That is how the course measures compositional generalisation.
"""
SHAPES = ("circle", "square", "triangle", "cross")

# RGB in [0, 1]. All are saturated (max - min >= 0.6) while backgrounds are grey, so an
# object's coverage of a pixel can be read back from the pixel's chroma (see eval/reader).
COLOURS = {
    "red": (0.90, 0.12, 0.12),
    "green": (0.15, 0.78, 0.18),
    "blue": (0.15, 0.30, 0.95),
    "yellow": (0.95, 0.85, 0.10),
    "cyan": (0.10, 0.80, 0.85),
    "magenta": (0.85, 0.12, 0.80),
}
COLOUR_NAMES = tuple(COLOURS)

# Radius as a fraction of the shorter side of the frame.
SIZES = {"small": 0.13, "large": 0.21}
SIZE_NAMES = tuple(SIZES)

# (dx, dy) in image coordinates (y grows downwards); "X then Y" is one bounce off a wall.
MOTIONS = {
    "left": (-1, 0), "right": (1, 0), "up": (0, -1), "down": (0, 1),
    "up-left": (-1, -1), "up-right": (1, -1), "down-left": (-1, 1), "down-right": (1, 1),
    "left then right": (-1, 0), "right then left": (1, 0),
    "up then down": (0, -1), "down then up": (0, 1),
}
MOTION_NAMES = tuple(MOTIONS)
BOUNCES = tuple(m for m in MOTION_NAMES if " then " in m)

# The held-out combinations. Each shape keeps most colours and motions in training.
HELD_OUT_COLOUR_SHAPE = frozenset({
    ("red", "triangle"), ("green", "circle"), ("blue", "cross"), ("yellow", "square"),
})
HELD_OUT_SHAPE_MOTION = frozenset({
    ("circle", "up then down"), ("square", "down-left"), ("triangle", "right"),
    ("cross", "left then right"),
})
SPLITS = ("train", "heldout", "all")


def is_held_out(shape: str, colour: str, motion: str | None = None) -> bool:
    """True when the combination never appears in training (motion None: images)."""
    return ((colour, shape) in HELD_OUT_COLOUR_SHAPE
            or (motion is not None and (shape, motion) in HELD_OUT_SHAPE_MOTION))


def combinations(split: str, with_motion: bool = True) -> list[tuple]:
    """The (shape, colour, motion) triples of a split; (shape, colour) pairs for images."""
    check_choice("split", split, SPLITS)
    motions = MOTION_NAMES if with_motion else (None,)
    combos = [(s, c, m) for s in SHAPES for c in COLOUR_NAMES for m in motions]
    if split != "all":
        combos = [t for t in combos if is_held_out(*t) == (split == "heldout")]
    return combos if with_motion else [(s, c) for s, c, _ in combos]


def check_choice(what: str, value, allowed) -> None:
    """Raise a ValueError that lists the allowed values when `value` is not one of them."""
    if value not in allowed:
        raise ValueError(f"unknown {what} {value!r}; choose one of: {', '.join(map(str, allowed))}")
