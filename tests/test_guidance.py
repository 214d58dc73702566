"""Guidance wrappers against their formulas: toy denoisers with golden values, and one analytic Gaussian case."""
import pytest
import torch

from toolkit.diffusion import (GaussianData, append_dims, flow_times, flow_to_sigma, sample_dpmpp_2m,
                               sample_flow_euler, sample_flow_heun, sigmas_from_flow_times)
from toolkit.diffusion.guidance import classifier_free_guidance, classifier_guidance

B = 3
X = torch.randn(B, 2, 4, 4, generator=torch.Generator().manual_seed(0))
Y = torch.randn(B, 2, 4, 4, generator=torch.Generator().manual_seed(1))     # the prompt's "conditioning"
NULL = torch.zeros_like(Y)


class Toy:
    """D(x, σ, y) = x/(1 + σ) + y·σ: every row depends on its own x, σ and y. Records each call's batch size."""

    def __init__(self):
        self.calls = []

    def __call__(self, x, sigma, y):
        sigma = append_dims(torch.as_tensor(sigma, dtype=x.dtype).expand(len(x)), x.ndim)
        self.calls.append(len(x))
        return x / (1 + sigma) + y * sigma


# ---------------------------------------------------------------- classifier-free guidance

@pytest.mark.parametrize("scale", [0.5, 1.5, 3.0, 7.5])
@pytest.mark.parametrize("sigma", [2.0, torch.tensor([0.5, 1.0, 4.0])])
def test_cfg_is_the_formula_in_one_batched_call(scale, sigma):
    toy = Toy()
    d_cond, d_uncond = toy(X, sigma, Y), toy(X, sigma, NULL)
    toy.calls.clear()
    guided = classifier_free_guidance(toy, scale, {"y": NULL})(X, sigma, y=Y)
    torch.testing.assert_close(guided, d_uncond + scale * (d_cond - d_uncond))
    assert toy.calls == [2 * B]                                   # conditional and unconditional together


def test_scale_one_is_the_conditional_model_and_zero_the_unconditional():
    toy = Toy()
    expected_cond, expected_uncond = toy(X, 2.0, Y), toy(X, 2.0, NULL)
    toy.calls.clear()
    assert torch.equal(classifier_free_guidance(toy, 1.0, {"y": NULL})(X, 2.0, y=Y), expected_cond)
    assert toy.calls == [B]
    toy.calls.clear()
    assert torch.equal(classifier_free_guidance(toy, 0.0, {"y": NULL})(X, 2.0, y=Y), expected_uncond)
    assert toy.calls == [B]


def test_cfg_refuses_mismatched_keys_and_bad_scales():
    guided = classifier_free_guidance(Toy(), 2.0, {"y": NULL})
    with pytest.raises(ValueError, match="same"):
        guided(X, 1.0, y=Y, pooled=Y)
    with pytest.raises(ValueError, match="same"):
        classifier_free_guidance(Toy(), 2.0, {"y": NULL, "pooled": NULL})(X, 1.0, y=Y)
    for scale in (-0.5, float("nan")):
        with pytest.raises(ValueError, match=">= 0"):
            classifier_free_guidance(Toy(), scale, {"y": NULL})


def test_cfg_drives_a_sampler():
    toy = Toy()
    sigmas = sigmas_from_flow_times(flow_times(4).clamp(max=0.99))
    out = sample_dpmpp_2m(classifier_free_guidance(toy, 2.0, {"y": NULL}), X * sigmas[0], sigmas, cond={"y": Y})
    assert out.shape == X.shape and torch.isfinite(out).all()
    assert toy.calls == [2 * B] * 4


# ---------------------------------------------------------------- classifier guidance

A = torch.randn(B, 2, 4, 4, generator=torch.Generator().manual_seed(2))     # the "classifier"'s favourite x


def log_prob(x, t):
    """−|x − a|²/2 per sample: its gradient is a − x."""
    assert t.shape == (len(x),)
    return -((x - A) ** 2).flatten(1).sum(dim=1) / 2


def flow_toy(x, t, **cond):
    return 0.5 * x * append_dims(1 - torch.as_tensor(t).expand(len(x)), x.ndim)


@pytest.mark.parametrize("scale", [0.5, 2.0])
@pytest.mark.parametrize("t", [0.1, 0.5, 0.95, 1.0, torch.tensor([0.2, 0.9, 0.999])])
def test_classifier_guidance_is_the_formula(scale, t):
    guided = classifier_guidance(flow_toy, log_prob, scale, max_weight=10.0)(X, t)
    tt = torch.as_tensor(t, dtype=X.dtype).expand(B)
    weight = torch.minimum(tt ** 2 / (1 - tt).clamp(min=1e-6), torch.tensor(10.0))
    expected = flow_toy(X, t) + scale * append_dims(weight, X.ndim) * (A - X)
    torch.testing.assert_close(guided, expected)


