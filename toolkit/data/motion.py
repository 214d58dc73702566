"""Trajectories: where each object's centre is in every frame.

A straight motion travels a distance L (30-45% of the frame) at constant speed. A bounce
("left then right") travels towards a wall, touches it at frame k (in the middle third of
the clip) and comes back: x_t = wall - d * s * |t - k|. The bounce frame is kept: later
it is where the soundtrack clicks.

`bounce_frame=k` pins k instead of drawing it. The draw is still made and thrown away, so the same
generator gives the same clip in every other respect (start, speed, wall, and every later draw): a
counterfactual that differs only in timing, x'_{t + k' - k} = x_t. Straight motions have no bounce and
ignore it.
"""
import math

import torch

from .vocab import MOTIONS, MOTION_NAMES

TRAVEL = (0.30, 0.45)  # distance travelled over the clip, as a fraction of the shorter side


def bounce_range(frames: int) -> tuple[int, int]:
    """(first, last) frame a bounce may touch the wall at: the middle third, 5..10 for 16 frames."""
    return math.ceil((frames - 1) / 3), math.floor(2 * (frames - 1) / 3)


def check_bounce_frame(bounce_frame, frames: int) -> None:
    """A clear error for a bounce frame that is not an integer in bounce_range(frames)."""
    k_lo, k_hi = bounce_range(frames)
    if isinstance(bounce_frame, bool) or not isinstance(bounce_frame, int) or not k_lo <= bounce_frame <= k_hi:
        raise ValueError(f"bounce_frame must be an integer from {k_lo} to {k_hi} (the middle third of a "
                         f"{frames}-frame clip), got {bounce_frame!r}")


def trajectories(motion: torch.Tensor, radius: torch.Tensor, frames: int, height: int, width: int,
                 generator: torch.Generator, bounce_frame: int | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Centres (N, T, 2) in pixels and bounce frames (N,) (-1: no bounce).

    motion (N,) long index into MOTION_NAMES (ignored when frames == 1), radius (N,) pixels;
    bounce_frame: None draws each bounce's frame, an int pins every bounce to it (see the module's docstring).
    """
    if bounce_frame is not None:
        if frames == 1:
            raise ValueError("images (frames=1) have no bounce; drop bounce_frame=... or use frames >= 4")
        check_bounce_frame(bounce_frame, frames)
    N = motion.shape[0]
    lo = radius[:, None] + 0.5                               # (N, 1) lowest centre, per axis
    hi = torch.tensor([width, height]) - radius[:, None] - 0.5  # (N, 2) highest centre
    span = hi - lo                                           # (N, 2)
    u = torch.rand(N, 4, generator=generator)                # all random draws at once
    if frames == 1:
        return (lo + u[:, :2] * span)[:, None, :], torch.full((N,), -1)

    direction = torch.tensor([MOTIONS[m] for m in MOTION_NAMES], dtype=torch.float32)[motion]  # (N, 2)
    bounces = torch.tensor([" then " in m for m in MOTION_NAMES])[motion]                      # (N,)
    length = (TRAVEL[0] + (TRAVEL[1] - TRAVEL[0]) * u[:, 2]) * min(height, width)
    speed = length / (frames - 1)                            # pixels per frame
    t = torch.arange(frames, dtype=torch.float32)            # (T,)

    # Straight: the start is drawn so that the whole path stays inside the frame.
    travel = direction * length[:, None]                     # (N, 2)
    start = lo + travel.clamp(max=0).neg() + u[:, :2] * (span - travel.abs())
    straight = start[:, None, :] + direction[:, None, :] * speed[:, None, None] * t[None, :, None]

    # Bounce: touch the wall at frame k, then come back along the same axis.
    k_lo, k_hi = bounce_range(frames)
    k = k_lo + (u[:, 3] * (k_hi - k_lo + 1)).long().clamp(max=k_hi - k_lo)     # (N,)
    if bounce_frame is not None:                                                # drawn above all the same
        k = torch.full_like(k, bounce_frame)
    wall = torch.where(direction < 0, lo.expand(-1, 2), hi)                     # (N, 2)
    distance = (t[None, :] - k[:, None].float()).abs() * speed[:, None]         # (N, T)
    bounce = wall[:, None, :] - direction[:, None, :] * distance[..., None]     # (N, T, 2)
    still_axis = direction == 0                                                 # the other axis
    bounce = torch.where(still_axis[:, None, :], start[:, None, :], bounce)

    position = torch.where(bounces[:, None, None], bounce, straight)
    bounce_frame = torch.where(bounces, k, torch.full_like(k, -1))
    return position, bounce_frame
