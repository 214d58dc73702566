"""Training the space-time U-Net: the spatial layers come from the shipped image model and stay frozen."""
import pytest
import torch

from toolkit import zoo
from toolkit.recipes import text_to_image, video_diffusion

pytestmark = pytest.mark.usefixtures("one_thread")


def test_a_short_run_trains_only_the_temporal_layers(tmp_path):
    config = video_diffusion.VideoDiffusionConfig(steps=2, batch_size=1, frames=4)
    result = video_diffusion.train_model(config, out_dir=tmp_path, progress=False)
    assert len(result.losses) == 2 and all(torch.isfinite(torch.tensor(result.losses)))
    image = zoo.load("shapes_text_unet").unet.state_dict()
    trained = result.model.unet.state_dict()
    assert all(torch.equal(trained[f"unet.{k}"], v) for k, v in image.items())           # spatial: untouched
    assert any(v.any() for k, v in trained.items() if k.startswith("temporal.") and k.endswith("out.weight"))
    assert (tmp_path / "step-00000002.safetensors").exists()


def test_config_errors():
    with pytest.raises(ValueError, match="caption_dropout"):
        video_diffusion.VideoDiffusionConfig(caption_dropout=-0.1)


def test_shipped_checkpoint_holds_only_the_temporal_layers_and_a_gap_is_refused(tmp_path):
    import shutil

    from safetensors.torch import load_file, save_file

    from toolkit import checkpoints
    name = video_diffusion.NAME
    tensors = load_file(checkpoints.resolve() / f"{name}.safetensors")
    assert tensors and all(k.startswith("unet.temporal.") for k in tensors)     # the image model's are not repeated
    loaded = zoo.load("shapes_spacetime_unet").unet.state_dict()
    assert all(torch.equal(loaded[f"unet.{k}"], v) for k, v in zoo.load("shapes_text_unet").unet.state_dict().items())
    for stem in (name, text_to_image.NAME):                                        # a copy missing one tensor
        for suffix in (".json", ".safetensors"):
            shutil.copy(checkpoints.resolve() / f"{stem}{suffix}", tmp_path / f"{stem}{suffix}")
    tensors.pop(sorted(tensors)[0])
    save_file(tensors, tmp_path / f"{name}.safetensors")
    checkpoints.save(tmp_path, name, tensors, checkpoints.read_manifest(tmp_path, name)["config"], "python -m x")
    with pytest.raises(checkpoints.CheckpointError, match=f"holds {len(tensors)} tensors, the network its config describes has"):
        zoo.load("shapes_spacetime_unet", tmp_path)

