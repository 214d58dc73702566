"""The shapes world: captioned clips of moving shapes, rendered from a seed.

    world = ShapesWorld(WorldConfig(frames=16, height=32, width=32))
    batch = world.sample(8, seed=0, split="train")
    batch.video      # (8, 3, 16, 32, 32) in [-1, 1]
    batch.captions   # ["a small red circle moving left", ...]
    batch.objects(0) # [{"shape": "circle", "colour": "red", ..., "position": (16, 2)}]

An image is a clip of one frame (`frames=1`): no motion, same world. The same seed gives
the same bytes. `ShapesDataset` and `ShapesStream` wrap this for torch DataLoaders.
"""
from dataclasses import dataclass, fields

import torch
from torch.utils.data import Dataset, IterableDataset

from . import vocab
from .captions import caption
from .motion import trajectories
from .render import backgrounds, coverage

MIN_SIDE, MAX_SIDE = 16, 1024
MIN_CLIP_FRAMES = 4


@dataclass(frozen=True)
class WorldConfig:
    frames: int = 16          # 1 makes still images
    height: int = 32
    width: int = 32
    objects: int = 1          # 1 or 2 (two objects never share a colour)
    textured: bool = False    # a wavy grey background instead of a plain one

    def __post_init__(self):
        if not isinstance(self.frames, int) or not (self.frames == 1 or self.frames >= MIN_CLIP_FRAMES):
            raise ValueError(f"frames must be 1 (an image) or an integer >= {MIN_CLIP_FRAMES} "
                             f"(a clip with room for a bounce), got {self.frames!r}")
        for side in ("height", "width"):
            value = getattr(self, side)
            if not isinstance(value, int) or not MIN_SIDE <= value <= MAX_SIDE:
                raise ValueError(f"{side} must be an integer from {MIN_SIDE} to {MAX_SIDE} pixels "
                                 f"(smaller shapes are unreadable), got {value!r}")
        if self.objects not in (1, 2):
            raise ValueError(f"objects must be 1 or 2, got {self.objects!r}")

    @property
    def is_image(self) -> bool:
        return self.frames == 1


@dataclass
class ShapesBatch:
    """A batch of clips with everything known about them. N = objects per clip."""
    video: torch.Tensor        # (B, 3, T, H, W) in [-1, 1]
    captions: list[str]
    shape: torch.Tensor        # (B, N) index into vocab.SHAPES
    colour: torch.Tensor       # (B, N) index into vocab.COLOUR_NAMES
    size: torch.Tensor         # (B, N) index into vocab.SIZE_NAMES
    motion: torch.Tensor       # (B, N) index into vocab.MOTION_NAMES (-1 for images)
    position: torch.Tensor     # (B, N, T, 2) object centres (x, y) in pixels
    bounce_frame: torch.Tensor  # (B, N) frame where a bounce touches the wall, -1 if none

    def __len__(self) -> int:
        return self.video.shape[0]

    @staticmethod
    def cat(batches: list["ShapesBatch"]) -> "ShapesBatch":
        """One batch holding the clips of several, in order."""
        return ShapesBatch(**{f.name: [c for b in batches for c in b.captions] if f.name == "captions"
                              else torch.cat([getattr(b, f.name) for b in batches]) for f in fields(ShapesBatch)})

    @property
    def images(self) -> torch.Tensor:
        """(B, 3, H, W): the first frame of every clip."""
        return self.video[:, :, 0]

    def objects(self, i: int) -> list[dict]:
        """Clip i's objects as names: [{"shape", "colour", "size", "motion", "position", "bounce_frame"}]."""
        return [{
            "shape": vocab.SHAPES[self.shape[i, n]],
            "colour": vocab.COLOUR_NAMES[self.colour[i, n]],
            "size": vocab.SIZE_NAMES[self.size[i, n]],
            "motion": vocab.MOTION_NAMES[self.motion[i, n]] if self.motion[i, n] >= 0 else None,
            "position": self.position[i, n],
            "bounce_frame": int(self.bounce_frame[i, n]),
        } for n in range(self.shape.shape[1])]


