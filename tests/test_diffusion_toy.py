"""The 2-D Gaussian-mixture toy: its ideal denoiser, its three views of one ODE, and Euler in each view."""
import pytest
import torch

from toolkit.diffusion import (GaussianData, flow_times, karras_sigmas, sample_euler, sample_flow_euler,
                               sample_heun, sigma_space_to_vp, sigmas_from_flow_times)
from toolkit.diffusion.toy import (GaussianMixture, bend, flow_coordinates, sample_vp_euler, straightness,
                                   vp_coordinates)

RING = GaussianMixture.ring()
Z = torch.randn(2000, 2, generator=torch.Generator().manual_seed(0))
SIGMA_MAX = 200.0


def exact_paths(mix=RING, z=Z, steps=200):
    """The probability-flow ODE solved finely with Heun: (final x, trajectory in σ-space)."""
    sigmas = karras_sigmas(steps, 0.002, SIGMA_MAX)
    return sample_heun(mix.denoise, z * SIGMA_MAX, sigmas, return_trajectory=True)


def test_denoiser_limits():
    x = torch.randn(16, 2, generator=torch.Generator().manual_seed(1)) * 3
    assert torch.allclose(RING.denoise(x, 1e-6), x, atol=1e-5)                 # no noise: x is the data
    far = RING.denoise(x * 1e5, 1e5)                                             # all noise: the data mean
    assert torch.allclose(far, RING.mean.float().expand_as(far), atol=1e-3)
    assert torch.allclose(RING.denoise_flow(x, 1.0), RING.mean.float().expand_as(x), atol=1e-6)


def test_one_component_is_gaussian_data_and_weights_matter():
    one = GaussianMixture([[0.5, -1.0]], 0.7)
    gauss = GaussianData(torch.tensor([0.5, -1.0]), torch.tensor([0.7, 0.7]))
    x = torch.randn(8, 2, generator=torch.Generator().manual_seed(2))
    assert torch.allclose(one.denoise(x, 0.8), gauss.denoise(x, 0.8), atol=1e-6)
    assert torch.allclose(one.denoise_flow(x, 0.3), gauss.denoise_flow(x, 0.3), atol=1e-6)
    lopsided = GaussianMixture([[-1.0, 0.0], [1.0, 0.0]], 0.1, weights=[1, 3])
    assert torch.allclose(lopsided.mean, torch.tensor([0.5, 0.0], dtype=torch.float64))
    r = lopsided.responsibilities(torch.zeros(1, 2), 1.0, 0.5)                  # halfway: the prior decides
    assert torch.allclose(r, torch.tensor([[0.25, 0.75]], dtype=torch.float64))


def test_far_from_every_mode_the_denoiser_stays_finite():
    x = torch.full((2, 2), 1e3)                                                  # log-weights near -1e8
    assert torch.isfinite(RING.denoise(x, 0.01)).all()


def test_sample_has_the_closed_form_moments():
    x = RING.sample(20000, torch.Generator().manual_seed(3)).double()
    assert torch.allclose(x.mean(0), RING.mean, atol=0.06)
    assert torch.allclose(torch.cov(x.T), RING.covariance, atol=0.15)


def test_a_sampler_driven_by_the_denoiser_reproduces_the_mixture():
    lopsided = GaussianMixture([[-1.0, 0.5], [1.5, 0.0], [0.0, -1.5]], [0.3, 0.2, 0.4], weights=[1, 2, 3])
    z = (Z - Z.mean(0)) / Z.std(0)
    x, _ = exact_paths(lopsided, z, steps=40)
    x = x.double()
    assert torch.allclose(x.mean(0), lopsided.mean, atol=0.05), (x.mean(0), lopsided.mean)
    assert torch.allclose(torch.cov(x.T), lopsided.covariance, atol=0.1), (torch.cov(x.T), lopsided.covariance)


def test_views_follow_the_package_conventions():
    """VP view = sigma_space_to_vp; flow view of σ-space Euler = flow Euler on t = σ/(1 + σ) (= DDIM)."""
    sigmas = sigmas_from_flow_times(flow_times(6) * 0.99)
    x = Z[:64] * sigmas[0]
    _, tr = sample_euler(RING.denoise, x, sigmas, return_trajectory=True)
    assert torch.allclose(vp_coordinates(tr.x[2], tr.sigmas[2]), sigma_space_to_vp(tr.x[2], float(tr.sigmas[2])))
    times = sigmas / (1 + sigmas)
    _, flow_tr = sample_flow_euler(RING.denoise_flow, flow_coordinates(x, sigmas[0]), times, return_trajectory=True)
    assert torch.allclose(flow_coordinates(tr.x, tr.sigmas), flow_tr.x, atol=1e-5)


def test_training_paths_are_straight_in_flow_view_and_arcs_in_vp_view():
    x0, eps = RING.sample(64, torch.Generator().manual_seed(4)), Z[:64]
    sigmas = karras_sigmas(100, 0.001, 1000.0)
    path = x0 + sigmas[:, None, None].float() * eps                            # (N+1, B, 2): x = x₀ + σ·ε
    assert (straightness(flow_coordinates(path, sigmas)) - 1).abs().max() < 1e-4
    assert bend(flow_coordinates(path, sigmas)).max() < 1e-4
    assert straightness(vp_coordinates(path, sigmas)).median() > 1.02
    assert bend(vp_coordinates(path, sigmas)).median() > 0.03


def test_sampling_paths_bend_less_in_the_flow_view():
    _, tr = exact_paths()
    vp, flow = vp_coordinates(tr.x, tr.sigmas), flow_coordinates(tr.x, tr.sigmas)
    assert bend(flow).median() < 0.6 * bend(vp).median()
    # Path length over chord is close to 1 in both views for this ring; the flow view loses its edge
    # there because its paths first head for the data mean, then turn to a mode (see `straightness`).
    assert straightness(flow).median() < 1.1 and straightness(vp).median() < 1.1


def test_euler_in_the_straight_view_needs_fewer_steps():
    exact, _ = exact_paths()
    errors = {}
    for steps in (4, 64):
        sigmas = sigmas_from_flow_times(flow_times(steps) * SIGMA_MAX / (1 + SIGMA_MAX))
        for name, sampler in (("flow", sample_euler), ("vp", sample_vp_euler)):
            errors[name, steps] = (sampler(RING.denoise, Z * sigmas[0], sigmas) - exact).norm(dim=1).mean().item()
    assert errors["flow", 4] < 0.7 * errors["vp", 4], errors
    assert errors["flow", 64] < 0.02 and errors["vp", 64] < 0.02, errors       # both converge


def test_bad_arguments():
    with pytest.raises(ValueError, match="positive"):
        GaussianMixture([[0.0, 0.0]], 0.0)
    with pytest.raises(ValueError, match=r"\(B, 2\)"):
        RING.denoise(torch.zeros(3, 3), 1.0)
