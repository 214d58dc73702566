"""Temporal consistency: does a generated clip stay the same object, moving smoothly, from frame to frame?

    consistency(videos)     # {"identity_changes": 0.01, "path_jerk_px": 0.2, "frame_change": 0.03, "visible": 1.0}

Read frame by frame with the attribute reader (no learned weights), a clip of the shapes world shows one object
whose shape and colour never change and whose centre moves in a straight line (or turns back once, at a
bounce). Three measures, each 0 for a perfectly consistent clip:
    identity_changes   of all pairs of consecutive frames, the fraction where the read shape or colour changes
                       (a flickering clip redraws its object; a consistent one keeps it)
    path_jerk_px       the object's centre p_t: the median over frames of |p_{t+1} − 2 p_t + p_{t−1}| in pixels,
                       averaged over clips. A straight, steady path has 0; the median ignores the one turn of
                       a bounce; an object that jumps about has several pixels
    frame_change       the mean absolute change of a pixel between consecutive frames, on the [-1, 1] scale
and `visible`, the fraction of frames in which the reader found an object at all.
Real clips of the world give the reference values (notebook 07 prints them beside every model).
"""
import torch
from einops import rearrange

from .reader import read_images


def frame_readings(videos: torch.Tensor) -> list[list]:
    """Read every frame of every clip (B, 3, T, H, W) as an image: B lists of T Readings."""
    if not isinstance(videos, torch.Tensor) or videos.ndim != 5 or videos.shape[1] != 3:
        got = tuple(videos.shape) if isinstance(videos, torch.Tensor) else type(videos).__name__
        raise ValueError(f"videos must be clips (B, 3, T, H, W) in [-1, 1], got {got}")
    if videos.shape[2] < 3:
        raise ValueError(f"consistency needs at least 3 frames per clip, got {videos.shape[2]}")
    B, T = videos.shape[0], videos.shape[2]
    readings = read_images(rearrange(videos, "b c t h w -> (b t) c h w"))
    return [readings[i * T:(i + 1) * T] for i in range(B)]


def consistency(videos: torch.Tensor) -> dict:
    """The three measures of the module docstring (means over the batch), and `visible`."""
    per_clip = frame_readings(videos)
    changes, jerks, visible = [], [], []
    for frames in per_clip:
        ids = [(r.shape, r.colour) for r in frames]
        changes.append(sum(a != b for a, b in zip(ids, ids[1:])) / (len(ids) - 1))
        path = torch.stack([r.path[0] for r in frames])                       # (T, 2), NaN where empty
        visible.append(float(torch.isfinite(path).all(dim=1).float().mean()))
        jerk = (path[2:] - 2 * path[1:-1] + path[:-2]).norm(dim=1)           # (T-2,)
        jerk = jerk[torch.isfinite(jerk)]
        if len(jerk):
            jerks.append(float(jerk.median()))
    frame_change = (videos[:, :, 1:] - videos[:, :, :-1]).abs().mean()
    return {"identity_changes": sum(changes) / len(changes),
            "path_jerk_px": sum(jerks) / len(jerks) if jerks else float("nan"),
            "frame_change": float(frame_change),
            "visible": sum(visible) / len(visible)}
