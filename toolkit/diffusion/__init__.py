"""Diffusion and flow matching from scratch: schedules, forward process, parameterisations, losses, samplers.

Notation (one legend for the whole package)
    x₀            data, (B, C, H, W) images or (B, C, T, H, W) clips: every function is rank-generic
    ε             standard Gaussian noise, shaped like x₀
    x_t           x_t = α_t·x₀ + σ_t·ε, the forward process q(x_t | x₀)   (`forward.q_sample`)
    DDPM          α_t = √ᾱ_t, σ_t = √(1 − ᾱ_t), t = 0..T-1               (`DiscreteSchedule`)
    flow          α_t = 1 − t, σ_t = t, t ∈ [0, 1]                         (`FlowSchedule`)
    σ             the samplers' noise level σ = σ_t/α_t (EDM); σ-space x = x_t/α_t = x₀ + σ·ε
    D(x, σ)       a denoiser, returning x̂₀ ≈ E[x₀ | x]: the only thing a sampler calls

How a trained network becomes a sampler's denoiser
    ε-network on a linear DDPM schedule:  D = SigmaDenoiser(net, ddpm_schedule("linear"), "epsilon")
                                          x = sample_dpmpp_2m(D, sigmas[0] * noise, sigmas)
                                          with sigmas = ddpm_sigmas(schedule, 20) or karras_sigmas(...)
    velocity network (flow matching):     D = FlowDenoiser(net, "velocity")
                                          x = sample_flow_euler(D, noise, flow_times(20))
                                          or, in σ-space, SigmaDenoiser(net, FlowSchedule(), "velocity")

Papers: DDPM (Ho et al. 2020), improved DDPM (Nichol & Dhariwal 2021), DDIM (Song et al. 2021),
v-prediction (Salimans & Ho 2022), EDM (Karras et al. 2022), DPM-Solver++ (Lu et al. 2022),
rectified flow (Liu et al. 2022), flow matching (Lipman et al. 2023), min-SNR (Hang et al. 2023).
"""
from .analytic import GaussianData
from .denoisers import FlowDenoiser, SigmaDenoiser, clip_denoised, flow_to_sigma, sigma_to_flow
from .diffusers_adapter import sample_with_diffusers_scheduler
from .forward import q_sample, snr
from .inpainting import keep_known
from .losses import diffusion_loss, epsilon_loss, min_snr_weight, v_loss, velocity_loss, x0_loss
from .parameterizations import (PREDICTIONS, convert, predict_x0, prediction_target, sigma_space_to_vp,
                                vp_to_sigma_space)
from .samplers import (FLOW_SAMPLERS, SAMPLERS, sample_ddim, sample_ddpm, sample_dpmpp_2m, sample_euler,
                       sample_flow_euler, sample_flow_heun, sample_heun)
from .schedules import (BETA_SCHEDULES, DiscreteSchedule, FlowSchedule, cosine_betas, ddpm_schedule,
                        ddpm_sigmas, flow_times, flow_times_from_sigmas, karras_sigmas, linear_betas,
                        scaled_linear_betas, sigmas_from_flow_times)
from .trajectory import Trajectory
from .utils import append_dims

__all__ = [
    "GaussianData", "FlowDenoiser", "SigmaDenoiser", "clip_denoised", "flow_to_sigma", "sigma_to_flow",
    "sample_with_diffusers_scheduler", "q_sample", "snr", "keep_known",
    "diffusion_loss", "epsilon_loss", "min_snr_weight", "v_loss", "velocity_loss", "x0_loss",
    "PREDICTIONS", "convert", "predict_x0", "prediction_target", "sigma_space_to_vp", "vp_to_sigma_space",
    "FLOW_SAMPLERS", "SAMPLERS", "sample_ddim", "sample_ddpm", "sample_dpmpp_2m", "sample_euler",
    "sample_flow_euler", "sample_flow_heun", "sample_heun",
    "BETA_SCHEDULES", "DiscreteSchedule", "FlowSchedule", "cosine_betas", "ddpm_schedule", "ddpm_sigmas",
    "flow_times", "flow_times_from_sigmas", "karras_sigmas", "linear_betas", "scaled_linear_betas",
    "sigmas_from_flow_times", "Trajectory", "append_dims",
]
