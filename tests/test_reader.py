"""The attribute reader: always right on clean clips, degrading gracefully with noise."""
import pytest
import torch

from toolkit.data import ShapesWorld, WorldConfig
from toolkit.eval import attribute_accuracy, read_clips, read_images

KEYS = ("shape", "colour", "size", "motion")


def accuracy(readings, batch):
    """Mean over the attributes of attribute_accuracy."""
    scores = attribute_accuracy(readings, [batch.objects(i)[0] for i in range(len(batch))])
    return sum(scores.values()) / len(scores)


def test_attribute_accuracy_scores_only_what_the_truth_states():
    batch = ShapesWorld().sample(4, seed=0)
    readings = read_clips(batch.video)
    readings[0].colour = "not a colour"
    truth = [{"shape": o["shape"], "colour": o["colour"], "size": None} for o in (batch.objects(i)[0] for i in range(4))]
    assert attribute_accuracy(readings, truth) == {"shape": 1.0, "colour": 0.75}
    with pytest.raises(ValueError, match="one truth per reading"):
        attribute_accuracy(readings, truth[:2])


@pytest.mark.parametrize("config", [
    WorldConfig(), WorldConfig(textured=True), WorldConfig(frames=8, height=48, width=64),
    WorldConfig(frames=24, height=16, width=16),
])
def test_reader_is_always_right_on_clean_clips(config):
    batch = ShapesWorld(config).sample(300, seed=11, split="all")
    readings = read_clips(batch.video)
    wrong = [(batch.captions[i], r.as_dict()) for i, r in enumerate(readings)
             if r.as_dict() != {k: batch.objects(i)[0][k] for k in KEYS}]
    assert wrong == []
    assert min(r.match for r in readings) > 0.8  # sub-pixel centroids cost a little at 16 x 16


def test_reader_on_images():
    batch = ShapesWorld(WorldConfig(frames=1, textured=True)).sample(200, seed=4, split="all")
    readings = read_images(batch.images)
    assert accuracy(readings, batch) == 1.0
    assert all(r.motion is None for r in readings)


def test_reader_degrades_gracefully_with_noise():
    batch = ShapesWorld().sample(100, seed=5, split="all")
    g = torch.Generator().manual_seed(0)
    scores = [accuracy(read_clips((batch.video + s * torch.randn(batch.video.shape, generator=g)).clamp(-1, 1)), batch)
              for s in (0.0, 0.2, 0.5, 1.0)]
    assert scores[0] == 1.0 and scores[1] >= 0.98 and scores[2] >= 0.9
    assert scores[3] < scores[2]  # pure mush is not read as a shape


def test_reader_finds_nothing_in_a_grey_clip():
    reading = read_clips(torch.full((1, 3, 16, 32, 32), -0.8))[0]
    assert reading.shape is None and reading.motion is None and torch.isnan(reading.path).all()


@pytest.mark.parametrize("bad", [torch.zeros(3, 16, 32, 32), torch.zeros(2, 1, 16, 32, 32), "clip"])
def test_reader_rejects_bad_shapes(bad):
    with pytest.raises(ValueError, match=r"\(B, 3, T, H, W\)"):
        read_clips(bad)
