"""Schedules, sampling grids, the forward process and the parameterisation conversions (no diffusers here)."""
import math

import pytest
import torch

from toolkit.diffusion import (PREDICTIONS, DiscreteSchedule, FlowSchedule, append_dims, convert, cosine_betas,
                               ddpm_schedule, ddpm_sigmas, flow_times, flow_times_from_sigmas, karras_sigmas,
                               predict_x0, prediction_target, q_sample, sigma_space_to_vp, sigmas_from_flow_times,
                               snr, vp_to_sigma_space)


def test_linear_schedule_matches_ho_et_al():
    s = ddpm_schedule("linear")
    assert s.num_steps == 1000
    assert s.betas[0] == pytest.approx(1e-4) and s.betas[-1] == pytest.approx(0.02)
    # ᾱ_T is tiny (≈ 4e-5): the last step is almost pure noise, σ_max ≈ 157.
    assert 3e-5 < s.alphas_cumprod[-1] < 5e-5 and 150 < s.sigma_max < 165


def test_cosine_schedule_follows_its_closed_form():
    """ᾱ_t = f(t+1)/f(0) with f(τ) = cos²((τ/T + s)/(1 + s)·π/2), Nichol & Dhariwal eq. 17, until β is clipped."""
    T, s = 1000, 0.008
    f = lambda tau: math.cos((tau / T + s) / (1 + s) * math.pi / 2) ** 2
    expected = torch.tensor([f(t + 1) / f(0) for t in range(T)], dtype=torch.float64)
    ours = ddpm_schedule("cosine", T).alphas_cumprod
    unclipped = cosine_betas(T) < 0.999
    assert unclipped[:-1].all() and not unclipped[-1]           # only the very last beta is clipped
    torch.testing.assert_close(ours[:-1], expected[:-1], rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name", ["linear", "cosine", "scaled_linear"])
def test_sigmas_increase_and_sigma_t_round_trips(name):
    s = ddpm_schedule(name, 200)
    assert (s.sigmas[1:] > s.sigmas[:-1]).all()
    t = torch.tensor([0.0, 0.25, 17.5, 100.0, 198.9, 199.0], dtype=torch.float64)
    torch.testing.assert_close(s.sigma_to_t(s.t_to_sigma(t)), t, rtol=0, atol=1e-9)
    k = torch.arange(200)
    assert torch.equal(s.sigma_to_t(s.sigmas), k.double())       # on the grid: exact step indices
    alpha, sigma = s.coefficients(k)
    torch.testing.assert_close(alpha ** 2, s.alphas_cumprod)
    torch.testing.assert_close(alpha ** 2 + sigma ** 2, torch.ones(200, dtype=torch.float64))


def test_timesteps_and_grids():
    s = ddpm_schedule("linear")
    assert s.timesteps(10, "leading").tolist() == list(range(900, -1, -100))
    assert s.timesteps(10, "trailing").tolist() == list(range(999, 0, -100))
    assert s.timesteps(4, "linspace").tolist() == [999, 666, 333, 0]
    grid = ddpm_sigmas(s, 10)
    assert grid.shape == (11,) and grid[-1] == 0 and grid[0] == s.sigmas[999]
    k = karras_sigmas(5, 0.002, 80.0)
    assert k.shape == (6,) and k[0] == pytest.approx(80.0) and k[4] == pytest.approx(0.002) and k[5] == 0
    assert (k[1:] < k[:-1]).all()
    assert karras_sigmas(1, 0.002, 80.0).tolist() == pytest.approx([80.0, 0.0])


def test_flow_grid_and_shift():
    assert flow_times(4).tolist() == pytest.approx([1.0, 0.75, 0.5, 0.25, 0.0])
    shifted = flow_times(4, shift=3.0)
    assert shifted[0] == 1 and shifted[-1] == 0
    assert shifted[2] == pytest.approx(3 * 0.5 / (1 + 2 * 0.5))  # more time at high noise
    t = torch.tensor([0.0, 0.3, 0.9])
    torch.testing.assert_close(flow_times_from_sigmas(sigmas_from_flow_times(t)), t.double())
    assert flow_times_from_sigmas(torch.tensor(float("inf"))) == 1


@pytest.mark.parametrize("schedule", [ddpm_schedule("cosine", 100), FlowSchedule(), FlowSchedule(shift=3.0)])
def test_q_sample_moments_and_sigma_to_t(schedule):
    """x_t = α·x₀ + σ·ε has mean α·x₀ and std σ, on images and on videos alike."""
    g = torch.Generator().manual_seed(0)
    for shape in [(20000, 1, 2, 2), (20000, 1, 2, 2, 1)]:
        x0 = torch.full(shape, 0.7)
        t = schedule.sample_t(1, g).item()
        x_t = q_sample(x0, t, schedule, generator=g)
        alpha, sigma = (float(c) for c in schedule.coefficients(torch.tensor(t)))
        assert x_t.mean().item() == pytest.approx(0.7 * alpha, abs=4 * sigma / 280)
        assert x_t.std().item() == pytest.approx(sigma, rel=0.02)
    # sigma_to_t inverts the noise-to-signal ratio σ_t/α_t
    t_max = schedule.num_steps - 1 if isinstance(schedule, DiscreteSchedule) else 1.0
    t = torch.tensor([0.2, 0.5, 0.8]) * t_max
    alpha, sigma = schedule.coefficients(t)
    torch.testing.assert_close(schedule.sigma_to_t(sigma / alpha), t.double(), rtol=1e-6, atol=1e-6)
    torch.testing.assert_close(snr(schedule, t), (alpha / sigma) ** 2)


def test_flow_q_sample_end_points():
    x0, noise = torch.randn(3, 2, 4, 4), torch.randn(3, 2, 4, 4)
    fs = FlowSchedule()
    assert torch.equal(q_sample(x0, 0.0, fs, noise), x0)
    assert torch.equal(q_sample(x0, 1.0, fs, noise), noise)
    t = torch.tensor([0.1, 0.5, 0.9])
    t4 = t[:, None, None, None]
    torch.testing.assert_close(q_sample(x0, t, fs, noise), (1 - t4) * x0 + t4 * noise)


@pytest.mark.parametrize("alpha,sigma", [(0.8, 0.6), (0.3, 0.7), (torch.tensor([0.9, 0.5]), torch.tensor([0.3, 0.5]))])
def test_every_parameterisation_round_trips(alpha, sigma):
    """From (x₀, ε) to each target and back: x₀ and every other target are recovered."""
    g = torch.Generator().manual_seed(1)
    x0, eps = torch.randn(2, 3, 2, 4, 4, generator=g, dtype=torch.float64), torch.randn(2, 3, 2, 4, 4, generator=g,
                                                                                         dtype=torch.float64)
    a = append_dims(torch.as_tensor(alpha, dtype=torch.float64).expand(2), 5)
    s = append_dims(torch.as_tensor(sigma, dtype=torch.float64).expand(2), 5)
    x_t = a * x0 + s * eps
    for kind in PREDICTIONS:
        target = prediction_target(x0, eps, kind, alpha, sigma)
        torch.testing.assert_close(predict_x0(target, kind, x_t, alpha, sigma), x0)
        for other in PREDICTIONS:
            torch.testing.assert_close(convert(target, kind, other, x_t, alpha, sigma),
                                       prediction_target(x0, eps, other, alpha, sigma))
    # the flow velocity is the time derivative of the straight path: (x_{t+h} − x_t)/h = ε − x₀
    t, h = 0.4, 1e-3
    fs = FlowSchedule()
    finite_diff = (q_sample(x0, t + h, fs, eps) - q_sample(x0, t, fs, eps)) / h
    torch.testing.assert_close(finite_diff, prediction_target(x0, eps, "velocity", 1 - t, t))
    # DDPM's v: α² + σ² = 1 gives x₀ = α·x_t − σ·v (Salimans & Ho)
    v = prediction_target(x0, eps, "v", 0.8, 0.6)
    x_t = 0.8 * x0 + 0.6 * eps
    torch.testing.assert_close(predict_x0(v, "v", x_t, 0.8, 0.6), 0.8 * x_t - 0.6 * v)


def test_sigma_space_scaling():
    s = ddpm_schedule("linear")
    x0, eps = torch.randn(4, 3, 8, 8, dtype=torch.float64), torch.randn(4, 3, 8, 8, dtype=torch.float64)
    t = torch.tensor([0, 10, 500, 999])
    x_t = q_sample(x0, t, s, eps)
    sigma = s.sigmas[t]
    torch.testing.assert_close(vp_to_sigma_space(x_t, sigma), x0 + append_dims(sigma, 4) * eps)
    torch.testing.assert_close(sigma_space_to_vp(vp_to_sigma_space(x_t, sigma), sigma), x_t)


def test_bad_input_gets_clear_errors():
    with pytest.raises(ValueError, match="'linear', 'cosine', 'scaled_linear'"):
        ddpm_schedule("quadratic")
    with pytest.raises(ValueError, match="between 1 and T=1000"):
        ddpm_schedule().timesteps(0)
    with pytest.raises(ValueError, match="between 1 and T=1000"):
        ddpm_schedule().timesteps(1001)
    with pytest.raises(ValueError, match="spacing"):
        ddpm_schedule().timesteps(10, "even")
    with pytest.raises(ValueError, match="steps must be an integer >= 1"):
        karras_sigmas(0, 0.002, 80.0)
    with pytest.raises(ValueError, match="sigma_min < sigma_max"):
        karras_sigmas(10, 80.0, 0.002)
    with pytest.raises(ValueError, match="steps must be an integer >= 1"):
        flow_times(0)
    with pytest.raises(ValueError, match="in \\(0, 1\\)"):
        DiscreteSchedule(torch.tensor([0.1, 1.5]))
    with pytest.raises(ValueError, match="shift must be positive"):
        FlowSchedule(shift=0.0)
    with pytest.raises(ValueError, match="'epsilon', 'x0', 'v', 'velocity'"):
        predict_x0(torch.zeros(2, 3), "noise", torch.zeros(2, 3), 1.0, 0.5)
    with pytest.raises(ValueError, match="shape"):
        predict_x0(torch.zeros(2, 3), "epsilon", torch.zeros(2, 4), 1.0, 0.5)
    with pytest.raises(ValueError, match="noise has shape"):
        q_sample(torch.zeros(2, 3, 4, 4), 5, ddpm_schedule(), noise=torch.zeros(2, 3, 4))
    with pytest.raises(ValueError, match="got shape \\(3,\\)"):
        q_sample(torch.zeros(2, 3, 4, 4), torch.tensor([1, 2, 3]), ddpm_schedule())
    with pytest.raises(ValueError, match="infinite noise"):
        sigmas_from_flow_times(torch.tensor([1.0, 0.5]))
    with pytest.raises(ValueError, match="already has 3"):
        append_dims(torch.zeros(1, 2, 3), 2)
