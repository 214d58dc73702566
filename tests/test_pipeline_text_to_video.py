"""The text-to-video pipeline on a tiny random transformer and the shipped video VAE: shapes, seeds, samplers
(ours and diffusers'), trajectories, and clear errors for impossible requests."""
import pytest
import torch
from diffusers import DPMSolverMultistepScheduler, EulerDiscreteScheduler, FlowMatchEulerDiscreteScheduler

from toolkit import zoo
from toolkit.models.text_encoder import TextEncoder, TextEncoderConfig
from toolkit.models.video_dit import VideoDiT
from toolkit.pipelines import TextToVideoPipeline
from toolkit.pipelines.text_to_video import MAX_VIDEOS
from toolkit.text import TextConditioner, Tokenizer, UnknownWordsError

pytestmark = pytest.mark.usefixtures("one_thread")
PROMPTS = ["a red circle moving left", "a large blue square floating up then down"]


def make_pipe() -> TextToVideoPipeline:
    torch.manual_seed(0)
    model = VideoDiT.from_preset("cpu-tiny")
    with torch.no_grad():
        for p in model.parameters():
            if not p.any():
                p.normal_(0, 0.05)
    text = TextConditioner(TextEncoder(TextEncoderConfig(vocab_size=len(Tokenizer()))))
    return TextToVideoPipeline(model.eval().requires_grad_(False), zoo.load("shapes_video_vae"), text)


PIPE = make_pipe()


def test_output_shapes_and_range():
    out = PIPE(PROMPTS, seed=0, steps=2)
    assert out.videos.shape == (2, 3, 16, 32, 32) and torch.isfinite(out.videos).all()
    assert out.videos.min() >= -1 and out.videos.max() <= 1
    assert out.prompts == PROMPTS and out.unknown == [[], []] and out.trajectory is None


def test_other_lengths_and_sizes_that_the_vae_and_patches_tile():
    assert PIPE(PROMPTS[0], steps=1, frames=8, size=16).videos.shape == (1, 3, 8, 16, 16)
    assert PIPE(PROMPTS[0], steps=1, frames=4, size=48).videos.shape == (1, 3, 4, 48, 48)


def test_same_seed_same_bits_other_seed_other_video():
    a, b, c = (PIPE(PROMPTS[0], seed=s, steps=2).videos for s in (5, 5, 6))
    assert torch.equal(a, b) and (a - c).abs().mean() > 1e-3


def test_trajectory_is_in_latent_space_and_decodes():
    out = PIPE(PROMPTS[0], steps=3, return_trajectory=True)
    assert out.trajectory.x.shape == (4, 1, 8, 4, 8, 8)
    assert torch.allclose(PIPE.decode(out.trajectory.x[-1]), out.videos)


@pytest.mark.parametrize("scheduler", [DPMSolverMultistepScheduler, EulerDiscreteScheduler,
                                       FlowMatchEulerDiscreteScheduler], ids=lambda s: s.__name__)
def test_diffusers_schedulers_drive_it(scheduler):
    videos = PIPE(PROMPTS, steps=3, sampler=scheduler()).videos
    assert videos.shape == (2, 3, 16, 32, 32) and torch.isfinite(videos).all()


def test_guidance_scale_changes_the_video_and_one_means_a_single_pass():
    one, three = (PIPE(PROMPTS[0], steps=2, guidance_scale=s).videos for s in (1.0, 3.0))
    assert (one - three).abs().mean() > 1e-4


def test_unknown_words_warn_or_raise():
    with pytest.warns(UserWarning, match="spaceship"):
        out = PIPE("a red spaceship moving left", steps=1)
    assert out.unknown == [["spaceship"]]
    with pytest.raises(UnknownWordsError, match="spaceship"):
        PIPE("a red spaceship moving left", steps=1, strict=True)


@pytest.mark.parametrize("kwargs, error, message", [
    ({"frames": 10}, ValueError, "multiple of 4"),
    ({"frames": 0}, ValueError, "multiple of 4"),
    ({"frames": 128}, ValueError, "multiple of 4"),
    ({"size": 20}, ValueError, "multiple of 8"),
    ({"size": 4096}, ValueError, "multiple of 8"),
    ({"steps": 0}, ValueError, "steps"),
    ({"num_videos": 0}, ValueError, "num_videos"),
    ({"num_videos": MAX_VIDEOS + 1}, ValueError, "at most"),
    ({"sampler": "warp"}, ValueError, "unknown sampler"),
    ({"sampler": 3}, TypeError, "diffusers scheduler"),
    ({"guidance_scale": -1.0}, ValueError, "guidance_scale must be"),
])
def test_clear_errors(kwargs, error, message):
    with pytest.raises(error, match=message):
        PIPE(PROMPTS[0], **{"steps": 1, **kwargs})


@pytest.mark.parametrize("prompt, error", [("", ValueError), ("   ", ValueError), (None, TypeError), (3, TypeError)])
def test_bad_prompts(prompt, error):
    with pytest.raises(error):
        PIPE(prompt, steps=1)


def test_a_pixel_space_time_unet_drives_the_same_pipeline():
    from toolkit.models.unet import FlowTime
    from toolkit.models.spacetime_unet import SpaceTimeUNet
    from toolkit.models.unet import UNet
    torch.manual_seed(0)
    unet = FlowTime(SpaceTimeUNet(UNet.from_preset("cpu-tiny", context_dim=64))).eval()
    pipe = TextToVideoPipeline(unet, None, PIPE.text, frames=8, image_size=16)
    out = pipe(PROMPTS, steps=2, return_trajectory=True)
    assert out.videos.shape == (2, 3, 8, 16, 16) and out.trajectory.x.shape == (3, 2, 3, 8, 16, 16)
