"""The shipped bouncing-digits models load, verified, and do what their manifests say on held-out data."""
import pytest
import torch

from toolkit import zoo
from toolkit.recipes import digits_video
from toolkit.data import digits
from toolkit.eval import digits as judge
from toolkit.pipelines import TextToVideoPipeline
from toolkit.text import TextConditioner

pytestmark = pytest.mark.usefixtures("one_thread")


def test_every_stage_is_shipped_with_its_command():
    for stage, name in digits_video.NAMES.items():
        manifest = zoo.manifest(name)
        assert manifest["command"].startswith("python -m toolkit.recipes.digits_video train"), manifest["command"]
        assert stage in manifest["command"] or "--stage" not in manifest["command"]


def test_classifier_reads_writers_it_never_saw():
    assert judge.classifier_accuracy(zoo.load("digits_classifier"), "eval") >= 0.9


def test_vae_keeps_digit_and_motion_of_held_out_clips():
    result = judge.vae_metrics(zoo.load("digits_video_vae"), zoo.load("digits_classifier"), n=16)
    assert result["psnr_heldout_db"] >= 22, result
    assert result["judge_on_reconstructions"]["motion"] >= 0.9, result


def test_text_tower_tells_the_held_out_captions_apart():
    text = TextConditioner.from_pretrained("digits_clip")
    pooled = text([f"the digit {d} is moving {m}" for d, m in digits.combinations("heldout")])["pooled"]
    similarity = torch.nn.functional.normalize(pooled, dim=1) @ torch.nn.functional.normalize(pooled, dim=1).T
    assert (similarity - torch.eye(10)).max() < 0.999                     # ten different prompts, ten encodings


def test_pipeline_draws_a_moving_digit_and_refuses_nonsense():
    pipe = TextToVideoPipeline.from_pretrained("digits_video_dit")
    videos = pipe(["the digit 3 is moving left and right"], seed=0, steps=8).videos
    assert videos.shape == (1, 3, 16, 32, 32)
    assert judge.read_clips(videos, zoo.load("digits_classifier"))[0]["motion"] is not None
    with pytest.raises(ValueError, match="the digit 7"):
        pipe("purple elephants", strict=True)
