"""The attribute reader: what does this clip show? No learned weights, by design.

A generated clip is judged by reading back its shape, colour, size and motion. The reader
is hand-written so that it shares nothing a generator could learn to fool (a learned
judge that also guided generation would be gamed, as CLIP scores were in GLIDE).

How it reads, using what it knows of the world's renderer:
1. Colour: the most saturated pixels name the nearest palette colour.
2. Coverage: backgrounds are grey, so removing each pixel's grey part (its mean) and
   projecting what is left on the colour's own direction gives the object's coverage.
   A 3x3 blur and a soft threshold first keep noise from spreading mass everywhere.
3. Shape and size: analysis by synthesis. Every (shape, size) template is drawn at the
   mask's centroid, blurred and thresholded the same way; the best mean soft IoU wins.
4. Motion: the centroid's path. An axis that moves is straight if the path ends near its
   extreme, a bounce if it turns back; the turning point's side gives "left then right".
"""
from dataclasses import dataclass

import torch

from ..data import vocab
from ..data.render import coverage

PALETTE = torch.tensor(list(vocab.COLOURS.values()))       # (6, 3)
PALETTE_CHROMA = PALETTE.amax(1) - PALETTE.amin(1)          # (6,)
NOISE_FLOOR = 0.2      # coverage below this (after the blur) is treated as background
MIN_VISIBLE = 1.5       # pixels of coverage below which a frame counts as empty
MOVING = 0.10           # an axis moves if its centre's range exceeds 10% of the frame
STRAIGHT = 0.75         # |end - start| / range above this: straight; below: a bounce


@dataclass
class Reading:
    shape: str | None
    colour: str | None
    size: str | None
    motion: str | None            # None for images and for paths outside the vocabulary
    path: torch.Tensor            # (T, 2) centroid per frame, NaN where nothing is visible
    match: float                  # mean soft IoU of the best template: 1.0 is a perfect drawing

    def as_dict(self) -> dict:
        return {"shape": self.shape, "colour": self.colour, "size": self.size, "motion": self.motion}


def _check_video(video: torch.Tensor, ndim: int, layout: str) -> torch.Tensor:
    if not isinstance(video, torch.Tensor) or video.ndim != ndim or video.shape[1] != 3:
        shape = tuple(video.shape) if isinstance(video, torch.Tensor) else type(video).__name__
        raise ValueError(f"expected a tensor of shape {layout} with 3 colour channels in [-1, 1], got {shape}")
    return video.detach().float().cpu()


def read_clips(video: torch.Tensor) -> list[Reading]:
    """Read every clip of a batch (B, 3, T, H, W) in [-1, 1]."""
    video = _check_video(video, 5, "(B, 3, T, H, W)")
    return [_read_one((v + 1) / 2) for v in video]


def read_images(images: torch.Tensor) -> list[Reading]:
    """Read every image of a batch (B, 3, H, W) in [-1, 1]; motion is None."""
    images = _check_video(images, 4, "(B, 3, H, W)")
    return read_clips(images[:, :, None])


def _blur(x: torch.Tensor) -> torch.Tensor:
    """3x3 box blur over the last two axes of (..., H, W)."""
    shape = x.shape
    x = torch.nn.functional.avg_pool2d(x.reshape(-1, 1, *shape[-2:]), 3, 1, 1, count_include_pad=False)
    return x.view(shape)


def _soft_mask(coverage_: torch.Tensor) -> torch.Tensor:
    """The same clean-up for what is seen and for what is drawn: blur, then a soft threshold."""
    return ((_blur(coverage_) - NOISE_FLOOR) / (1 - NOISE_FLOOR)).clamp(0, 1)


def _read_one(clip: torch.Tensor) -> Reading:
    """clip (3, T, H, W) in [0, 1]."""
    _, T, H, W = clip.shape
    chroma = _blur(clip).amax(0) - _blur(clip).amin(0)                    # (T, H, W)

    # 1. Colour from the most saturated tenth of the strongly coloured pixels.
    strong = chroma > 0.5 * PALETTE_CHROMA.min()
    if strong.sum() < MIN_VISIBLE:
        return Reading(None, None, None, None, torch.full((T, 2), float("nan")), 0.0)
    pixels = _blur(clip).permute(1, 2, 3, 0)[strong]                      # (P, 3)
    top = pixels[chroma[strong] >= chroma[strong].quantile(0.9)]
    colour = int(torch.cdist(top.median(0).values[None], PALETTE).argmin())

    # 2. Coverage: the pixel's colour without its grey part, projected on the palette colour's.
    direction = PALETTE[colour] - PALETTE[colour].mean()                  # (3,)
    grey_free = clip - clip.mean(0, keepdim=True)                         # (3, T, H, W)
    alpha = _soft_mask(torch.einsum("cthw,c->thw", grey_free, direction) / direction.dot(direction))
    mass = alpha.sum((1, 2))                                              # (T,)
    visible = mass > MIN_VISIBLE
    ys = torch.arange(H, dtype=torch.float32) + 0.5
    xs = torch.arange(W, dtype=torch.float32) + 0.5
    cx = (alpha.sum(1) * xs).sum(1) / mass.clamp(min=1e-6)
    cy = (alpha.sum(2) * ys).sum(1) / mass.clamp(min=1e-6)
    path = torch.stack([cx, cy], 1)                                       # (T, 2)
    path[~visible] = float("nan")
    if not visible.any():
        return Reading(None, vocab.COLOUR_NAMES[colour], None, None, path, 0.0)

    # 3. Shape and size by drawing every candidate at the centroid.
    shape, size, match = _match_templates(alpha[visible], path[visible], H, W)
    motion = _read_motion(path[visible], min(H, W)) if T > 1 else None
    return Reading(vocab.SHAPES[shape], vocab.COLOUR_NAMES[colour], vocab.SIZE_NAMES[size], motion, path, match)


