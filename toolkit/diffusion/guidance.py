"""Guidance: wrappers that steer a denoiser toward a prompt. Denoiser in, denoiser out.

Both wrappers return a denoiser with the same signature as the one they wrap, so every sampler (and
`flow_to_sigma`, `clip_denoised`) works on the result unchanged.

Classifier-free guidance (Ho & Salimans 2022, eq. 6, written for x̂₀, which is linear in ε̂ at fixed x):
    D̃(x, σ) = D(x, σ | ∅) + s·(D(x, σ | c) − D(x, σ | ∅))
s = 1 is the conditional model, s = 0 the unconditional one, s > 1 extrapolates away from "no prompt".
One network plays both parts because it was trained with caption dropout; the two passes run as one
batch of 2B, as Stable Diffusion's pipelines do.

Classifier guidance (Dhariwal & Nichol 2021, sec. 4; with CLIP as the classifier, Nichol et al. 2022, GLIDE):
add the gradient of log p(c | x_t) to the score. In flow space x_t = (1 − t)·x₀ + t·ε, Tweedie's formula
x̂₀ = (x_t + t²·∇ log p(x_t)) / (1 − t) turns a score term into an x̂₀ term:
    D̃(x, t) = D(x, t) + s · t²/(1 − t) · ∇ₓ log p(c | x, t)
Here log p(c | x, t) is `log_prob(x, t)`: for CLIP guidance, the noise-aware model's logit_scale·cos(image, text).
At t → 1 the factor blows up while a noise-aware classifier's gradient fades; the factor is capped at
`max_weight` (1 − t ≥ t²/max_weight), a choice of this course, stated here.
"""
import torch

from .utils import append_dims, as_batch


def classifier_free_guidance(denoiser, guidance_scale: float, uncond: dict):
    """D̃ = D(·|∅) + s·(D(·|c) − D(·|∅)), s = guidance_scale. `uncond` holds the null prompt's conditioning for
    the same batch (e.g. TextConditioner.null(B)); the prompt's conditioning arrives as the call's keyword arguments."""
    if not guidance_scale >= 0:
        raise ValueError(f"guidance_scale must be >= 0 (1 = no guidance), got {guidance_scale}")

    def guided(x: torch.Tensor, sigma, **cond) -> torch.Tensor:
        if set(cond) != set(uncond):
            raise ValueError(f"cond has keys {sorted(cond)} but uncond has {sorted(uncond)}: give both the same")
        if guidance_scale == 1:
            return denoiser(x, sigma, **cond)                  # the conditional model: one pass
        if guidance_scale == 0:
            return denoiser(x, sigma, **uncond)                # the unconditional model: one pass
        sigma = as_batch(sigma, x)
        both = {k: torch.cat([cond[k], uncond[k]]) for k in cond}       # (2B, ...): one batched call
        d_cond, d_uncond = denoiser(torch.cat([x, x]), torch.cat([sigma, sigma]), **both).chunk(2)
        return d_uncond + guidance_scale * (d_cond - d_uncond)
    return guided


def classifier_guidance(flow_denoiser, log_prob, guidance_scale: float, max_weight: float = 10.0):
    """D̃(x, t) = D(x, t) + s·w(t)·∇ₓ log_prob(x, t), s = guidance_scale, w(t) = min(t²/(1 − t), max_weight),
    in flow space.

    log_prob(x, t) -> (B,) log p(c | x_t) up to a constant in x, with its conditioning already bound in
    (e.g. a noise-aware CLIP's similarity to the prompt). Use flow_to_sigma(...) on the result for σ-space samplers.
    """
    if not guidance_scale >= 0:
        raise ValueError(f"guidance_scale must be >= 0, got {guidance_scale}")

    def guided(x: torch.Tensor, t, **cond) -> torch.Tensor:
        t = as_batch(t, x)
        denoised = flow_denoiser(x, t, **cond)
        if guidance_scale == 0:
            return denoised
        with torch.enable_grad():
            x_in = x.detach().requires_grad_(True)
            grad, = torch.autograd.grad(log_prob(x_in, t).sum(), x_in)       # (B, ...) per-sample gradients
        weight = (t ** 2 / (1 - t).clamp(min=1e-6)).clamp(max=max_weight)
        return denoised + guidance_scale * append_dims(weight, x.ndim) * grad
    return guided
