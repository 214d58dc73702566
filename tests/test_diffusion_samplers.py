"""Every sampler, driven by the ideal denoiser of Gaussian data, must reproduce the data (no training needed).

The starting noise is standardised per dimension, so a deterministic sampler's error is its own
discretisation error, not Monte Carlo error. What remains: σ-space samplers start at a finite σ_max
rather than at infinite noise, which biases the mean by about μ·s/σ_max (≤ 0.0125 s here).
"""
import math

import pytest
import torch

from toolkit.diffusion import (GaussianData, Trajectory, ddpm_schedule, ddpm_sigmas, flow_times, flow_to_sigma,
                               karras_sigmas, sample_ddim, sample_ddpm, sample_dpmpp_2m, sample_euler,
                               sample_flow_euler, sample_flow_heun, sample_heun, sigma_to_flow)

SHAPE = (2, 2, 2, 2)                                   # (C, T, H, W): batches are 5-D video clips
DATA = GaussianData(mean=torch.linspace(-1, 1, 16).reshape(SHAPE), std=torch.linspace(1.2, 0.4, 16).reshape(SHAPE))
N = 8192
SIGMA_MAX = 80.0


def _noise(n=N, shape=SHAPE, seed=0):
    z = torch.randn(n, *shape, generator=torch.Generator().manual_seed(seed))
    return (z - z.mean(0)) / z.std(0)                   # exactly zero mean, unit std per dimension


Z = _noise()


def errors(x, data=DATA):
    """(max |mean − μ|/s, max |std/s − 1|) over dimensions."""
    mean_err = ((x.mean(0) - data.mean) / data.std).abs().max().item()
    std_err = (x.std(0) / data.std - 1).abs().max().item()
    return mean_err, std_err


def run(name, steps, x=Z, denoise=DATA.denoise, denoise_flow=DATA.denoise_flow, seed=1):
    g = torch.Generator().manual_seed(seed)
    if name in ("ddpm", "ddim", "ddim-eta1"):
        sigmas = ddpm_sigmas(ddpm_schedule("linear"), steps)
        sampler = {"ddpm": sample_ddpm, "ddim": sample_ddim,
                   "ddim-eta1": lambda *a, **k: sample_ddim(*a, eta=1.0, **k)}[name]
        return sampler(denoise, x * sigmas[0], sigmas, generator=g)
    if name in ("euler", "heun", "dpmpp_2m"):
        sampler = {"euler": sample_euler, "heun": sample_heun, "dpmpp_2m": sample_dpmpp_2m}[name]
        return sampler(denoise, x * SIGMA_MAX, karras_sigmas(steps, 0.002, SIGMA_MAX), generator=g)
    sampler = {"flow_euler": sample_flow_euler, "flow_heun": sample_flow_heun}[name]
    return sampler(denoise_flow, x, flow_times(steps), generator=g)


# sampler, step counts, tolerance on the mean and std errors at the most steps (in units of s)
CASES = [("ddpm", (10, 100, 1000), 0.04), ("ddim-eta1", (10, 100, 1000), 0.04), ("ddim", (10, 100, 1000), 0.02),
         ("euler", (10, 40, 160), 0.03), ("heun", (10, 20, 40), 0.03), ("dpmpp_2m", (10, 20, 40), 0.03),
         ("flow_euler", (10, 40, 160), 0.03), ("flow_heun", (5, 10, 20), 0.03)]


@pytest.mark.parametrize("name,steps,tol", CASES, ids=[c[0] for c in CASES])
def test_every_sampler_reproduces_gaussian_data_and_more_steps_do_not_hurt(name, steps, tol):
    results = [errors(run(name, n)) for n in steps]
    mean_err, std_err = results[-1]
    assert mean_err < tol and std_err < tol, f"{name} at {steps[-1]} steps: {results}"
    # The distance between N(m̂, ŝ²) and N(μ, s²) must not grow with the number of steps. Stochastic
    # samplers get a little slack for their fresh noise.
    slack = 0.01 if name in ("ddpm", "ddim-eta1") else 1e-4
    distance = [math.hypot(*r) for r in results]
    assert all(b <= a + slack for a, b in zip(distance, distance[1:])), f"{name}: {results}"
    assert distance[0] > distance[-1]                   # and the fewest steps are visibly worse


@pytest.mark.parametrize("name,order", [("euler", 1), ("heun", 2), ("dpmpp_2m", 2), ("flow_euler", 1),
                                        ("flow_heun", 2)])
def test_ode_samplers_converge_at_their_order(name, order):
    """Against the exact ODE solution: doubling the steps divides the error by about 2^order."""
    z = Z[:512]
    exact = DATA.flow_ode_solution(z, 1.0, 0.0) if name.startswith("flow") else DATA.ode_solution(z * SIGMA_MAX,
                                                                                                   SIGMA_MAX, 0.0)
    err = [(run(name, n, x=z) - exact).abs().max().item() for n in (10, 20, 40)]
    ratios = [a / b for a, b in zip(err, err[1:])]
    assert all(2 ** order * 0.8 < r < 2 ** order * 1.5 for r in ratios), f"{name}: errors {err}, ratios {ratios}"


