"""Bouncing digits: real handwriting, captioned as in Sync-DRAW, with its held-out digit-and-motion split.

    world = DigitsWorld()                            # 16 frames of 32 x 32, one digit
    batch = world.sample(8, seed=0, split="train")
    batch.video       # (8, 3, 16, 32, 32) in [-1, 1]: a white digit on black, the same in R, G and B
    batch.captions    # ["the digit 7 is moving left and right", ...]
    batch.digit, batch.motion, batch.position        # what is in every clip, and where, frame by frame

The sprites are scikit-learn's bundled handwritten digits (`load_digits`: 1,797 scans of 8 x 8 from the UCI
"optdigits" set, nothing downloaded), upscaled smoothly to 14 x 14. The file does not say who wrote which
digit, but keeps each writer's samples together, so the split of the sprites is by position in the file:
the first 80% train (and train the digit classifier), the last 20% are only ever used to measure.

Motions follow Sync-DRAW (Mittal et al., 2017): "up and down" and "left and right", bouncing off the walls at
2.8 to 3.6 pixels a frame (two turns or more in a clip); and the one-bounce motions of MAGE and GODIVA,
"up then down" and the like, slower, touching the wall once in the middle third of the clip. The held-out
protocol is Sync-DRAW's: for every digit one motion never appears in training (`HELD_OUT`), so every
evaluation caption is a digit-and-motion combination the model has never seen, made of a digit and a motion
it has seen elsewhere. Two-digit clips ("digit 3 is moving up and down and digit 5 is moving left and right")
draw each digit's motion on its own axis.
"""
import math
from dataclasses import dataclass
from functools import lru_cache

import torch
import torch.nn.functional as F

from .vocab import check_choice

DIGITS = tuple(str(d) for d in range(10))
MOTIONS = {                                   # axis (0: x, 1: y), first direction (+1: right or down), turns
    "up and down": (1, None, 2), "left and right": (0, None, 2),
    "up then down": (1, -1, 1), "down then up": (1, 1, 1),
    "left then right": (0, -1, 1), "right then left": (0, 1, 1),
}
MOTION_NAMES = tuple(MOTIONS)
HELD_OUT = frozenset((d, MOTION_NAMES[int(d) % len(MOTION_NAMES)]) for d in DIGITS)   # one motion per digit
SPLITS = ("train", "heldout", "all")
SPRITE = 14                                   # sprite side in pixels, upscaled from 8
EXAMPLE = "the digit 7 is moving up then down"  # a prompt of the captions' own words, for error messages
TRAIN_FRACTION = 0.8
BOUNCING_SPEED = (2.8, 3.6)                   # pixels a frame: "up and down", "left and right"
ONE_BOUNCE_SPEED = (1.2, 1.7)                 # slow enough to touch the wall only once

TEMPLATES = ["the digit {digit} is moving {motion}", "digit {digit} is moving {motion}",
             "the digit {digit} moves {motion}", "a {digit} moving {motion}"]


def combinations(split: str) -> list[tuple[str, str]]:
    """The (digit, motion) pairs of a split: 50 train, 10 held out."""
    check_choice("split", split, SPLITS)
    pairs = [(d, m) for d in DIGITS for m in MOTION_NAMES]
    return pairs if split == "all" else [p for p in pairs if (p in HELD_OUT) == (split == "heldout")]


@lru_cache(maxsize=1)
def _all_sprites() -> tuple[torch.Tensor, torch.Tensor]:
    from sklearn.datasets import load_digits      # bundled with scikit-learn: no download
    digits = load_digits()
    images = torch.tensor(digits.images, dtype=torch.float32)[:, None] / 16    # (1797, 1, 8, 8) in [0, 1]
    big = F.interpolate(images, size=(SPRITE, SPRITE), mode="bicubic", align_corners=False).clamp(0, 1)
    return big[:, 0], torch.tensor(digits.target)


def sprites(split: str) -> tuple[torch.Tensor, torch.Tensor]:
    """(images (N, 14, 14) in [0, 1], labels (N,)) of the "train" or "eval" sprites (disjoint samples)."""
    check_choice("sprite split", split, ("train", "eval"))
    images, labels = _all_sprites()
    cut = int(TRAIN_FRACTION * len(images))
    return (images[:cut], labels[:cut]) if split == "train" else (images[cut:], labels[cut:])


