"""The text-to-image pipeline on tiny random models: shapes, seeds, guidance modes, trajectories and clear errors."""
import pytest
import torch

from toolkit import zoo
from toolkit.diffusion import FLOW_SAMPLERS, SAMPLERS
from toolkit.models.unet import FlowTime
from toolkit.models.clip import ContrastiveConfig, ContrastiveModel
from toolkit.models.text_encoder import TextEncoder, TextEncoderConfig
from toolkit.models.unet import UNet
from toolkit.pipelines import TextToImagePipeline
from toolkit.pipelines.text_to_image import MAX_IMAGES
from toolkit.text import TextConditioner, Tokenizer, UnknownWordsError

PROMPTS = ["a red circle", "a large blue square"]


pytestmark = pytest.mark.usefixtures("one_thread")


def wake(model: torch.nn.Module) -> torch.nn.Module:
    """Give the zero-initialised layers random weights, so that the prompt reaches the output."""
    with torch.no_grad():
        for p in model.parameters():
            if not p.any():
                p.normal_(0, 0.1, generator=torch.Generator().manual_seed(p.numel()))
    return model.eval().requires_grad_(False)


def make_pipe(guide: bool = True) -> TextToImagePipeline:
    torch.manual_seed(0)
    unet = wake(FlowTime(UNet.from_preset("cpu-tiny", context_dim=64)))
    text = TextConditioner(TextEncoder(TextEncoderConfig(vocab_size=len(Tokenizer()))))
    noisy_clip = ContrastiveModel(ContrastiveConfig(text=text.encoder.config, noise_aware=True)).eval()
    return TextToImagePipeline(unet, text, noisy_clip.requires_grad_(False) if guide else None)


PIPE = make_pipe()


@pytest.mark.parametrize("guidance", ["cfg", "classifier"])
@pytest.mark.parametrize("sampler", ["flow_heun", "dpmpp_2m"])
def test_output(guidance, sampler):
    out = PIPE(PROMPTS, seed=0, steps=3, guidance_kind=guidance, sampler=sampler, guidance_scale=2.0)
    assert out.images.shape == (2, 3, 32, 32) and torch.isfinite(out.images).all()
    assert out.images.min() >= -1 and out.images.max() <= 1
    assert out.prompts == PROMPTS and out.unknown == [[], []] and out.trajectory is None


@pytest.mark.parametrize("sampler", sorted(FLOW_SAMPLERS) + sorted(SAMPLERS))
def test_every_sampler_runs_and_is_reproducible(sampler):
    a = PIPE(PROMPTS[0], seed=4, steps=2, sampler=sampler).images
    b = PIPE(PROMPTS[0], seed=4, steps=2, sampler=sampler).images
    assert a.shape == (1, 3, 32, 32) and torch.equal(a, b)


@pytest.mark.parametrize("guidance", ["cfg", "classifier"])
def test_seeds(guidance):
    a, b, c = (PIPE(PROMPTS, seed=s, steps=2, guidance_kind=guidance).images for s in (1, 1, 2))
    assert torch.equal(a, b)
    assert (a - c).abs().mean() > 1e-2


def test_the_prompt_and_the_guidance_change_the_picture():
    one, other = (PIPE(p, seed=0, steps=2, guidance_scale=3.0).images for p in PROMPTS)
    assert (one - other).abs().mean() > 1e-3
    steered = PIPE(PROMPTS[0], seed=0, steps=2, guidance_kind="classifier", guidance_scale=50.0).images
    plain = PIPE(PROMPTS[0], seed=0, steps=2, guidance_kind="classifier", guidance_scale=0.0).images
    assert (steered - plain).abs().mean() > 1e-3


def test_scale_zero_is_the_unconditional_model_for_both_guidances():
    cfg = PIPE(PROMPTS, seed=3, steps=2, guidance_kind="cfg", guidance_scale=0.0).images
    classifier = PIPE(PROMPTS, seed=3, steps=2, guidance_kind="classifier", guidance_scale=0.0).images
    torch.testing.assert_close(cfg, classifier)
    assert torch.equal(cfg[0], PIPE(PROMPTS[::-1], seed=3, steps=2, guidance_scale=0.0).images[0])  # prompt ignored


def test_num_images_repeats_each_prompt():
    out = PIPE(PROMPTS, seed=0, steps=2, num_images=3)
    assert out.images.shape == (6, 3, 32, 32)
    assert out.prompts == [PROMPTS[0]] * 3 + [PROMPTS[1]] * 3
    assert (out.images[0] - out.images[1]).abs().mean() > 1e-2         # each image from its own noise


