"""The forward process q(x_t | x₀): add noise to data, in one step.

    x_t = α_t·x₀ + σ_t·ε,   ε ~ N(0, I)

With a DDPM-style schedule this is Ho et al. (2020) eq. 4, x_t = √ᾱ_t·x₀ + √(1 − ᾱ_t)·ε; with the
flow-matching schedule it is the straight interpolation x_t = (1 − t)·x₀ + t·ε (Liu et al. 2022).
The same call serves (B, C, H, W) images and (B, C, T, H, W) clips.
"""
import torch

from .utils import append_dims, as_batch, randn_like


def q_sample(x0: torch.Tensor, t, schedule, noise: torch.Tensor | None = None,
             generator: torch.Generator | None = None) -> torch.Tensor:
    """x_t = α_t·x₀ + σ_t·ε for x₀ (B, ...) at times t (a number or (B,)); ε drawn if not given."""
    if noise is None:
        noise = randn_like(x0, generator)
    elif noise.shape != x0.shape:
        raise ValueError(f"noise has shape {tuple(noise.shape)} but x0 has shape {tuple(x0.shape)}")
    t = as_batch(t, x0, dtype=torch.float64)                                # (B,)
    alpha, sigma = schedule.coefficients(t)                                 # (B,) each, float64
    alpha, sigma = (append_dims(c.to(x0.dtype), x0.ndim) for c in (alpha, sigma))  # (B, 1, ..., 1)
    return alpha * x0 + sigma * noise


def snr(schedule, t) -> torch.Tensor:
    """Signal-to-noise ratio α_t²/σ_t² (float64, shaped like t); equal to 1/σ² for the samplers' σ."""
    alpha, sigma = schedule.coefficients(t)
    return alpha ** 2 / sigma ** 2