def caption(pairs: list[tuple[str, str]], generator: torch.Generator) -> str:
    """One clip's caption: "the digit 7 is moving left and right", joined by "and" for two digits."""
    template = TEMPLATES[int(torch.randint(len(TEMPLATES), (1,), generator=generator))]
    if len(pairs) > 1:
        template = "digit {digit} is moving {motion}"      # Sync-DRAW's two-digit wording
    return " and ".join(template.format(digit=d, motion=m) for d, m in pairs)


def words() -> list[str]:
    """Every word the captions can use, in a fixed order: the digits world's tokenizer vocabulary."""
    text = " ".join(TEMPLATES + list(DIGITS) + list(MOTION_NAMES) + ["and"])
    return list(dict.fromkeys(text.replace("{digit}", " ").replace("{motion}", " ").split()))


def paths(motion: torch.Tensor, frames: int, side: int, generator: torch.Generator) -> torch.Tensor:
    """Top-left corners (N, T, 2) of the sprites, in pixels (float), for motion indices (N,)."""
    n, span = motion.shape[0], side - SPRITE                     # the corner moves in [0, span] on each axis
    u = torch.rand(n, 4, generator=generator)
    t = torch.arange(frames, dtype=torch.float32)
    corner = torch.empty(n, frames, 2)
    for i, m in enumerate(motion.tolist()):
        axis, first, turns = MOTIONS[MOTION_NAMES[m]]
        corner[i, :, 1 - axis] = u[i, 0] * span                  # the still axis
        if turns == 2:                                           # bounce off both walls, from anywhere
            speed = BOUNCING_SPEED[0] + (BOUNCING_SPEED[1] - BOUNCING_SPEED[0]) * u[i, 1]
            sign = 1.0 if u[i, 2] < 0.5 else -1.0
            unfolded = u[i, 3] * span + sign * speed * t         # reflect a straight line into [0, span]
            corner[i, :, axis] = span - (unfolded % (2 * span) - span).abs()
        else:                                                    # touch the wall at frame k, come back
            speed = ONE_BOUNCE_SPEED[0] + (ONE_BOUNCE_SPEED[1] - ONE_BOUNCE_SPEED[0]) * u[i, 1]
            k_lo, k_hi = math.ceil((frames - 1) / 3), math.floor(2 * (frames - 1) / 3)
            k = k_lo + min(int(u[i, 2] * (k_hi - k_lo + 1)), k_hi - k_lo)
            wall = span if first > 0 else 0.0
            corner[i, :, axis] = (wall - first * speed * (t - k).abs()).clamp(0, span)
    return corner


@dataclass(frozen=True)
class DigitsConfig:
    frames: int = 16
    size: int = 32            # frames are size x size
    digits: int = 1           # 1, or 2 (Sync-DRAW's two-digit variant)

    def __post_init__(self):
        if not isinstance(self.frames, int) or self.frames < 4:
            raise ValueError(f"frames must be an integer >= 4 (room for a bounce), got {self.frames!r}")
        if not isinstance(self.size, int) or not 2 * SPRITE <= self.size <= 256:
            raise ValueError(f"size must be an integer from {2 * SPRITE} (room for a {SPRITE}-pixel digit to move) "
                             f"to 256, got {self.size!r}")
        if self.digits not in (1, 2):
            raise ValueError(f"digits must be 1 or 2, got {self.digits!r}")


@dataclass
class DigitsBatch:
    video: torch.Tensor       # (B, 3, T, H, W) in [-1, 1]
    captions: list[str]
    digit: torch.Tensor       # (B, N) the digit drawn, 0-9
    motion: torch.Tensor      # (B, N) index into MOTION_NAMES
    position: torch.Tensor    # (B, N, T, 2) sprite centres (x, y) in pixels
    sprite: torch.Tensor      # (B, N) index of the sprite in its split's sprites

    def __len__(self) -> int:
        return self.video.shape[0]

    def objects(self, i: int) -> list[dict]:
        """Clip i's digits as names: [{"digit": "7", "motion": "left and right", "position": (T, 2)}]."""
        return [{"digit": str(int(self.digit[i, n])), "motion": MOTION_NAMES[self.motion[i, n]],
                 "position": self.position[i, n]} for n in range(self.digit.shape[1])]


