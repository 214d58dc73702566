"""Notebook 10's cost accounting (toolkit.eval.energy): counts that agree with each other, and clear errors."""
import pytest

from toolkit.eval import energy

pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture(scope="module")
def pipe():
    from toolkit.pipelines import TextToVideoPipeline
    return TextToVideoPipeline.from_pretrained()


def test_meta_device_count_equals_the_real_call(pipe):
    real = energy.clip_flops(pipe, steps=4)
    counted = energy.scaled_flops(pipe, frames=16, size=32, steps=4)
    assert real["calls"] == 7 and real["clips per call"] == 2        # Heun: 2 a step but the last; guidance: 2 clips
    for part in ("text encoder", "transformer", "decoder", "total"):
        assert counted[part] == pytest.approx(real[part], rel=1e-9), part


def test_the_closed_form_matches_the_counter_on_our_transformer(pipe):
    c = pipe.unet.config
    for frames, size in [(16, 32), (64, 128)]:
        counted = energy.scaled_flops(pipe, frames, size, calls=(1, 1), text_encoder=0.0)
        formula = energy.transformer_flops(c.depth, c.width, counted["tokens"], int(c.width * c.mlp_ratio),
                                           text_tokens=40, text_width=c.context_dim)
        assert formula == pytest.approx(counted["transformer"], rel=0.02)   # per-sample work is left out


def test_growth_with_steps_frames_and_size(pipe):
    grid = energy.sweep(pipe, frames=(16, 32), sizes=(32, 64), steps=(10, 20))
    total = {k: [r["total"] for r in rows] for k, rows in grid.items()}
    assert all(b > a for a, b in total.values())
    assert 1.0 <= energy.slopes([16, 32], total["frames"])[0] < 2.0        # more tokens: between linear and quadratic
    assert energy.slopes([10, 20], total["steps"])[0] < 1.0               # the decoder runs once whatever the steps


def test_slopes_read_exponents():
    assert energy.slopes([1, 2, 4], [3, 12, 48]) == pytest.approx([2.0, 2.0])


def test_production_estimate_follows_its_stated_assumptions():
    estimate = energy.production_estimate()
    assert estimate["tokens"] == 21 * 45 * 80                               # 81 frames of 1280 x 720, 4x8x8, 1x2x2
    assert estimate["joules"] == pytest.approx(estimate["gpu_seconds"] * energy.GPU["watts"])
    published = list(energy.PUBLISHED.values())
    assert min(published) / 3 < estimate["joules"] < max(published) * 3    # the same order as the published figures


def test_energy_here_and_bad_input(pipe):
    assert energy.rapl_joules() is None or energy.rapl_joules() >= 0
    with pytest.raises(ValueError, match="watts"):
        energy.measure(pipe, watts=0)
    with pytest.raises(ValueError, match="frames must divide"):
        energy.latent_shape(pipe, 1, 10, 32)
    here = energy.measure(pipe, steps=2, repeats=1)
    assert here["seconds"] > 0 and here["flops_per_second"] > 0 and here["joules"] > 0
