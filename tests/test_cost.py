"""FLOP counting and side-by-side timing (toolkit.eval.cost)."""
import pytest
import torch

from toolkit.eval.cost import count_flops, wall_times
from toolkit.recipes.text_to_image import TextToImageConfig, latent_config, make_model

pytestmark = pytest.mark.usefixtures("one_thread")


def test_flops_of_known_layers():
    linear, conv = torch.nn.Linear(10, 20), torch.nn.Conv2d(3, 8, 3, padding=1)
    counts = count_flops(lambda: (linear(torch.randn(4, 10)), conv(torch.randn(2, 3, 5, 5))))
    assert counts["total"] == 2 * 4 * 10 * 20 + 2 * 2 * 8 * 3 * 9 * 25                 # 2 per multiply-add
    assert counts["Linear"] == 2 * 4 * 10 * 20 and counts["Conv2d"] == 2 * 2 * 8 * 3 * 9 * 25


def test_attention_on_the_cpu_is_counted():
    """torch counts only the GPU kernels of scaled_dot_product_attention; toolkit.eval.cost adds the CPU one."""
    B, H, N, M, d = 2, 4, 16, 8, 12
    q, k, v = torch.randn(B, H, N, d), torch.randn(B, H, M, d), torch.randn(B, H, M, d)
    mask = torch.ones(B, 1, 1, M, dtype=torch.bool)
    for kwargs in ({}, {"attn_mask": mask}):
        counts = count_flops(lambda: torch.nn.functional.scaled_dot_product_attention(q, k, v, **kwargs))
        assert counts["total"] == 4 * B * H * N * M * d                       # scores, then mixing


def test_the_latent_unet_costs_far_less_than_the_pixel_unet():
    """The claim of notebook 06 at the level of one network call: >= 8x fewer FLOPs at a similar size."""
    text = {"context": torch.randn(1, 40, 64), "context_mask": torch.ones(1, 40, dtype=torch.bool),
            "pooled": torch.randn(1, 64)}
    pixel, latent = make_model(TextToImageConfig()), make_model(latent_config())
    f_pixel = count_flops(lambda: pixel(torch.randn(1, 3, 32, 32), torch.rand(1), **text))["total"]
    f_latent = count_flops(lambda: latent(torch.randn(1, 4, 8, 8), torch.rand(1), **text))["total"]
    size = lambda m: sum(p.numel() for p in m.parameters())                              # noqa: E731
    assert f_pixel / f_latent > 8 and 0.8 < size(latent) / size(pixel) < 1.5


def test_wall_times_interleave_and_check_repeats():
    calls = []
    times = wall_times({"a": lambda: calls.append("a"), "b": lambda: calls.append("b")}, repeats=3, warmup=1)
    assert calls == ["a", "b"] * 4 and set(times) == {"a", "b"} and all(t >= 0 for t in times.values())
    with pytest.raises(ValueError, match="repeats"):
        wall_times({"a": lambda: None}, repeats=0)


def test_latent_recipe_refuses_a_pixel_unet():
    with pytest.raises(ValueError, match="latent-cpu"):
        make_model(TextToImageConfig(latent=True))
