"""Samplers: plain functions of a denoiser, k-diffusion style.

    x = sample_xxx(denoiser, x, sigmas, generator=None, cond=None, callback=None,
                   return_trajectory=False, progress=False)

* denoiser: D(x, σ, **cond) -> x̂₀ (see `denoisers.py`). The σ-space samplers below expect
  x = x₀ + σ·ε; `sample_flow_euler` and `sample_flow_heun` expect flow space, x = (1 − t)·x₀ + t·ε.
* x (B, ...): the starting noise at the first grid point, so σ_0·ε (σ-space) or ε (flow, t_0 = 1).
* sigmas (N+1,): a strictly decreasing grid, usually ending at 0 (`schedules.py`); N steps.
* generator: the torch.Generator for any fresh noise (DDPM, DDIM with η > 0); deterministic samplers
  accept and ignore it, so that every sampler shares one signature.
* return_trajectory: also return a `Trajectory` of every x_i and x̂₀ (for plots);
  callback: called each step with {i, sigma, sigma_next, x, denoised}; progress: a tqdm bar.

Notation: σ = σ_i the current noise level, σ' = σ_{i+1} the next, ε̂ = (x − x̂₀)/σ the implied noise.
In σ-space the probability-flow ODE is dx/dσ = (x − D(x; σ))/σ (Karras et al. 2022, eqs. 1 and 3
with σ(t) = t); on the straight flow path it is dx/dt = (x − D(x; t))/t, the same formula, so the flow
samplers are Euler's and Heun's method again, written with the velocity u = (x − D)/t.
"""
import math

from .trajectory import Steps
from .utils import randn_like


def sample_ddpm(denoiser, x, sigmas, *, generator=None, cond=None, callback=None, return_trajectory=False,
                progress=False):
    """DDPM ancestral sampling (Ho et al. 2020, Algorithm 2): draw x_{i+1} from q(x_{i+1} | x_i, x̂₀).

    The posterior of Ho et al. eqs. 6-7, written in σ-space:
        mean μ̃ = x̂₀ + (σ'²/σ²)·(x − x̂₀)        variance β̃ = σ'²·(1 − σ'²/σ²)
    ("fixed_small" variance). On the schedule's own steps it is exactly diffusers' DDPMScheduler step
    (with clip_sample=False, or with `clip_denoised`). Needs a generator for reproducible noise.
    """
    steps = Steps(denoiser, x, sigmas, cond, callback, return_trajectory, progress, name="DDPM")
    for i, sigma, sigma_next in steps:
        denoised = steps.denoise(x, sigma)
        ratio = sigma_next ** 2 / sigma ** 2
        x = denoised + ratio * (x - denoised)                   # μ̃, Ho et al. eq. 7
        if sigma_next > 0:
            x = x + sigma_next * math.sqrt(1 - ratio) * randn_like(x, generator)
    return steps.result(x)


def sample_ddim(denoiser, x, sigmas, *, eta=0.0, generator=None, cond=None, callback=None,
                return_trajectory=False, progress=False):
    """DDIM (Song et al. 2021, eq. 12), with η interpolating from deterministic (0) to DDPM (1).

    In σ-space eq. 12 reads x' = x̂₀ + σ_down·ε̂ + σ_up·z, z ~ N(0, I), with
        σ_up = η·σ'·√(1 − σ'²/σ²)    (eq. 16's σ_t(η), divided by √ᾱ')    σ_down = √(σ'² − σ_up²).
    With η = 0 this is Euler's method on the probability-flow ODE (Karras et al. 2022, Sec. 3);
    with η = 1 it is `sample_ddpm`.
    """
    if not eta >= 0:
        raise ValueError(f"eta must be >= 0, got {eta}")
    steps = Steps(denoiser, x, sigmas, cond, callback, return_trajectory, progress, name="DDIM")
    for i, sigma, sigma_next in steps:
        denoised = steps.denoise(x, sigma)
        eps = (x - denoised) / sigma                             # ε̂
        sigma_up = min(sigma_next, eta * sigma_next * math.sqrt(1 - sigma_next ** 2 / sigma ** 2))
        sigma_down = math.sqrt(sigma_next ** 2 - sigma_up ** 2)
        x = denoised + sigma_down * eps                          # eq. 12, "direction pointing to x_t"
        if sigma_up > 0:
            x = x + sigma_up * randn_like(x, generator)          # eq. 12, random noise
    return steps.result(x)


def sample_euler(denoiser, x, sigmas, *, generator=None, cond=None, callback=None, return_trajectory=False,
                 progress=False):
    """Euler's method on dx/dσ = (x − D(x; σ))/σ (Karras et al. 2022, Algorithm 1 without the Heun step).

    Works unchanged in flow space with a flow denoiser and flow times (see `sample_flow_euler`).
    """
    steps = Steps(denoiser, x, sigmas, cond, callback, return_trajectory, progress, name="Euler")
    for i, sigma, sigma_next in steps:
        denoised = steps.denoise(x, sigma)
        d = (x - denoised) / sigma                               # dx/dσ
        x = x + (sigma_next - sigma) * d
    return steps.result(x)


