"""Training losses: noise the data at a random time, ask the network for a target, take the MSE.

    loss = epsilon_loss(model, x0, schedule, generator=None, cond=None, min_snr_gamma=None)

`model(x_t, t, **cond)` is the raw network: it takes the noisy batch x_t (B, ...) and the time t as a
(B,) tensor of x₀'s dtype, and returns a tensor shaped like x_t. The time convention follows the schedule:
for a `DiscreteSchedule` t is the step index 0..T-1 as a float (Ho et al. Algorithm 1); for a
`FlowSchedule` t ∈ [0, 1). The same conventions are used by `SigmaDenoiser` and `FlowDenoiser` at
sampling time. Each call draws t first, then ε, from `generator`, so a seeded generator makes
training reproducible bit for bit on the CPU.

The four objectives differ only in the target (see `parameterizations.py`):
    epsilon_loss   ‖ε̂ − ε‖²                 DDPM's "simple" loss (Ho et al. 2020, eq. 14)
    v_loss         ‖v̂ − v‖²                 v-prediction (Salimans & Ho 2022)
    x0_loss        ‖x̂₀ − x₀‖²
    velocity_loss  ‖û − (ε − x₀)‖²          rectified flow (Liu et al. 2022, eq. 1), conditional flow
                                             matching with the straight path (Lipman et al. 2023)

Min-SNR-γ weighting (Hang et al. 2023) caps the weight of easy, low-noise times. Each objective's
error is a multiple of the implied x₀ error, x̂₀ − x₀ = c·(prediction error), and the weight is chosen
so that every objective becomes min(SNR, γ)·‖x̂₀ − x₀‖²:
    weight = min(SNR, γ)·c²   giving min(SNR, γ)/SNR for ε, min(SNR, γ)/(SNR + 1) for v and min(SNR, γ)
    for x₀, as in Hang et al., and min(SNR, γ)·t² for the flow velocity (the same principle).
"""
import torch

from .parameterizations import PREDICTIONS, prediction_target
from .utils import append_dims, check_choice, randn_like


def min_snr_weight(prediction: str, alpha: torch.Tensor, sigma: torch.Tensor, gamma: float) -> torch.Tensor:
    """Per-sample weight min(SNR, γ)·c² (see the module docstring); α, σ (B,) tensors."""
    check_choice("prediction", prediction, PREDICTIONS)
    if not gamma > 0:
        raise ValueError(f"min_snr_gamma must be positive, got {gamma}")
    snr = alpha ** 2 / sigma ** 2
    c = {"epsilon": sigma / alpha,                      # x₀ = (x_t − σ·ε)/α
         "x0": torch.ones_like(alpha),
         "v": sigma / (alpha ** 2 + sigma ** 2),         # x₀ = (α·x_t − σ·v)/(α² + σ²)
         "velocity": sigma / (alpha + sigma)}[prediction]  # x₀ = (x_t − σ·u)/(α + σ)
    return snr.clamp(max=gamma) * c ** 2


def diffusion_loss(prediction: str, model, x0: torch.Tensor, schedule, generator=None, cond=None,
                   min_snr_gamma: float | None = None) -> torch.Tensor:
    """The mean over the batch of the (optionally min-SNR weighted) per-sample MSE to `prediction`'s target."""
    check_choice("prediction", prediction, PREDICTIONS)
    B = x0.shape[0]
    t = schedule.sample_t(B, generator).to(x0.device)           # (B,) float64, drawn first
    noise = randn_like(x0, generator)                            # (B, ...) ε, drawn second
    alpha, sigma = schedule.coefficients(t)                      # (B,) float64
    a, s = (append_dims(c.to(x0.dtype), x0.ndim) for c in (alpha, sigma))
    x_t = a * x0 + s * noise                                     # q(x_t | x₀), `forward.q_sample`
    out = model(x_t, t.to(x0.dtype), **(cond or {}))
    if out.shape != x0.shape:
        raise ValueError(f"the model returned shape {tuple(out.shape)} for an input of shape {tuple(x0.shape)}")
    target = prediction_target(x0, noise, prediction, alpha, sigma)
    per_sample = (out - target).pow(2).flatten(1).mean(1)        # (B,)
    if min_snr_gamma is not None:
        per_sample = per_sample * min_snr_weight(prediction, alpha, sigma, min_snr_gamma).to(per_sample)
    return per_sample.mean()


def epsilon_loss(model, x0, schedule, generator=None, cond=None, min_snr_gamma=None) -> torch.Tensor:
    """‖ε̂(x_t, t) − ε‖², Ho et al. 2020, eq. 14."""
    return diffusion_loss("epsilon", model, x0, schedule, generator, cond, min_snr_gamma)


def v_loss(model, x0, schedule, generator=None, cond=None, min_snr_gamma=None) -> torch.Tensor:
    """‖v̂(x_t, t) − (α_t·ε − σ_t·x₀)‖², Salimans & Ho 2022."""
    return diffusion_loss("v", model, x0, schedule, generator, cond, min_snr_gamma)


def x0_loss(model, x0, schedule, generator=None, cond=None, min_snr_gamma=None) -> torch.Tensor:
    """‖x̂₀(x_t, t) − x₀‖²."""
    return diffusion_loss("x0", model, x0, schedule, generator, cond, min_snr_gamma)


def velocity_loss(model, x0, schedule, generator=None, cond=None, min_snr_gamma=None) -> torch.Tensor:
    """‖û(x_t, t) − (ε − x₀)‖², conditional flow matching; use it with a `FlowSchedule`."""
    return diffusion_loss("velocity", model, x0, schedule, generator, cond, min_snr_gamma)
