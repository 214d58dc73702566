"""Network wrappers and training losses, checked on Gaussian data where the perfect network is known."""
import pytest
import torch

from toolkit.diffusion import (PREDICTIONS, FlowDenoiser, FlowSchedule, GaussianData, SigmaDenoiser, clip_denoised,
                               ddpm_schedule, diffusion_loss, epsilon_loss, flow_to_sigma, karras_sigmas,
                               prediction_target, q_sample, sigma_to_flow, velocity_loss)
from toolkit.diffusion.utils import randn_like

DATA = GaussianData(mean=torch.tensor([[-0.8], [0.3]], dtype=torch.float64).expand(2, 4),
                    std=torch.tensor([0.3, 0.5, 0.9, 1.4], dtype=torch.float64).expand(2, 4))   # event (2, 4)
SCHEDULES = {"ddpm-linear": ddpm_schedule("linear"), "ddpm-cosine": ddpm_schedule("cosine", 200),
             "flow": FlowSchedule(), "flow-shift3": FlowSchedule(shift=3.0)}


def _x(n=6, seed=0):
    return torch.randn(n, 2, 4, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)


@pytest.mark.parametrize("kind", PREDICTIONS)
@pytest.mark.parametrize("name", list(SCHEDULES))
def test_a_perfect_network_wrapped_is_the_ideal_denoiser(name, kind):
    """SigmaDenoiser rescales x, finds t, calls the net and solves for x̂₀: it must give E[x₀ | x] back."""
    schedule = SCHEDULES[name]
    D = SigmaDenoiser(DATA.network(kind, schedule), schedule, kind)
    on_grid = schedule.sigmas[[0, 37, -1]] if name.startswith("ddpm") else torch.tensor([0.01, 1.0, 50.0])
    for sigma in [*on_grid.tolist(), *karras_sigmas(5, 0.02, 100.0)[:-1].tolist()]:
        x = DATA.mean + (DATA.std ** 2 + sigma ** 2).sqrt() * _x()      # x₀ + σ·ε
        torch.testing.assert_close(D(x, sigma), DATA.denoise(x, sigma), rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("kind", PREDICTIONS)
def test_flow_denoiser_and_coordinate_changes(kind):
    D = FlowDenoiser(DATA.network(kind, FlowSchedule()), kind)
    for t in [0.05, 0.5, 0.95]:
        x = _x()
        torch.testing.assert_close(D(x, t), DATA.denoise_flow(x, t), rtol=1e-9, atol=1e-9)
        sigma = t / (1 - t)
        torch.testing.assert_close(flow_to_sigma(D)(x, sigma), DATA.denoise(x, sigma), rtol=1e-9, atol=1e-9)
        torch.testing.assert_close(sigma_to_flow(DATA.denoise)(x, t), DATA.denoise_flow(x, t), rtol=1e-9, atol=1e-9)
    x = _x()
    torch.testing.assert_close(DATA.denoise_flow(x, 1.0), DATA.mean.expand(6, 2, 4))   # pure noise: the mean
    if kind == "epsilon":                       # at t = 1 (α = 0) ε says nothing about x₀
        assert torch.isnan(D(x, 1.0)).all() or torch.isinf(D(x, 1.0)).all()
    else:
        torch.testing.assert_close(D(x, 1.0), DATA.denoise_flow(x, 1.0))
    with pytest.raises(ValueError, match="flow time t = 1"):
        sigma_to_flow(DATA.denoise)(x, 1.0)
    clipped = clip_denoised(lambda x, s: 3 * x, -1, 1)(x, 0.5)
    assert clipped.abs().max() <= 1 and torch.equal(clipped, (3 * x).clamp(-1, 1))


@pytest.mark.parametrize("shape", [(4096, 2, 4), (4096, 1, 2, 4), (4096, 2, 2, 1, 2)])
def test_epsilon_loss_of_the_perfect_network_is_the_posterior_variance(shape):
    """E‖ε − E[ε|x_t]‖² = α²s²/(α²s² + σ²) per dimension: the floor no network can beat; zero scores ≈ 1."""
    data = GaussianData(DATA.mean.reshape(shape[1:]), DATA.std.reshape(shape[1:]))
    schedule = ddpm_schedule("linear")
    x0 = data.sample(shape[0], torch.Generator().manual_seed(1), dtype=torch.float64)
    loss = epsilon_loss(data.network("epsilon", schedule), x0, schedule, torch.Generator().manual_seed(2))
    t = schedule.sample_t(shape[0], torch.Generator().manual_seed(2))   # the same draw as the loss made
    alpha, sigma = (c.reshape(-1, *[1] * len(shape[1:])) for c in schedule.coefficients(t))
    s2 = data.std ** 2
    floor = (alpha ** 2 * s2 / (alpha ** 2 * s2 + sigma ** 2)).mean()
    assert loss.item() == pytest.approx(floor.item(), rel=0.05)
    zero = epsilon_loss(lambda x, t: torch.zeros_like(x), x0, schedule, torch.Generator().manual_seed(2))
    assert zero.item() == pytest.approx(1.0, rel=0.05) and zero > 1.5 * loss


def test_velocity_loss_of_the_perfect_network_is_the_posterior_variance():
    """For the straight path, Var[ε − x₀ | x_t] = s²/((1 − t)²s² + t²) per dimension."""
    schedule = FlowSchedule()
    x0 = DATA.sample(4096, torch.Generator().manual_seed(1), dtype=torch.float64)
    loss = velocity_loss(DATA.network("velocity", schedule), x0, schedule, torch.Generator().manual_seed(3))
    t = schedule.sample_t(4096, torch.Generator().manual_seed(3))[:, None, None]
    floor = (DATA.std ** 2 / ((1 - t) ** 2 * DATA.std ** 2 + t ** 2)).mean()
    assert loss.item() == pytest.approx(floor.item(), rel=0.05)
    wrong = velocity_loss(DATA.network("epsilon", schedule), x0, schedule, torch.Generator().manual_seed(3))
    assert wrong > 1.5 * loss


@pytest.mark.parametrize("name", list(SCHEDULES))
def test_loss_is_reproducible_and_the_model_sees_the_documented_time(name):
    schedule, seen = SCHEDULES[name], []

    def model(x_t, t, label=None):
        seen.append((t, label))
        return 0.5 * x_t
    x0 = DATA.sample(64, torch.Generator().manual_seed(0)).float()
    a = epsilon_loss(model, x0, schedule, torch.Generator().manual_seed(7), cond={"label": "red"})
    b = epsilon_loss(model, x0, schedule, torch.Generator().manual_seed(7), cond={"label": "red"})
    c = epsilon_loss(model, x0, schedule, torch.Generator().manual_seed(8), cond={"label": "red"})
    assert torch.equal(a, b) and not torch.equal(a, c)
    t, label = seen[0]
    assert label == "red" and t.shape == (64,) and t.dtype == torch.float32
    if name.startswith("ddpm"):
        assert torch.equal(t, t.round()) and t.min() >= 0 and t.max() <= schedule.num_steps - 1 and t.max() > 10
    else:
        assert t.min() >= 0 and t.max() < 1 and t.max() > 0.5


@pytest.mark.parametrize("name", list(SCHEDULES))
@pytest.mark.parametrize("gamma", [None, 0.5, 5.0])
def test_min_snr_weighting_makes_every_objective_the_same_capped_x0_loss(name, gamma):
    """One x̂₀ predictor, presented as each parameterisation: with min-SNR-γ every loss equals
    mean(min(SNR, γ)·‖x̂₀ − x₀‖²) (Hang et al. 2023), computed here directly from the same draws."""
    schedule = SCHEDULES[name]
    x0 = DATA.sample(256, torch.Generator().manual_seed(0), dtype=torch.float64)

    def x0_hat(x_t, t):                                   # an imperfect but fixed x₀ predictor
        return 0.4 * x_t + 0.1 * torch.cos(t)[:, None, None]

    def as_network(kind):
        def model(x_t, t):
            alpha, sigma = schedule.coefficients(t)
            x0p = x0_hat(x_t, t)
            eps = (x_t - alpha[:, None, None] * x0p) / sigma[:, None, None]
            return prediction_target(x0p, eps, kind, alpha, sigma)
        return model

    g = torch.Generator().manual_seed(5)
    t = schedule.sample_t(256, g)                         # draw order: t, then ε
    x_t = q_sample(x0, t, schedule, randn_like(x0, g))
    alpha, sigma = schedule.coefficients(t)
    err = (x0_hat(x_t, t) - x0).pow(2).mean((1, 2))
    for kind in PREDICTIONS:
        loss = diffusion_loss(kind, as_network(kind), x0, schedule, torch.Generator().manual_seed(5),
                              min_snr_gamma=gamma)
        if gamma is None:                                  # unweighted: the plain MSE to the target
            target = prediction_target(x0, (x_t - alpha[:, None, None] * x0) / sigma[:, None, None], kind, alpha, sigma)
            expected = (as_network(kind)(x_t, t) - target).pow(2).mean()
        else:
            expected = ((alpha / sigma) ** 2).clamp(max=gamma).mul(err).mean()
        torch.testing.assert_close(loss, expected, rtol=1e-9, atol=1e-12)


def test_loss_errors():
    x0 = torch.zeros(4, 2, 4)
    with pytest.raises(ValueError, match="returned shape"):
        epsilon_loss(lambda x, t: x[:, :1], x0, ddpm_schedule())
    with pytest.raises(ValueError, match="'epsilon', 'x0', 'v', 'velocity'"):
        diffusion_loss("score", lambda x, t: x, x0, ddpm_schedule())
    with pytest.raises(ValueError, match="min_snr_gamma must be positive"):
        epsilon_loss(lambda x, t: x, x0, ddpm_schedule(), min_snr_gamma=0)
    with pytest.raises(ValueError, match="'epsilon', 'x0', 'v', 'velocity'"):
        SigmaDenoiser(lambda x, t: x, ddpm_schedule(), "eps")
    with pytest.raises(ValueError, match="expected a batch of shape \\(B, 2, 4\\)"):
        DATA.denoise(torch.zeros(3, 4, 2), 1.0)
    with pytest.raises(ValueError, match="std must be positive"):
        GaussianData(0.0, torch.tensor([1.0, 0.0]))