@pytest.mark.parametrize("sampler", ["flow_euler", "flow_heun", "dpmpp_2m", "ddim"])
def test_trajectory_runs_from_the_noise_to_the_images(sampler):
    """Flow samplers record x_t = (1 − t)·x₀ + t·ε at flow times (trajectory.flow); σ-space samplers
    record x = x_t/(1 − t) at σ = t/(1 − t), starting from t = 0.999."""
    steps = 4
    out = PIPE(PROMPTS, seed=0, steps=steps, sampler=sampler, return_trajectory=True)
    tr = out.trajectory
    assert tr.x.shape == (steps + 1, 2, 3, 32, 32) and tr.denoised.shape == (steps, 2, 3, 32, 32)
    assert tr.sigmas.shape == (steps + 1,) and tr.sigmas[-1] == 0
    flow = sampler in FLOW_SAMPLERS
    assert tr.flow == flow
    start = 1.0 if flow else 1 + float(tr.sigmas[0])                      # x_1 = ε, or ε·(1 + σ_max)
    assert tr.sigmas[0] == pytest.approx(1.0 if flow else 999.0)
    noise = torch.randn(2, 3, 32, 32, generator=torch.Generator().manual_seed(0))
    torch.testing.assert_close(tr.x[0], noise * start)
    torch.testing.assert_close(tr.x[-1].clamp(-1, 1), out.images)
    without = PIPE(PROMPTS, seed=0, steps=steps, sampler=sampler).images
    assert torch.equal(without, out.images)


def test_unknown_words_warn_once_and_are_reported():
    with pytest.warns(UserWarning, match="zorp") as caught:
        out = PIPE(["a zorp red circle", "a blue square"], seed=0, steps=1)
    assert len([w for w in caught if "zorp" in str(w.message)]) == 1
    assert out.unknown == [["zorp"], []]
    with pytest.raises(UnknownWordsError, match="zorp"):
        PIPE("a zorp red circle", steps=1, strict=True)


@pytest.mark.parametrize("kwargs, message", [
    ({"steps": 0}, "steps"),
    ({"steps": 2.5}, "steps"),
    ({"steps": 1001}, "steps"),
    ({"sampler": "plms"}, "flow_heun"),
    ({"guidance_kind": "clip"}, "classifier"),
    ({"num_images": 0}, "num_images"),
    ({"num_images": 1.5}, "num_images"),
    ({"guidance_scale": -1.0}, ">= 0"),
    ({"guidance_scale": -1.0, "guidance_kind": "classifier"}, ">= 0"),
])
def test_bad_arguments_raise_helpful_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        PIPE("a red circle", **kwargs)


def test_bad_prompts_raise():
    with pytest.raises(ValueError, match="empty"):
        PIPE("  ")
    with pytest.raises(TypeError, match="string"):
        PIPE(None)


def test_classifier_guidance_needs_a_guide():
    pipe = make_pipe(guide=False)
    assert pipe("a red circle", steps=1).images.shape == (1, 3, 32, 32)           # cfg needs none
    with pytest.raises(ValueError, match="noise-aware contrastive model"):
        pipe("a red circle", steps=1, guidance_kind="classifier")


def test_too_many_images_are_refused_before_any_work():
    with pytest.raises(ValueError, match=f"at most {MAX_IMAGES}"):
        PIPE(PROMPTS, num_images=MAX_IMAGES // 2 + 1)
    with pytest.raises(ValueError, match=f"at most {MAX_IMAGES}"):
        PIPE(["a red circle"] * (MAX_IMAGES + 1))


def make_latent_pipe() -> TextToImagePipeline:
    torch.manual_seed(0)
    unet = wake(FlowTime(UNet.from_preset("cpu-tiny", context_dim=64, in_channels=4, out_channels=4)))
    return TextToImagePipeline(unet, PIPE.text, vae=zoo.load("shapes_vae"))


def test_latent_pipeline_samples_latents_and_decodes_them():
    pipe = make_latent_pipe()
    out = pipe(PROMPTS, seed=0, steps=3, return_trajectory=True)
    assert pipe.sample_shape(2) == (2, 4, 8, 8)
    assert out.images.shape == (2, 3, 32, 32) and out.images.min() >= -1 and out.images.max() <= 1
    assert out.trajectory.x.shape == (4, 2, 4, 8, 8)                       # the trajectory stays in latent space
    assert torch.equal(pipe.decode(out.trajectory.x[-1]), out.images)
    with pytest.raises(ValueError, match="samples latents"):
        pipe(PROMPTS, steps=2, guidance_kind="classifier")


def test_a_diffusers_scheduler_drives_the_pipeline():
    from diffusers import UniPCMultistepScheduler
    out = PIPE(PROMPTS, seed=0, steps=3, sampler=UniPCMultistepScheduler())
    assert out.images.shape == (2, 3, 32, 32) and torch.isfinite(out.images).all()
