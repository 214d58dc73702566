"""Drawing shapes: signed distances, anti-aliased coverage and backgrounds, in torch.

Everything is vectorised over objects and frames. Positions are object centres in pixel
units, with pixel (i, j) centred at (x, y) = (j + 0.5, i + 0.5). A shape is a signed
distance function d(dx, dy; r): negative inside, positive outside, in pixels, so
`coverage = clamp(0.5 - d, 0, 1)` is a one-pixel anti-aliased edge.
"""
import torch

from .vocab import SHAPES

# Shape-specific constants, as fractions of the radius r.
SQUARE_HALF_SIDE = 0.85    # a square of half-side 0.85 r has about the area of a circle of radius r
TRIANGLE_BASE = 0.7        # apex at (0, -r), base at dy = +0.7 r, base corners at dx = +-r
CROSS_HALF_WIDTH = 0.35    # arms of half-length r and half-width 0.35 r


def signed_distance(shape: int, dx: torch.Tensor, dy: torch.Tensor, r: torch.Tensor) -> torch.Tensor:
    """Approximate signed distance (pixels) of points (dx, dy) from a shape of radius r."""
    name = SHAPES[shape]
    if name == "circle":
        return torch.sqrt(dx * dx + dy * dy) - r
    if name == "square":
        return torch.maximum(dx.abs(), dy.abs()) - SQUARE_HALF_SIDE * r
    if name == "triangle":
        # Intersection of three half-planes: the base and the two slanted sides.
        slope = (1 + TRIANGLE_BASE)  # side direction (r, 1.7 r) from the apex
        side = (slope * dx.abs() - dy - r) / (slope**2 + 1) ** 0.5
        return torch.maximum(dy - TRIANGLE_BASE * r, side)
    if name == "cross":
        w = CROSS_HALF_WIDTH * r
        horizontal = torch.maximum(dx.abs() - r, dy.abs() - w)
        vertical = torch.maximum(dx.abs() - w, dy.abs() - r)
        return torch.minimum(horizontal, vertical)
    raise ValueError(f"no signed distance for shape {name!r}")


def coverage(shape: torch.Tensor, radius: torch.Tensor, position: torch.Tensor,
             height: int, width: int) -> torch.Tensor:
    """Fraction of each pixel covered by each object.

    shape (N,) long, radius (N,) pixels, position (N, T, 2) pixel centres (x, y)
    returns (N, T, H, W) in [0, 1]
    """
    N, T, _ = position.shape
    xs = torch.arange(width, dtype=torch.float32) + 0.5
    ys = torch.arange(height, dtype=torch.float32) + 0.5
    out = torch.empty(N, T, height, width)
    for k in range(len(SHAPES)):
        idx = (shape == k).nonzero().squeeze(1)
        if idx.numel() == 0:
            continue
        pos = position[idx]                                  # (n, T, 2)
        dx = xs.view(1, 1, 1, width) - pos[..., 0, None, None]   # (n, T, 1, W)
        dy = ys.view(1, 1, height, 1) - pos[..., 1, None, None]  # (n, T, H, 1)
        r = radius[idx].view(-1, 1, 1, 1)
        out[idx] = (0.5 - signed_distance(k, dx, dy, r)).clamp_(0, 1)
    return out


PLAIN_GREY = 0.1


def backgrounds(n: int, height: int, width: int, textured: bool, generator: torch.Generator) -> torch.Tensor:
    """Grey backgrounds (n, 1, 1, H, W) in [0, 1]: plain, or a static wavy texture.

    Backgrounds stay grey (equal R, G, B) so that they carry no colour the reader could
    mistake for an object.
    """
    if not textured:
        return torch.full((n, 1, 1, height, width), PLAIN_GREY)
    ys = torch.linspace(0, 1, height).view(1, height, 1)
    xs = torch.linspace(0, 1, width).view(1, 1, width)
    texture = torch.zeros(n, height, width)
    for _ in range(3):  # a sum of three random plane waves
        freq = torch.rand(n, 2, generator=generator) * 10 + 2
        phase = torch.rand(n, generator=generator) * 6.2832
        wave = freq[:, 0, None, None] * xs + freq[:, 1, None, None] * ys + phase[:, None, None]
        texture += torch.sin(wave)
    return (0.16 + 0.035 * texture).view(n, 1, 1, height, width)