def sample_heun(denoiser, x, sigmas, *, generator=None, cond=None, callback=None, return_trajectory=False,
                progress=False):
    """Heun's 2nd-order method (Karras et al. 2022, Algorithm 1, deterministic: S_churn = 0).

    Euler to σ', then average the slopes at σ and σ'. The last step to σ' = 0 stays Euler (line 8).
    Two denoiser calls per step except the last.
    """
    steps = Steps(denoiser, x, sigmas, cond, callback, return_trajectory, progress, name="Heun")
    for i, sigma, sigma_next in steps:
        denoised = steps.denoise(x, sigma)
        d = (x - denoised) / sigma                               # Algorithm 1, line 7
        x_next = x + (sigma_next - sigma) * d                    # line 8
        if sigma_next > 0:
            d_next = (x_next - steps.denoise(x_next, sigma_next)) / sigma_next   # line 10
            x_next = x + (sigma_next - sigma) * (d + d_next) / 2                  # line 11
        x = x_next
    return steps.result(x)


def sample_dpmpp_2m(denoiser, x, sigmas, *, generator=None, cond=None, callback=None,
                    return_trajectory=False, progress=False):
    """DPM-Solver++(2M) (Lu et al. 2022, "DPM-Solver++", Algorithm 2), in σ-space as k-diffusion writes it.

    With λ = −log σ (half the log-SNR) and h = λ' − λ, the data-prediction solver steps
        x' = (σ'/σ)·x − (e^(−h) − 1)·D
    where D is x̂₀ for the first step and, after it, the 2nd-order multistep estimate
        D = (1 + 1/(2r))·x̂₀ − (1/(2r))·x̂₀_prev,   r = h_prev/h.
    A step to σ' = 0 (h = ∞) returns x̂₀, the first-order update, as diffusers does.
    """
    steps = Steps(denoiser, x, sigmas, cond, callback, return_trajectory, progress, name="DPM-Solver++(2M)")
    old_denoised, h_last = None, None
    for i, sigma, sigma_next in steps:
        denoised = steps.denoise(x, sigma)
        if sigma_next == 0:
            x = denoised
        else:
            h = math.log(sigma / sigma_next)
            D = denoised
            if old_denoised is not None:
                r = h_last / h
                D = (1 + 1 / (2 * r)) * denoised - (1 / (2 * r)) * old_denoised
            x = (sigma_next / sigma) * x - math.expm1(-h) * D
            h_last = h
        old_denoised = denoised
    return steps.result(x)


def sample_flow_euler(denoiser, x, times, *, generator=None, cond=None, callback=None,
                      return_trajectory=False, progress=False):
    """Euler's method on the flow-matching ODE dx/dt = u(x, t) (Liu et al. 2022; Lipman et al. 2023).

    `denoiser` is a flow-space D(x, t) (e.g. `FlowDenoiser(velocity_net)`) and `times` a grid from
    t ≤ 1 down to 0 (`flow_times`). The velocity is recovered as u = (x − D)/t, so this is diffusers'
    FlowMatchEulerDiscreteScheduler step x' = x + (t' − t)·u.
    """
    steps = Steps(denoiser, x, times, cond, callback, return_trajectory, progress, flow=True, name="flow Euler")
    for i, t, t_next in steps:
        u = (x - steps.denoise(x, t)) / t                        # velocity ε̂ − x̂₀
        x = x + (t_next - t) * u
    return steps.result(x)


def sample_flow_heun(denoiser, x, times, *, generator=None, cond=None, callback=None,
                     return_trajectory=False, progress=False):
    """Heun's method on the flow-matching ODE: average the velocities at t and at the Euler guess at t'.

    The last step to t' = 0 stays Euler, as in `sample_heun` and diffusers' FlowMatchHeunDiscreteScheduler.
    """
    steps = Steps(denoiser, x, times, cond, callback, return_trajectory, progress, flow=True, name="flow Heun")
    for i, t, t_next in steps:
        u = (x - steps.denoise(x, t)) / t
        x_next = x + (t_next - t) * u
        if t_next > 0:
            u_next = (x_next - steps.denoise(x_next, t_next)) / t_next
            x_next = x + (t_next - t) * (u + u_next) / 2
        x = x_next
    return steps.result(x)


SAMPLERS = {"ddpm": sample_ddpm, "ddim": sample_ddim, "euler": sample_euler, "heun": sample_heun,
            "dpmpp_2m": sample_dpmpp_2m}
FLOW_SAMPLERS = {"flow_euler": sample_flow_euler, "flow_heun": sample_flow_heun}
