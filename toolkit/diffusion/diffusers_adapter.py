"""Let any diffusers scheduler drive a toolkit denoiser.

diffusers' schedulers expect a network that, given the scheduler's model input and timestep, returns
the scheduler's `prediction_type`. This adapter plays that network using a toolkit denoiser:

* DDPM-family schedulers (anything with `alphas_cumprod`: DDPM, DDIM, PNDM, DPM-Solver, UniPC, Euler,
  Heun, LMS, ...): the model input is x_t = √ᾱ_t·x₀ + √(1 − ᾱ_t)·ε at timestep t (after the scheduler's
  own `scale_model_input`). With σ = √((1 − ᾱ_t)/ᾱ_t) (interpolated in log σ for fractional t), the adapter
  calls the σ-space denoiser D(x_t·√(1 + σ²), σ) and answers with ε̂, v̂ or x̂₀ as the scheduler asks.
* Flow-matching schedulers (FlowMatchEuler, FlowMatchHeun, ...): the input is already in flow
  space at t = timestep / num_train_timesteps; the adapter calls a flow-space denoiser D(x, t) and
  answers with the velocity û = (x − D)/t.

So pass a σ-space denoiser (`SigmaDenoiser`, `GaussianData.denoise`) to DDPM-family schedulers and a
flow-space one (`FlowDenoiser`, `GaussianData.denoise_flow`) to flow schedulers; `flow_to_sigma` and
`sigma_to_flow` convert between them. EDM-style schedulers (EDMEuler, EDMDPMSolver), which wrap the network
in their own preconditioning, are refused with a clear error.
"""
import inspect

import torch
from tqdm.auto import tqdm

from .parameterizations import prediction_target
from .schedules import DiscreteSchedule
from .trajectory import Trajectory
from .utils import append_dims, as_batch

_PREDICTION_TYPES = {"epsilon": "epsilon", "v_prediction": "v", "sample": "x0"}


def _model_output(denoiser, scheduler, schedule, x_in: torch.Tensor, timestep, cond: dict):
    """(what the scheduler expects from its network, x̂₀) at model input x_in and `timestep`."""
    if schedule is None:                                          # flow matching
        t = as_batch(float(timestep) / scheduler.config.num_train_timesteps, x_in)   # (B,)
        denoised = denoiser(x_in, t, **cond)
        return (x_in - denoised) / append_dims(t, x_in.ndim), denoised
    kind = _PREDICTION_TYPES.get(scheduler.config.prediction_type)
    if kind is None:
        raise ValueError(f"unsupported prediction_type {scheduler.config.prediction_type!r}; "
                         f"supported: {', '.join(_PREDICTION_TYPES)}")
    sigma = as_batch(schedule.t_to_sigma(torch.as_tensor(float(timestep))), x_in)   # (B,) σ = σ_t/α_t
    alpha = (1 + sigma ** 2).rsqrt()                                                 # (B,) √ᾱ_t
    x = x_in / append_dims(alpha, x_in.ndim)                                         # σ-space x = x_t/√ᾱ_t
    denoised = denoiser(x, sigma, **cond)
    eps = (x - denoised) / append_dims(sigma, x.ndim)
    return prediction_target(denoised, eps, kind, alpha, sigma * alpha), denoised


def sample_with_diffusers_scheduler(denoiser, scheduler, noise: torch.Tensor, num_inference_steps: int, *,
                                    generator: torch.Generator | None = None, cond: dict | None = None,
                                    step_kwargs: dict | None = None, callback=None, return_trajectory=False,
                                    progress=False):
    """Sample with a diffusers scheduler, the toolkit denoiser standing in for the network.

    noise (B, ...) standard normal; it is scaled by the scheduler's `init_noise_sigma`. generator is
    passed to `scheduler.step` when the step accepts one (DDPM, DDIM with eta > 0, ancestral samplers);
    step_kwargs are passed too (e.g. {"eta": 1.0} for DDIM). Returns the final sample, or with
    return_trajectory (sample, Trajectory) where `sigmas` holds the scheduler's timesteps and `x` the
    scheduler's own states (its coordinates, not σ-space). callback gets {i, timestep, x, denoised}.
    """
    if not isinstance(num_inference_steps, int) or num_inference_steps < 1:
        raise ValueError(f"num_inference_steps must be an integer >= 1, got {num_inference_steps!r}")
    flow = not hasattr(scheduler, "alphas_cumprod")
    if flow and "FlowMatch" not in type(scheduler).__name__:
        raise ValueError(f"{type(scheduler).__name__} is neither a DDPM-family scheduler (with alphas_cumprod) nor "
                         "a FlowMatch scheduler; EDM-style schedulers precondition the network themselves and "
                         "are not supported")
    scheduler.set_timesteps(num_inference_steps, device=noise.device)
    schedule = None if flow else DiscreteSchedule.from_alphas_cumprod(scheduler.alphas_cumprod.cpu())
    kwargs = dict(step_kwargs or {})
    if generator is not None and "generator" in inspect.signature(scheduler.step).parameters:
        kwargs["generator"] = generator
    scale_input = getattr(scheduler, "scale_model_input", lambda sample, timestep: sample)

    x = noise * getattr(scheduler, "init_noise_sigma", 1.0)
    xs, denoised_all = [], []
    for i, timestep in enumerate(tqdm(scheduler.timesteps, desc="diffusers", disable=not progress, leave=False)):
        x_in = scale_input(x, timestep)
        out, denoised = _model_output(denoiser, scheduler, schedule, x_in, timestep, dict(cond or {}))
        if callback is not None:
            callback({"i": i, "timestep": float(timestep), "x": x, "denoised": denoised})
        if return_trajectory:
            xs.append(x)
            denoised_all.append(denoised)
        x = scheduler.step(out, timestep, x, **kwargs).prev_sample
    if not return_trajectory:
        return x
    timesteps = scheduler.timesteps.detach().cpu().double()
    return x, Trajectory(timesteps, torch.stack(xs + [x]), torch.stack(denoised_all))
