"""Inpainting by replacement: sample the unknown part of x while a known part stays what it is given to be.
Denoiser in, denoiser out, like guidance, so every sampler runs it unchanged; no retraining.

The known part x₀ᵏ (a picture's latent frame, the last latent frames of the previous window) is written into
the denoiser's input at each step, noised: x_t,ᵏ = (1 − c·t)·x₀ᵏ + c·t·ε, with ε the noise the sampler started
from. c = 1 is the replacement method of RePaint (Lugmayr et al. 2022, eq. 8, without its resampling) and of
Ho et al. 2022 ("Video Diffusion Models", sec. 3.1): the known part at the current noise level. The output's
known part is set to x₀ᵏ, so every update x' = x + (t' − t)·(x − D)/t keeps the known part on its path
(1 − t)·x₀ᵏ + t·ε and ends at x₀ᵏ exactly.

c < 1 shows the model the known part less noisy than the rest (c = 0: clean). Ho et al. found plain
replacement poorly coherent and added a gradient ("reconstruction guidance"); this is the cheaper fix: at
t near 1, with c = 1, the given part is drowned in noise exactly when the model lays out the clip, so the
layout comes from the prompt alone. assets/metrics/beyond.json measures c.
"""
import torch

from .utils import append_dims, as_batch


def keep_known(flow_denoiser, known: torch.Tensor, mask: torch.Tensor, noise: torch.Tensor, known_noise: float = 1.0):
    """A flow-space denoiser D(x, t) whose input holds `known` where `mask` is True, noised to c·t
    (c = known_noise), and whose output is `known` there. known and noise: shaped like x; mask: a bool
    tensor that broadcasts to x's shape, e.g. (1, 1, T, 1, 1) for whole frames of a clip."""
    if not 0 <= known_noise <= 1:
        raise ValueError(f"known_noise must lie in [0, 1] (1: the current noise level, 0: clean), got {known_noise}")
    if known.shape != noise.shape:
        raise ValueError(f"known {tuple(known.shape)} and noise {tuple(noise.shape)} must have one shape, x's")

    def denoiser(x: torch.Tensor, t, **cond) -> torch.Tensor:
        level = known_noise * append_dims(as_batch(t, x), x.ndim)               # c·t, (B, 1, ..., 1)
        x = torch.where(mask, (1 - level) * known + level * noise, x)
        return torch.where(mask, known, flow_denoiser(x, t, **cond))
    return denoiser
