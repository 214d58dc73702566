"""The shapes-image diffusion recipe: both objectives train, save, load and sample."""
import pytest
import torch

from toolkit import checkpoints, zoo
from toolkit.recipes.image_diffusion import (ImageDiffusionConfig, generate, name_of, train_model,
                                     valid_shape_rate)
from toolkit.data import ShapesWorld, WorldConfig
from dataclasses import asdict


@pytest.mark.parametrize("objective", ["epsilon", "velocity"])
def test_train_save_load_sample(objective, tmp_path):
    config = ImageDiffusionConfig(objective=objective, unet="cpu-tiny", train="cpu-tiny", steps=6, batch_size=4,
                                  image_size=16)
    result = train_model(config, progress=False)
    assert len(result.losses) == 6 and all(torch.isfinite(torch.tensor(result.losses)))
    checkpoints.save(tmp_path, name_of(objective), result.ema_model.state_dict(), asdict(config), "python -m test")
    model = zoo.load(name_of(objective), tmp_path)
    images = generate(model, objective, n=2, steps=3, seed=0, image_size=16)
    assert images.shape == (2, 3, 16, 16) and torch.isfinite(images).all()
    assert torch.equal(images, generate(model, objective, n=2, steps=3, seed=0, image_size=16))


def test_valid_shape_rate_tells_shapes_from_noise():
    clean = ShapesWorld(WorldConfig(frames=1)).sample(20, seed=0).images
    assert valid_shape_rate(clean) == 1.0
    assert valid_shape_rate(torch.rand(20, 3, 32, 32, generator=torch.Generator().manual_seed(0)) * 2 - 1) < 0.2


def test_unknown_objective():
    with pytest.raises(ValueError, match="choose one of"):
        ImageDiffusionConfig(objective="score")