def _template_offsets(H: int, W: int) -> torch.Tensor:
    """(S, Z, 2): centroid minus nominal centre of every (shape, size) template."""
    S, Z = len(vocab.SHAPES), len(vocab.SIZES)
    shape = torch.arange(S).repeat_interleave(Z)
    radius = torch.tensor(list(vocab.SIZES.values())).repeat(S) * min(H, W)
    centre = torch.tensor([W / 2, H / 2]).expand(S * Z, 1, 2)
    a = _soft_mask(coverage(shape, radius, centre, H, W)[:, 0])           # (S*Z, H, W)
    m = a.sum((1, 2))
    cx = (a.sum(1) * (torch.arange(W) + 0.5)).sum(1) / m
    cy = (a.sum(2) * (torch.arange(H) + 0.5)).sum(1) / m
    return (torch.stack([cx, cy], 1) - centre[:, 0]).view(S, Z, 2)


def _match_templates(alpha: torch.Tensor, centroid: torch.Tensor, H: int, W: int):
    """alpha (F, H, W) soft masks of the visible frames, centroid (F, 2) -> (shape, size, IoU)."""
    S, Z, F = len(vocab.SHAPES), len(vocab.SIZES), alpha.shape[0]
    offsets = _template_offsets(H, W)                                     # (S, Z, 2)
    shape = torch.arange(S).repeat_interleave(Z * F)                      # (S*Z*F,)
    radius = (torch.tensor(list(vocab.SIZES.values())) * min(H, W)).repeat_interleave(F).repeat(S)
    centre = centroid[None, None] - offsets[:, :, None]                   # (S, Z, F, 2)
    drawn = _soft_mask(coverage(shape, radius, centre.reshape(-1, 1, 2), H, W)).view(S, Z, F, H, W)
    iou = torch.minimum(drawn, alpha).sum((-1, -2)) / torch.maximum(drawn, alpha).sum((-1, -2))
    score = iou.mean(-1)                                                  # (S, Z)
    best = int(score.argmax())
    return best // Z, best % Z, float(score.flatten()[best])


def _read_motion(path: torch.Tensor, side: int) -> str | None:
    """path (F, 2) of visible centroids -> a motion name, or None if none fits."""
    if path.shape[0] < 3:
        return None
    words = []
    for axis, (neg, pos) in enumerate((("left", "right"), ("up", "down"))):
        p = path[:, axis]
        extent = float(p.max() - p.min())
        if extent < MOVING * side:
            words.append(None)
            continue
        net = float(p[-1] - p[0])
        if abs(net) >= STRAIGHT * extent:
            words.append(pos if net > 0 else neg)
            continue
        # A bounce: the turning point is the extreme that lies furthest from both ends.
        i_min, i_max = int(p.argmin()), int(p.argmax())
        inner = lambda i: min(i, len(p) - 1 - i)                          # noqa: E731
        first = neg if inner(i_min) > inner(i_max) else pos
        words.append(f"{first} then {pos if first == neg else neg}")
    horizontal, vertical = words
    if horizontal and vertical:
        if " then " in horizontal + vertical:
            return None  # a bounce combined with another movement is not in the vocabulary
        return f"{vertical}-{horizontal}"
    return horizontal or vertical


def attribute_accuracy(readings: list[Reading], truth: list[dict]) -> dict[str, float]:
    """Fraction of readings that match the truth, per attribute the truth states.

    truth[i] is a dict of names ({"shape": "circle", ...}); keys that are None or absent
    (a caption that does not mention size, an image's motion) are not scored.
    """
    if len(readings) != len(truth):
        raise ValueError(f"{len(readings)} readings but {len(truth)} truths; pass one truth per reading")
    scores = {}
    for key in ("shape", "colour", "size", "motion"):
        pairs = [(getattr(r, key), t.get(key)) for r, t in zip(readings, truth) if t.get(key) is not None]
        if pairs:
            scores[key] = sum(read == want for read, want in pairs) / len(pairs)
    return scores