def test_equivalences_between_samplers():
    z = Z[:256].double()
    sigmas = ddpm_sigmas(ddpm_schedule("linear"), 20)
    # DDIM with η = 1 is DDPM ancestral sampling, noise draw for noise draw (Song et al. 2021, Sec. 4.1)
    g1, g2 = torch.Generator().manual_seed(3), torch.Generator().manual_seed(3)
    torch.testing.assert_close(sample_ddim(DATA.denoise, z * sigmas[0], sigmas, eta=1.0, generator=g1),
                               sample_ddpm(DATA.denoise, z * sigmas[0], sigmas, generator=g2))
    # DDIM with η = 0 is Euler's method in σ-space (Karras et al. 2022, Sec. 3)
    torch.testing.assert_close(sample_ddim(DATA.denoise, z * sigmas[0], sigmas),
                               sample_euler(DATA.denoise, z * sigmas[0], sigmas))
    # the flow samplers are Euler and Heun again, in flow coordinates
    times = flow_times(12, shift=2.0)
    D = DATA.denoise_flow
    torch.testing.assert_close(sample_flow_euler(D, z, times), sample_euler(D, z, times))
    torch.testing.assert_close(sample_flow_heun(D, z, times), sample_heun(D, z, times))
    # a deterministic sampler ignores the generator; a stochastic one follows it
    k = karras_sigmas(8, 0.01, 50.0)
    assert torch.equal(sample_dpmpp_2m(DATA.denoise, z * 50, k), sample_dpmpp_2m(DATA.denoise, z * 50, k,
                                                                                 generator=torch.Generator()))
    a, b = (sample_ddpm(DATA.denoise, z * sigmas[0], sigmas, generator=torch.Generator().manual_seed(seed))
            for seed in (0, 1))
    assert not torch.equal(a, b)


def test_coordinate_changes_let_either_family_drive_the_other():
    # DPM-Solver++ (σ-space) driving a flow-space denoiser, and flow Heun driving a σ-space one
    x = sample_dpmpp_2m(flow_to_sigma(DATA.denoise_flow), Z * SIGMA_MAX, karras_sigmas(40, 0.002, SIGMA_MAX))
    assert max(errors(x)) < 0.03
    t0 = SIGMA_MAX / (1 + SIGMA_MAX)
    times = torch.linspace(t0, 0, 41)
    x = sample_flow_heun(sigma_to_flow(DATA.denoise), Z * math.hypot(1 - t0, t0), times)
    assert max(errors(x)) < 0.03


def test_samplers_are_rank_generic():
    """The same numbers, whether the 16 dimensions are a (C, T, H, W) clip or a (C, H, W) image."""
    image = GaussianData(DATA.mean.reshape(4, 2, 2), DATA.std.reshape(4, 2, 2))
    z = Z[:64]
    for name in ("ddpm", "dpmpp_2m", "flow_heun"):
        video = run(name, 10, x=z)
        flat = run(name, 10, x=z.reshape(64, 4, 2, 2), denoise=image.denoise, denoise_flow=image.denoise_flow)
        torch.testing.assert_close(flat.reshape(video.shape), video)


@pytest.mark.parametrize("sampler", [sample_ddpm, sample_ddim, sample_euler, sample_heun, sample_dpmpp_2m,
                                     sample_flow_euler, sample_flow_heun])
def test_trajectory_callback_and_progress(sampler):
    z, seen = Z[:8], []
    grid = flow_times(6) if "flow" in sampler.__name__ else karras_sigmas(6, 0.01, 10.0)
    denoise = DATA.denoise_flow if "flow" in sampler.__name__ else DATA.denoise
    x0 = z * grid[0]
    x, traj = sampler(denoise, x0, grid, generator=torch.Generator().manual_seed(0), callback=seen.append,
                      return_trajectory=True, progress=True)
    assert isinstance(traj, Trajectory)
    assert traj.x.shape == (7, 8, *SHAPE) and traj.denoised.shape == (6, 8, *SHAPE)
    assert torch.equal(traj.x[0], x0) and torch.equal(traj.x[-1], x) and torch.equal(traj.sigmas, grid)
    assert [s["i"] for s in seen] == list(range(6))     # once per step, Heun's second call included
    assert [s["sigma"] for s in seen] == grid[:-1].tolist()
    assert all(torch.equal(s["denoised"], d) for s, d in zip(seen, traj.denoised))
    again = sampler(denoise, x0, grid, generator=torch.Generator().manual_seed(0))
    assert torch.equal(again, x)


def test_sampler_errors():
    x = torch.zeros(4, 2, 3, 3)
    with pytest.raises(ValueError, match="strictly decreasing"):
        sample_euler(DATA.denoise, x, torch.tensor([1.0, 2.0, 0.0]))
    with pytest.raises(ValueError, match="at least 2 values"):
        sample_euler(DATA.denoise, x, torch.tensor([1.0]))
    with pytest.raises(ValueError, match="non-negative"):
        sample_dpmpp_2m(DATA.denoise, x, torch.tensor([1.0, -0.5]))
    with pytest.raises(ValueError, match="flow times must lie in \\[0, 1\\]"):
        sample_flow_euler(DATA.denoise_flow, x, torch.tensor([2.0, 1.0, 0.0]))
    with pytest.raises(ValueError, match="returned \\(4, 2, 3\\) for an input of shape \\(4, 2, 3, 3\\)"):
        sample_heun(lambda x, s: x[..., 0], x, torch.tensor([1.0, 0.0]))
    with pytest.raises(ValueError, match="eta must be >= 0"):
        sample_ddim(DATA.denoise, x, torch.tensor([1.0, 0.0]), eta=-1.0)
    with pytest.raises(ValueError, match="batch tensor"):
        sample_ddpm(DATA.denoise, torch.zeros(4), torch.tensor([1.0, 0.0]))
