"""Training the space-time U-Net: the spatial layers come from the shipped image model and stay frozen."""
import pytest
import torch

from toolkit import text_to_image, video_diffusion

pytestmark = pytest.mark.usefixtures("one_thread")


def test_a_short_run_trains_only_the_temporal_layers(tmp_path):
    config = video_diffusion.VideoDiffusionConfig(steps=2, batch_size=1, frames=4)
    result = video_diffusion.train_model(config, out_dir=tmp_path, progress=False)
    assert len(result.losses) == 2 and all(torch.isfinite(torch.tensor(result.losses)))
    image = text_to_image.load().unet.state_dict()
    trained = result.model.unet.state_dict()
    assert all(torch.equal(trained[f"unet.{k}"], v) for k, v in image.items())           # spatial: untouched
    assert any(v.any() for k, v in trained.items() if k.startswith("temporal.") and k.endswith("out.weight"))
    assert (tmp_path / "step-00000002.safetensors").exists()


def test_config_errors():
    with pytest.raises(ValueError, match="caption_dropout"):
        video_diffusion.VideoDiffusionConfig(caption_dropout=-0.1)
