"""Temporal consistency measures on real clips, on flickering ones and on bad input."""
import pytest
import torch

from toolkit.data import ShapesWorld, WorldConfig
from toolkit.eval.temporal import consistency

pytestmark = pytest.mark.usefixtures("one_thread")
CLIPS = ShapesWorld(WorldConfig()).sample(24, seed=5).video


def test_real_clips_are_consistent():
    scores = consistency(CLIPS)
    assert scores["identity_changes"] == 0 and scores["path_jerk_px"] < 0.2 and scores["visible"] == 1
    assert 0 < scores["frame_change"] < 0.05


def test_frames_from_different_clips_flicker():
    mixed = torch.stack([torch.stack([CLIPS[(i + 5 * t) % 24, :, t] for t in range(16)], dim=1) for i in range(24)])
    scores = consistency(mixed)
    assert scores["identity_changes"] > 0.5 and scores["path_jerk_px"] > 3
    assert scores["frame_change"] > 3 * consistency(CLIPS)["frame_change"]


def test_a_still_clip_is_perfectly_consistent_and_an_empty_one_is_invisible():
    still = consistency(CLIPS[:, :, :1].expand(-1, -1, 16, -1, -1))
    assert still["identity_changes"] == 0 and still["path_jerk_px"] == 0 and still["frame_change"] == 0
    assert consistency(torch.zeros(2, 3, 8, 32, 32))["visible"] == 0


@pytest.mark.parametrize("bad", [torch.zeros(2, 3, 32, 32), torch.zeros(2, 1, 8, 32, 32), torch.zeros(2, 3, 2, 32, 32),
                                 "clips"])
def test_bad_input(bad):
    with pytest.raises(ValueError, match="clips|frames"):
        consistency(bad)
