"""Denoisers: the one interface every sampler calls (k-diffusion's `external.py`).

A denoiser is any callable D(x, σ, **cond) -> x̂₀ returning the same shape as x, where x is the noisy
batch and σ a (B,) tensor. It comes in two coordinate systems:

* σ-space (EDM, Karras et al. 2022): x = x₀ + σ·ε, σ ∈ (0, ∞). Used by `sample_ddpm`, `sample_ddim`,
  `sample_euler`, `sample_heun`, `sample_dpmpp_2m`.
* flow space (rectified flow): x = (1 − t)·x₀ + t·ε, t ∈ (0, 1]. Used by `sample_flow_euler`,
  `sample_flow_heun`. Here the second argument is the flow time t.

The wrappers below turn a raw network `model(x_t, t, **cond)`, trained with any of the targets in
`parameterizations.PREDICTIONS`, into a denoiser. They are where the network's own conventions live:

* `SigmaDenoiser(model, schedule, prediction)` works for any schedule: it finds the time t at which
  σ_t/α_t = σ, rescales x back to the network's x_t = α_t·x, calls the network at t and solves for x̂₀.
  With a DDPM schedule, t is the step index as a float (fractional between steps); with a FlowSchedule,
  t = σ/(1 + σ) ∈ [0, 1).
* `FlowDenoiser(model, prediction="velocity")` calls the network directly in flow space, t ∈ (0, 1].

Because x̂₀ lives in data space whatever the coordinates, wrappers of denoisers compose: guidance,
`clip_denoised`, and the coordinate changes `flow_to_sigma` and `sigma_to_flow`.
"""
import torch

from .parameterizations import PREDICTIONS, predict_x0
from .utils import append_dims, as_batch, check_choice


class SigmaDenoiser:
    """D(x, σ) in σ-space from a network trained on `schedule` to predict `prediction`.

    x (B, ...) with x = x₀ + σ·ε; σ a number or (B,). The network sees x_t = α_t·x at time t, exactly
    the input it saw in training (`q_sample`), and receives t as a (B,) tensor of x's dtype.
    """

    def __init__(self, model, schedule, prediction: str = "epsilon"):
        check_choice("prediction", prediction, PREDICTIONS)
        self.model, self.schedule, self.prediction = model, schedule, prediction

    def __call__(self, x: torch.Tensor, sigma, **cond) -> torch.Tensor:
        sigma = as_batch(sigma, x, dtype=torch.float64)         # (B,)
        t = self.schedule.sigma_to_t(sigma)                      # (B,) network time
        alpha, sigma_t = self.schedule.coefficients(t)           # (B,) x_t = α_t·x₀ + σ_t·ε
        x_t = append_dims(alpha.to(x.dtype), x.ndim) * x         # (B, ...) the network's scale
        out = self.model(x_t, t.to(x.dtype), **cond)
        return predict_x0(out, self.prediction, x_t, alpha, sigma_t)


class FlowDenoiser:
    """D(x, t) in flow space from a network predicting `prediction` (velocity u = ε − x₀ by default).

    x (B, ...) with x = (1 − t)·x₀ + t·ε; t a number or (B,) in (0, 1], passed on as a (B,) tensor.
    For a velocity network D(x, t) = x − t·u(x, t). An ε-network cannot be called at t = 1, where
    α_t = 0 and ε says nothing about x₀ (start its grid below 1); the other targets can.
    """

    def __init__(self, model, prediction: str = "velocity"):
        check_choice("prediction", prediction, PREDICTIONS)
        self.model, self.prediction = model, prediction

    def __call__(self, x: torch.Tensor, t, **cond) -> torch.Tensor:
        t = as_batch(t, x)                                       # (B,)
        out = self.model(x, t, **cond)
        return predict_x0(out, self.prediction, x, 1 - t, t)


def flow_to_sigma(flow_denoiser):
    """A σ-space denoiser from a flow-space one: x_flow = x/(1 + σ) at t = σ/(1 + σ).

    Lets the σ-space samplers (DDIM, DPM-Solver++) drive a flow-matching model.
    """
    def denoiser(x: torch.Tensor, sigma, **cond) -> torch.Tensor:
        sigma = as_batch(sigma, x)                               # (B,)
        scale = append_dims(1 / (1 + sigma), x.ndim)             # 1 − t
        return flow_denoiser(x * scale, sigma / (1 + sigma), **cond)
    return denoiser


def sigma_to_flow(sigma_denoiser):
    """A flow-space denoiser from a σ-space one: x_σ = x/(1 − t) at σ = t/(1 − t), for t < 1.

    Lets the flow samplers drive a DDPM-style model; start them below t = 1 (σ = ∞ has no σ-space
    equivalent), e.g. at t = σ_max/(1 + σ_max).
    """
    def denoiser(x: torch.Tensor, t, **cond) -> torch.Tensor:
        t = as_batch(t, x)                                       # (B,)
        if (t >= 1).any():
            raise ValueError("a sigma-space denoiser cannot be called at flow time t = 1 (infinite sigma)")
        return sigma_denoiser(x / append_dims(1 - t, x.ndim), t / (1 - t), **cond)
    return denoiser


def clip_denoised(denoiser, low: float = -1.0, high: float = 1.0):
    """Clamp x̂₀ to [low, high] (diffusers' `clip_sample`, on by default in its DDPM and DDIM).

    Every sampler then uses the clipped x̂₀ throughout (diffusers' DDIM calls this
    `use_clipped_model_output=True`).
    """
    if not low < high:
        raise ValueError(f"need low < high, got {low} and {high}")

    def clipped(x: torch.Tensor, sigma, **cond) -> torch.Tensor:
        return denoiser(x, sigma, **cond).clamp(low, high)
    return clipped