class ShapesWorld:
    def __init__(self, config: WorldConfig = WorldConfig()):
        self.config = config

    def sample(self, n: int, seed: int, split: str = "train", bounce_frame: int | None = None,
               **fixed: str) -> ShapesBatch:
        """n clips from one seed. `fixed` pins attributes by name, e.g. shape="circle".

        bounce_frame=k makes every bounce touch its wall at frame k (5..10 for 16 frames) instead of a drawn
        frame; all else stays as the seed draws it, so `sample(n, seed, bounce_frame=8)` is `sample(n, seed,
        bounce_frame=5)` with every bounce three frames later: same captions, objects, background, and the
        same path shifted in time. Straight motions have no bounce and are unchanged."""
        if not isinstance(n, int) or n < 1:
            raise ValueError(f"n must be a positive integer, got {n!r}")
        g = torch.Generator().manual_seed(seed)
        cfg = self.config
        shape, colour, motion = self._draw_combinations(n, split, fixed, g)  # (n, N) each
        size = torch.randint(len(vocab.SIZES), shape.shape, generator=g)
        if "size" in fixed:
            vocab.check_choice("size", fixed["size"], vocab.SIZE_NAMES)
            size.fill_(vocab.SIZE_NAMES.index(fixed["size"]))

        side = min(cfg.height, cfg.width)
        radius = torch.tensor(list(vocab.SIZES.values()))[size] * side          # (n, N) pixels
        flat = lambda x: x.reshape(-1)                                            # noqa: E731
        position, bounce = trajectories(flat(motion).clamp(min=0), flat(radius), cfg.frames,
                                        cfg.height, cfg.width, g, bounce_frame)
        alpha = coverage(flat(shape), flat(radius), position, cfg.height, cfg.width)  # (n*N, T, H, W)
        alpha = alpha.view(n, cfg.objects, 1, cfg.frames, cfg.height, cfg.width)
        rgb = torch.tensor(list(vocab.COLOURS.values()))[colour] * 2 - 1           # (n, N, 3) in [-1, 1]
        rgb = rgb[..., None, None, None]                                          # (n, N, 3, 1, 1, 1)

        # Paint objects in order, later ones over earlier ones: v = v + alpha * (colour - v).
        background = backgrounds(n, cfg.height, cfg.width, cfg.textured, g) * 2 - 1  # (n, 1, 1, H, W)
        video = torch.addcmul(background, alpha[:, 0], rgb[:, 0] - background)    # (n, 3, T, H, W)
        for k in range(1, cfg.objects):
            video.addcmul_(alpha[:, k], rgb[:, k] - video)
        wording = "train" if split == "train" else "any"       # training never reads a held-out wording
        captions = [caption(self.names(shape[i], colour[i], size[i], motion[i]), g, wording) for i in range(n)]
        return ShapesBatch(
            video=video, captions=captions, shape=shape, colour=colour, size=size, motion=motion,
            position=position.view(n, cfg.objects, cfg.frames, 2),
            bounce_frame=bounce.view(n, cfg.objects))

    def _draw_combinations(self, n, split, fixed, g):
        """Draw (shape, colour, motion) for every object from the split's allowed triples."""
        unknown = set(fixed) - {"shape", "colour", "size", "motion"}
        if unknown:
            raise ValueError(f"unknown attribute(s) {sorted(unknown)}; fix shape, colour, size or motion")
        with_motion = not self.config.is_image
        if "motion" in fixed and not with_motion:
            raise ValueError("images (frames=1) have no motion; drop motion=... or use frames >= 4")
        for key, allowed in (("shape", vocab.SHAPES), ("colour", vocab.COLOUR_NAMES), ("motion", vocab.MOTION_NAMES)):
            if key in fixed:
                vocab.check_choice(key, fixed[key], allowed)
        combos = [c for c in vocab.combinations(split, with_motion)
                  if all(fixed.get(k, v) == v for k, v in zip(("shape", "colour", "motion"), c))]
        if not combos:
            raise ValueError(f"no {split!r} clip has {fixed}: that combination is held out; "
                             f"use split='heldout' or 'all'")
        table = torch.tensor([[vocab.SHAPES.index(c[0]), vocab.COLOUR_NAMES.index(c[1]),
                               vocab.MOTION_NAMES.index(c[2]) if with_motion else -1] for c in combos])
        pick = torch.randint(len(combos), (n, self.config.objects), generator=g)
        if self.config.objects == 2:  # redraw the second object until the colours differ
            same = table[pick[:, 0], 1] == table[pick[:, 1], 1]
            while same.any():
                pick[same, 1] = torch.randint(len(combos), (int(same.sum()),), generator=g)
                same = table[pick[:, 0], 1] == table[pick[:, 1], 1]
        chosen = table[pick]                                                      # (n, N, 3)
        return chosen[..., 0], chosen[..., 1], chosen[..., 2]

    @staticmethod
    def names(shape, colour, size, motion) -> list[dict]:
        """Attribute indices (N,) each -> the objects as names, [{"shape": "circle", ...}], as captions want them."""
        return [{"shape": vocab.SHAPES[s], "colour": vocab.COLOUR_NAMES[c], "size": vocab.SIZE_NAMES[z],
                 "motion": vocab.MOTION_NAMES[m] if m >= 0 else None}
                for s, c, z, m in zip(shape.tolist(), colour.tolist(), size.tolist(), motion.tolist())]


class ShapesDataset(Dataset):
    """A fixed, indexable set of `length` clips: item i is always the same clip.

    Items are rendered in chunks of `chunk` clips (one seed per chunk) and cached, so
    random access stays fast. Each item is (video (3, T, H, W), caption).
    """
    def __init__(self, length: int, seed: int = 0, split: str = "train",
                 config: WorldConfig = WorldConfig(), chunk: int = 256):
        vocab.check_choice("split", split, vocab.SPLITS)
        self.world, self.length, self.seed, self.split, self.chunk = ShapesWorld(config), length, seed, split, chunk
        self._cache: dict[int, ShapesBatch] = {}

    def __len__(self) -> int:
        return self.length

    def __getitem__(self, i: int):
        if not 0 <= i < self.length:
            raise IndexError(f"index {i} out of range for {self.length} clips")
        c = i // self.chunk
        if c not in self._cache:
            n = min(self.chunk, self.length - c * self.chunk)
            self._cache = {c: self.world.sample(n, seed=self.seed * 1_000_003 + c, split=self.split)}
        batch = self._cache[c]
        return batch.video[i % self.chunk], batch.captions[i % self.chunk]


class ShapesStream(IterableDataset):
    """An endless stream of fresh batches: batch k comes from seed (seed, k)."""
    def __init__(self, batch_size: int, seed: int = 0, split: str = "train", config: WorldConfig = WorldConfig()):
        self.world, self.batch_size, self.seed, self.split = ShapesWorld(config), batch_size, seed, split

    def __iter__(self):
        k = 0
        while True:
            yield self.world.sample(self.batch_size, seed=self.seed * 1_000_003 + k, split=self.split)
            k += 1
