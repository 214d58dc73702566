"""Captions: a small grammar with synonyms and varied word order, and its parser.

`caption(objects, generator)` writes "a small red circle moving left" or
"a scarlet disc slides to the left"; `parse_caption(text)` reads the attributes back
(None where the caption does not say), which is how a prompt is judged later on.

Held-out wordings. One caption in eight, chosen by a hash of its exact text, never appears in
training (`is_held_out_wording`): a model is then tested on prompts it has never read, made of
words and word orders it has read elsewhere. This is separate from the held-out attribute
combinations of `vocab`, which test compositional generalisation.
"""
import re
import zlib

import torch

from .vocab import COLOUR_NAMES, MOTION_NAMES, SHAPES, SIZE_NAMES, check_choice

SYNONYMS = {
    "shape": {
        "circle": ["circle", "disc", "ball", "dot"],
        "square": ["square", "box", "block"],
        "triangle": ["triangle", "arrowhead"],
        "cross": ["cross", "plus sign"],
    },
    "colour": {
        "red": ["red", "scarlet", "crimson"],
        "green": ["green", "emerald", "lime"],
        "blue": ["blue", "azure", "cobalt"],
        "yellow": ["yellow", "golden", "lemon"],
        "cyan": ["cyan", "turquoise", "aqua"],
        "magenta": ["magenta", "pink", "fuchsia"],
    },
    "size": {
        "small": ["small", "little", "tiny"],
        "large": ["large", "big", "huge"],
    },
    "motion": {
        "left": ["moving left", "slides to the left", "drifting left"],
        "right": ["moving right", "slides to the right", "drifting right"],
        "up": ["moving up", "rising", "floating upwards"],
        "down": ["moving down", "falling", "sinking"],
        "up-left": ["moving up and to the left", "drifting up-left"],
        "up-right": ["moving up and to the right", "drifting up-right"],
        "down-left": ["moving down and to the left", "drifting down-left"],
        "down-right": ["moving down and to the right", "drifting down-right"],
        "left then right": ["moving left then right", "bouncing left then right"],
        "right then left": ["moving right then left", "bouncing right then left"],
        "up then down": ["moving up then down", "bouncing up then down"],
        "down then up": ["moving down then up", "bouncing down then up"],
    },
}
assert [list(SYNONYMS[k]) for k in SYNONYMS] == [list(SHAPES), list(COLOUR_NAMES), list(SIZE_NAMES),
                                                 list(MOTION_NAMES)], "synonyms out of step with vocab"

# Word orders. {size} and {motion} may be absent (images have no motion; some captions omit size).
TEMPLATES = [
    "{size} {colour} {shape} {motion}",
    "{colour} {shape} {motion}",
    "{shape}, {size} and {colour}, {motion}",
    "{size} {shape} that is {colour}, {motion}",
]


def _choose(options: list, generator: torch.Generator):
    return options[int(torch.randint(len(options), (1,), generator=generator))]


def _with_article(phrase: str) -> str:
    return ("an " if phrase[0] in "aeiou" else "a ") + phrase


def describe(obj: dict, generator: torch.Generator) -> str:
    """One object's phrase. obj has "shape", "colour", "size" and optionally "motion"."""
    words = {k: _choose(SYNONYMS[k][obj[k]], generator) for k in ("shape", "colour", "size")}
    template = _choose(TEMPLATES, generator)
    if obj.get("motion") is None:
        template = template.replace(" {motion}", "").removesuffix(",")
        words["motion"] = ""
    else:
        words["motion"] = _choose(SYNONYMS["motion"][obj["motion"]], generator)
    return _with_article(template.format(**words))


def caption(objects: list[dict], generator: torch.Generator, wording: str = "any") -> str:
    """The caption of a clip or image with one or more objects.

    wording: "any", or "train" / "heldout" to keep only wordings of that side of the wording split.
    A caption of the wrong side is redrawn from a second generator seeded by its text, so `generator`
    advances exactly as with wording="any" (the pixels drawn after it do not change).
    """
    check_choice("wording", wording, WORDINGS)
    text = " and ".join(describe(o, generator) for o in objects)
    redraw = torch.Generator().manual_seed(zlib.crc32(text.encode()))
    for _ in range(10_000):
        if wording == "any" or is_held_out_wording(text) == (wording == "heldout"):
            return text
        text = " and ".join(describe(o, redraw) for o in objects)
    raise RuntimeError(f"no {wording} wording found for {objects}")


WORDINGS = ("any", "train", "heldout")
HELD_OUT_WORDING_EVERY = 8


def is_held_out_wording(text: str) -> bool:
    """True for the one caption in eight (by CRC-32 of its text) that training never shows."""
    return zlib.crc32(text.encode()) % HELD_OUT_WORDING_EVERY == 0


# Parsing: every synonym phrase, longest first so that "moving up and to the left" wins
# over "moving up".
_PHRASES = sorted(((phrase, kind, value) for kind, table in SYNONYMS.items()
                   for value, phrases in table.items() for phrase in phrases),
                  key=lambda p: -len(p[0]))
_GLUE = {"a", "an", "the", "and", "that", "is", "there", "with", "one", "of"}
_OBJECT_BOUNDARY = re.compile(r",?\s+and\s+(?=(?:a|an|the)\s)")


def parse_caption(text: str) -> tuple[list[dict], list[str]]:
    """Read a caption back: (objects, unknown_words).

    Each object is {"shape", "colour", "size", "motion"}, None where not mentioned.
    Words that belong to no phrase of the grammar are returned, not guessed at.
    """
    if not isinstance(text, str):
        raise TypeError(f"a caption must be a string, not {type(text).__name__}")
    text = " ".join(text.lower().replace(".", " ").split())
    if not text:
        raise ValueError("the caption is empty; describe a shape, e.g. 'a small red circle moving left'")
    objects, unknown = [], []
    for part in _OBJECT_BOUNDARY.split(text):
        obj = dict.fromkeys(("shape", "colour", "size", "motion"))
        rest = f" {part.replace(',', ' ')} "
        for phrase, kind, value in _PHRASES:
            if f" {phrase} " in rest and obj[kind] is None:
                obj[kind] = value
                rest = rest.replace(f" {phrase} ", " ", 1)
        unknown += [w for w in rest.split() if w not in _GLUE]
        objects.append(obj)
    return objects, unknown