class DigitsWorld:
    def __init__(self, config: DigitsConfig = DigitsConfig()):
        self.config = config

    def sample(self, n: int, seed: int, split: str = "train", sprites_from: str | None = None,
               **fixed: str) -> DigitsBatch:
        """n clips from one seed. split chooses the (digit, motion) pairs; the sprites come from the "train"
        sprites for split="train" and the "eval" ones otherwise (sprites_from overrides). `fixed` pins the
        first digit's attributes, e.g. digit="7", motion="up then down"."""
        if not isinstance(n, int) or n < 1:
            raise ValueError(f"n must be a positive integer, got {n!r}")
        unknown = set(fixed) - {"digit", "motion"}
        if unknown:
            raise ValueError(f"unknown attribute(s) {sorted(unknown)}; fix digit or motion")
        for key, allowed in (("digit", DIGITS), ("motion", MOTION_NAMES)):
            if key in fixed:
                check_choice(key, fixed[key], allowed)
        pairs = [p for p in combinations(split) if all(fixed.get(k, v) == v for k, v in zip(("digit", "motion"), p))]
        if not pairs:
            raise ValueError(f"no {split!r} clip has {fixed}: that combination is held out; use split='heldout' "
                             f"or 'all'")
        cfg, g = self.config, torch.Generator().manual_seed(seed)
        images, labels = sprites(sprites_from or ("train" if split == "train" else "eval"))
        free = combinations(split)                               # the second digit is never pinned
        chosen = [[pairs[int(torch.randint(len(pairs), (1,), generator=g))]]
                  + [free[int(torch.randint(len(free), (1,), generator=g))] for _ in range(cfg.digits - 1)]
                  for _ in range(n)]
        if cfg.digits == 2:                                      # two digits move on different axes
            for row in chosen:
                while MOTIONS[row[1][1]][0] == MOTIONS[row[0][1]][0]:
                    row[1] = free[int(torch.randint(len(free), (1,), generator=g))]
        digit = torch.tensor([[int(d) for d, _ in row] for row in chosen])                 # (n, N)
        motion = torch.tensor([[MOTION_NAMES.index(m) for _, m in row] for row in chosen])  # (n, N)
        sprite = torch.stack([_pick_sprites(labels, d, g) for d in digit.T], dim=1)        # (n, N)
        corner = paths(motion.reshape(-1), cfg.frames, cfg.size, g).view(n, cfg.digits, cfg.frames, 2)
        canvas = torch.zeros(n, cfg.frames, cfg.size, cfg.size)
        for k in range(cfg.digits):                              # overlapping strokes: the brighter wins
            canvas = torch.maximum(canvas, _paste(images[sprite[:, k]], corner[:, k], cfg.size))
        video = (canvas * 2 - 1)[:, None].expand(-1, 3, -1, -1, -1).contiguous()
        captions = [caption(row, g) for row in chosen]
        return DigitsBatch(video=video, captions=captions, digit=digit, motion=motion,
                           position=corner + SPRITE / 2, sprite=sprite)


def _pick_sprites(labels: torch.Tensor, digit: torch.Tensor, g: torch.Generator) -> torch.Tensor:
    """For each wanted digit (n,), a random sprite index with that label."""
    out = torch.empty_like(digit)
    for d in digit.unique().tolist():
        where, options = (digit == d).nonzero()[:, 0], (labels == d).nonzero()[:, 0]
        out[where] = options[torch.randint(len(options), (len(where),), generator=g)]
    return out


def _paste(sprite: torch.Tensor, corner: torch.Tensor, size: int) -> torch.Tensor:
    """Sprites (n, S, S) drawn at float top-left corners (n, T, 2) on black: (n, T, size, size), bilinear."""
    n, T = corner.shape[:2]
    # grid_sample reads the sprite at each canvas pixel's position relative to the corner (pixel centres).
    pixel = torch.arange(size, dtype=torch.float32) + 0.5
    x = (pixel[None, None, None, :] - corner[..., 0, None, None]) / SPRITE * 2 - 1   # (n, T, 1, W)
    y = (pixel[None, None, :, None] - corner[..., 1, None, None]) / SPRITE * 2 - 1   # (n, T, H, 1)
    grid = torch.stack(torch.broadcast_tensors(x, y), dim=-1).view(n * T, size, size, 2)
    source = sprite[:, None, None].expand(-1, T, 1, -1, -1).reshape(n * T, 1, SPRITE, SPRITE)
    drawn = F.grid_sample(source, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
    return drawn.view(n, T, size, size)
