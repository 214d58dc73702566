"""Spacetime patches, drawn on a clip: what one token of the video transformer covers.

    patches_figure(clip)          # clip (3, 16, 32, 32) in [-1, 1], with the shipped model's numbers

The video transformer (toolkit.models.video_dit) never sees pixels. The video VAE first compresses the clip
(3, T, H, W) to a latent (C, T', H', W'), time by `time_factor` and space by `spatial_factor`; the transformer
then cuts that latent into patches of pt x ph x pw latent values, one token each. Back in pixels a token
covers time_factor·pt frames and a square of spatial_factor·ph x spatial_factor·pw pixels: with the defaults,
16 x 32 x 32 pixels -> 4 x 8 x 8 latent values (8 channels) -> 4 · 4 · 4 = 64 tokens, each 4 frames of an
8 x 8 square. (The VAE is causal: latent frame j also sees the frames before its own four; the bracket marks
the frames it summarises.)

The figure draws every frame with the token grid on it, brackets the frames that share a latent frame, and
outlines one token (the one holding the object at its first frame) across all the frames it covers.
"""
import textwrap

import matplotlib.pyplot as plt
import torch
from matplotlib import patheffects
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

from ..eval import read_clips
from .figures import to_numpy_image

OUTLINE = [patheffects.withStroke(linewidth=3.5, foreground="black")]    # white with a black edge: reads on any colour


