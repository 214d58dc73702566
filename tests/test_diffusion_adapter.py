"""Any diffusers scheduler can drive a toolkit denoiser (`sample_with_diffusers_scheduler`).

Driven by the ideal denoiser of Gaussian data: where we have the same sampler, the adapter must give our
sampler's result (diffusers left as it is, float32 tables and all); for schedulers we do not have, the
samples must have the data's mean and standard deviation.
"""
import pytest
import torch
from diffusers import (DDIMScheduler, DDPMScheduler, DEISMultistepScheduler, DPMSolverMultistepScheduler,
                       DPMSolverSinglestepScheduler, EDMEulerScheduler, EulerAncestralDiscreteScheduler,
                       EulerDiscreteScheduler, FlowMatchEulerDiscreteScheduler, FlowMatchHeunDiscreteScheduler,
                       KDPM2DiscreteScheduler, LMSDiscreteScheduler, PNDMScheduler, UniPCMultistepScheduler)

from toolkit.diffusion import (DiscreteSchedule, GaussianData, sample_ddim, sample_ddpm, sample_dpmpp_2m, sample_euler,
                               sample_flow_euler, sample_with_diffusers_scheduler, vp_to_sigma_space)

SHAPE = (2, 2, 2, 2)                                     # (C, T, H, W)
DATA = GaussianData(mean=torch.linspace(-1, 1, 16, dtype=torch.float64).reshape(SHAPE),
                    std=torch.linspace(1.2, 0.4, 16, dtype=torch.float64).reshape(SHAPE))
LINEAR = dict(beta_schedule="linear", beta_start=1e-4, beta_end=0.02)   # some schedulers default to other betas


def _noise(n, dtype=torch.float64):
    z = torch.randn(n, *SHAPE, generator=torch.Generator().manual_seed(0), dtype=dtype)
    return (z - z.mean(0)) / z.std(0)


@pytest.mark.parametrize("prediction_type", ["epsilon", "v_prediction", "sample"])
def test_adapter_reproduces_our_samplers(prediction_type):
    """The adapter answers in whatever parameterisation the scheduler asks for; the result must not depend on it."""
    z, steps = _noise(64), 20
    cases = [  # (scheduler, our sampler, extra arguments)
        (DDIMScheduler(clip_sample=False, timestep_spacing="trailing", prediction_type=prediction_type),
         sample_ddim, dict(eta=0.0)),
        (DDIMScheduler(clip_sample=False, timestep_spacing="trailing", prediction_type=prediction_type),
         sample_ddim, dict(eta=1.0)),
        (DDPMScheduler(clip_sample=False, timestep_spacing="leading", prediction_type=prediction_type),
         sample_ddpm, {}),
        (DPMSolverMultistepScheduler(prediction_type=prediction_type), sample_dpmpp_2m, {}),
    ]
    for scheduler, sampler, extra in cases:
        scheduler.set_timesteps(steps)
        if isinstance(scheduler, DPMSolverMultistepScheduler):
            sigmas = scheduler.sigmas.double()                  # its own (float32) σ grid
        else:
            sigmas = DiscreteSchedule.from_alphas_cumprod(scheduler.alphas_cumprod).sigmas_at(scheduler.timesteps)
        step_kwargs = {"eta": extra["eta"]} if "eta" in extra else None
        theirs = sample_with_diffusers_scheduler(DATA.denoise, scheduler, z, steps, step_kwargs=step_kwargs,
                                                 generator=torch.Generator().manual_seed(1))
        x = vp_to_sigma_space(z, sigmas[0])                    # x_T = z in σ-space
        ours = sampler(DATA.denoise, x, sigmas, generator=torch.Generator().manual_seed(1), **extra)
        assert (theirs - ours).abs().max() < 1e-5, type(scheduler).__name__

    scheduler = EulerDiscreteScheduler(timestep_spacing="trailing", prediction_type=prediction_type)
    theirs = sample_with_diffusers_scheduler(DATA.denoise, scheduler, z.float(), steps)
    ours = sample_euler(DATA.denoise, z.float() * scheduler.init_noise_sigma, scheduler.sigmas.double())
    assert (theirs - ours).abs().max() < 1e-5


def test_adapter_with_a_flow_matching_scheduler():
    z = _noise(64, torch.float32)
    scheduler = FlowMatchEulerDiscreteScheduler(shift=3.0)
    theirs, traj = sample_with_diffusers_scheduler(DATA.denoise_flow, scheduler, z, 12, return_trajectory=True)
    ours = sample_flow_euler(DATA.denoise_flow, z, scheduler.sigmas.double())
    assert (theirs - ours).abs().max() < 1e-5
    assert traj.x.shape == (13, 64, *SHAPE) and traj.denoised.shape == (12, 64, *SHAPE)
    assert torch.equal(traj.x[-1], theirs)


SCHEDULERS = [(UniPCMultistepScheduler(**LINEAR), 25), (DEISMultistepScheduler(**LINEAR), 50),
              (DPMSolverSinglestepScheduler(**LINEAR), 100), (PNDMScheduler(**LINEAR), 50),
              (LMSDiscreteScheduler(**LINEAR), 50), (KDPM2DiscreteScheduler(**LINEAR), 50),
              (EulerAncestralDiscreteScheduler(**LINEAR), 250),
              (DPMSolverMultistepScheduler(**LINEAR, algorithm_type="sde-dpmsolver++"), 100),
              (FlowMatchHeunDiscreteScheduler(), 25)]


@pytest.mark.parametrize("scheduler,steps", SCHEDULERS, ids=[type(s).__name__ for s, _ in SCHEDULERS])
def test_any_scheduler_reproduces_gaussian_data(scheduler, steps):
    flow = "FlowMatch" in type(scheduler).__name__
    x = sample_with_diffusers_scheduler(DATA.denoise_flow if flow else DATA.denoise, scheduler, _noise(8192), steps,
                                        generator=torch.Generator().manual_seed(1))
    mean_err = ((x.mean(0) - DATA.mean) / DATA.std).abs().max()
    std_err = (x.std(0) / DATA.std - 1).abs().max()
    assert mean_err < 0.05 and std_err < 0.05, (mean_err, std_err)


def test_adapter_callback_and_errors():
    seen = []
    sample_with_diffusers_scheduler(DATA.denoise, DDIMScheduler(), _noise(8), 5, callback=seen.append)
    assert [s["i"] for s in seen] == list(range(5)) and seen[0]["timestep"] > seen[-1]["timestep"]
    assert seen[-1]["denoised"].shape == (8, *SHAPE)
    with pytest.raises(ValueError, match="num_inference_steps must be an integer >= 1"):
        sample_with_diffusers_scheduler(DATA.denoise, DDIMScheduler(), _noise(8), 0)
    with pytest.raises(ValueError, match="EDM-style"):
        sample_with_diffusers_scheduler(DATA.denoise, EDMEulerScheduler(), _noise(8), 5)
    with pytest.raises(ValueError, match="unsupported prediction_type 'flow_prediction'"):
        sample_with_diffusers_scheduler(DATA.denoise, DPMSolverMultistepScheduler(prediction_type="flow_prediction",
                                                                                  use_flow_sigmas=True), _noise(8), 5)