def test_the_weight_cap():
    small = classifier_guidance(flow_toy, log_prob, 1.0, max_weight=0.01)(X, 0.5)      # t²/(1 − t) = 0.5
    torch.testing.assert_close(small, flow_toy(X, 0.5) + 0.01 * (A - X))


def test_scale_zero_returns_the_denoiser_without_asking_the_classifier():
    def never(x, t):
        raise AssertionError("the classifier was called at scale 0")
    assert torch.equal(classifier_guidance(flow_toy, never, 0.0)(X, 0.5), flow_toy(X, 0.5))
    with pytest.raises(ValueError, match=">= 0"):
        classifier_guidance(flow_toy, log_prob, -1.0)


def test_classifier_guidance_works_under_no_grad_and_leaves_no_graph():
    with torch.no_grad():
        guided = classifier_guidance(flow_toy, log_prob, 2.0)(X, 0.5)
    assert not guided.requires_grad
    torch.testing.assert_close(guided, flow_toy(X, 0.5) + 2.0 * 0.5 * (A - X))


def test_classifier_guidance_passes_conditioning_to_the_denoiser():
    seen = {}

    def denoiser(x, t, **cond):
        seen.update(cond)
        return x
    classifier_guidance(denoiser, log_prob, 1.0)(X, 0.5, y=Y)
    assert seen.keys() == {"y"} and seen["y"] is Y


@pytest.mark.parametrize("sampler", ["flow_euler", "flow_heun", "dpmpp_2m"])
def test_classifier_guidance_drives_samplers_toward_the_classifier(sampler):
    data = GaussianData(torch.zeros(2, 4, 4), torch.ones(2, 4, 4))
    noise = torch.randn(64, 2, 4, 4, generator=torch.Generator().manual_seed(3))
    a = torch.full((2, 4, 4), 2.0)

    def pull(x, t):                                                # log p(c | x) = −|x − a|²/2
        return -((x - a) ** 2).flatten(1).sum(dim=1) / 2

    results = []
    for scale in (0.0, 1.0):
        denoiser = classifier_guidance(data.denoise_flow, pull, scale)
        with torch.no_grad():
            if sampler == "dpmpp_2m":
                sigmas = sigmas_from_flow_times(flow_times(10).clamp(max=0.999))
                x = sample_dpmpp_2m(flow_to_sigma(denoiser), noise * (1 + sigmas[0]), sigmas)
            else:
                x = {"flow_euler": sample_flow_euler, "flow_heun": sample_flow_heun}[sampler](
                    denoiser, noise, flow_times(10))
        assert x.shape == noise.shape and torch.isfinite(x).all()
        results.append(x.mean().item())
    assert abs(results[0]) < 0.3 and results[1] > results[0] + 0.5     # guidance moved the samples toward a


def test_analytic_gaussian_posterior():
    """x₀ ~ N(0, 1), a noisy "classifier" c = x₀ + τ·η. With the exact flow denoiser and the exact
    log p(c | x_t), scale-1 classifier guidance must give E[x₀ | x_t, c], known in closed form:
        precision = 1 + (1 − t)²/t² + 1/τ²,  E[x₀ | x_t, c] = ((1 − t)/t²·x_t + c/τ²) / precision."""
    data, tau, c = GaussianData(torch.zeros(1), torch.ones(1)), 0.5, 1.3
    x_t = torch.linspace(-2, 2, 9)[:, None].double()

    def log_p_c(x, t):
        # x₀ | x_t ~ N(m, v), m = (1 − t)/((1 − t)² + t²)·x_t, v = t²/((1 − t)² + t²); so c | x_t ~ N(m, τ² + v).
        tt = append_dims(t, x.ndim)
        m = (1 - tt) / ((1 - tt) ** 2 + tt ** 2) * x
        v = tt ** 2 / ((1 - tt) ** 2 + tt ** 2)
        return (-(c - m) ** 2 / (2 * (tau ** 2 + v))).sum(dim=1)

    for t in (0.2, 0.5, 0.8):                                  # below the weight cap: t²/(1 − t) < 10
        guided = classifier_guidance(data.denoise_flow, log_p_c, 1.0)(x_t, t)
        precision = 1 + (1 - t) ** 2 / t ** 2 + 1 / tau ** 2
        torch.testing.assert_close(guided, ((1 - t) / t ** 2 * x_t + c / tau ** 2) / precision)