def token_grid(video_shape: tuple, latent_shape=(8, 4, 8, 8), time_factor: int = 4, spatial_factor: int = 4,
               patch_size=(1, 2, 2)) -> dict:
    """The arithmetic of the figure, checked: how many tokens along t, h, w, and what one covers in pixels.

    video_shape (3, T, H, W); latent_shape (C, T', H', W'). Returns {"tokens": (nt, nh, nw), "count",
    "frames", "pixels": (py, px)}; a ValueError names the first number that does not tile."""
    def positive_ints(name, value, n):
        if len(value) != n or any(not isinstance(v, int) or v < 1 for v in value):
            raise ValueError(f"{name} must be {n} positive integers, got {value!r}")
    positive_ints("the clip's shape (3, T, H, W)", tuple(video_shape), 4)
    positive_ints("latent_shape (C, T', H', W')", tuple(latent_shape), 4)
    positive_ints("patch_size (pt, ph, pw)", tuple(patch_size), 3)
    positive_ints("time_factor and spatial_factor", (time_factor, spatial_factor), 2)
    if video_shape[0] != 3:
        raise ValueError(f"expected one clip (3, T, H, W) with 3 colour channels, got {tuple(video_shape)}")
    _, T, H, W = video_shape
    C, Tl, Hl, Wl = latent_shape
    factors = (time_factor, spatial_factor, spatial_factor)
    for name, n, m, f in zip(("frames", "height", "width"), (T, H, W), (Tl, Hl, Wl), factors):
        if n != m * f:
            raise ValueError(f"the clip's {name} {n} is not the latent's {m} x {f}: a VAE that compresses "
                             f"{name} by {f} turns {n} into {n / f:g}; pass the latent_shape of this clip")
    for name, m, p in zip(("T'", "H'", "W'"), (Tl, Hl, Wl), patch_size):
        if m % p:
            raise ValueError(f"patches of {p} do not tile the latent's {name} = {m}: the patch size {tuple(patch_size)} "
                             f"must divide the latent's (T', H', W') = {(Tl, Hl, Wl)}")
    pt, ph, pw = patch_size
    tokens = (Tl // pt, Hl // ph, Wl // pw)
    return {"tokens": tokens, "count": tokens[0] * tokens[1] * tokens[2], "frames": time_factor * pt,
            "pixels": (spatial_factor * ph, spatial_factor * pw)}


def patches_figure(video: torch.Tensor, latent_shape=(8, 4, 8, 8), time_factor: int = 4, spatial_factor: int = 4,
                   patch_size=(1, 2, 2)):
    """Every frame of `video` (3, T, H, W) with the transformer's token grid drawn on it; frames that share
    a latent frame bracketed; one token outlined; the token count in the caption under the frames."""
    if not isinstance(video, torch.Tensor):
        raise ValueError(f"expected one clip, a tensor (3, T, H, W) in [-1, 1], got {type(video).__name__}")
    grid = token_grid(tuple(video.shape), latent_shape, time_factor, spatial_factor, patch_size)
    video = video.detach().float().cpu()
    _, T, H, W = video.shape
    C, Tl, Hl, Wl = latent_shape
    pt, ph, pw = patch_size
    nt, nh, nw = grid["tokens"]
    ft, (py, px) = grid["frames"], grid["pixels"]

    # The token outlined: the one holding the object in frame 0 (the top-left one if nothing is visible).
    x, y = read_clips(video[None])[0].path[0].tolist()
    row, column = (0, 0) if x != x else (min(int(y // py), nh - 1), min(int(x // px), nw - 1))   # NaN != NaN

    # Frames in groups of ft (one token deep), a narrow gap between groups. Heights in inches, then fractions.
    size = min(0.7, 12.0 / (T + 0.3 * (nt - 1)))                           # inches per frame, at most 12 in all
    width = size * (T + 0.3 * (nt - 1)) + 0.6
    numbers = pt * ph * pw * C
    caption = [f"tokens: T'/pt · H'/ph · W'/pw = {Tl}/{pt} · {Hl}/{ph} · {Wl}/{pw} = {nt} · {nh} · {nw} = "
               f"{grid['count']}   (white lines: the token grid, every {px} pixels across and {py} down, in "
               f"frames of {W} × {H})",
               f"outlined: one token = {ft} frames × {py} × {px} pixels × 3 colours ({ft * py * px * 3} numbers) "
               f"→ through the VAE, {pt} × {ph} × {pw} latent values × {C} channels ({numbers} numbers) → "
               f"one vector of the transformer"]
    caption = "\n".join(textwrap.fill(line, int(width / 0.068), subsequent_indent="    ") for line in caption)
    below = 0.33 + 0.19 * (caption.count("\n") + 1)                         # frame labels and caption, inches
    height = size * H / W + 0.65 + below
    fig = plt.figure(figsize=(width, height))
    ratios = [r for g in range(nt) for r in ([0.3] if g else []) + [1] * ft]
    spec = fig.add_gridspec(1, len(ratios), width_ratios=ratios, wspace=0.08, left=0.03, right=0.98,
                            bottom=below / height, top=1 - 0.65 / height)
    frame_columns = [i for i, r in enumerate(ratios) if r == 1]             # gaps skipped
    axes = []
    for t, column_index in enumerate(frame_columns):
        ax = fig.add_subplot(spec[0, column_index])
        ax.imshow(to_numpy_image(video[:, t]), extent=(0, W, H, 0), interpolation="nearest")
        for k in range(1, nw):
            ax.axvline(k * px, color="white", lw=0.7, alpha=0.8, gid="token grid")
        for k in range(1, nh):
            ax.axhline(k * py, color="white", lw=0.7, alpha=0.8, gid="token grid")
        if t < ft:                                                        # the outlined token's frames
            ax.add_patch(Rectangle((column * px, row * py), px, py, fill=False, ec="white", lw=2,
                                   path_effects=OUTLINE, gid="one token"))
        ax.set_xlim(0, W), ax.set_ylim(H, 0)
        ax.set_xticks([]), ax.set_yticks([])
        ax.set_xlabel(f"frame {t}", fontsize=6, labelpad=2)
        axes.append(ax)

    # Brackets over the frames of each latent frame: which frames one latent frame (and one token) summarises.
    for j in range(Tl):
        first, last = axes[j * time_factor].get_position(), axes[(j + 1) * time_factor - 1].get_position()
        x0, x1, y0, rise = first.x0, last.x1, first.y1 + 0.06 / height, 0.08 / height
        fig.add_artist(Line2D([x0, x0, x1, x1], [y0, y0 + rise, y0 + rise, y0], color="black", lw=0.8,
                              transform=fig.transFigure, gid="bracket"))
        token_row = f", token slice {j // pt}" if pt > 1 else ""
        fig.text((x0 + x1) / 2, y0 + rise + 0.03 / height, f"frames {j * time_factor}-{(j + 1) * time_factor - 1}"
                 f" → latent frame {j}{token_row}", ha="center", va="bottom", fontsize=7)

    fig.suptitle("Spacetime patches: the clip cut into the video transformer's tokens", fontsize=10,
                 y=1 - 0.05 / height, va="top")
    fig.text(0.03, 0.08 / height, caption, fontsize=8, va="bottom", linespacing=1.6, gid="caption")
    return fig
