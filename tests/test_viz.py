"""Figures and animations: the right shapes, files written whole, clear errors."""
import imageio.v3 as iio
import matplotlib
import pytest
import torch

from toolkit.data import ShapesWorld
from toolkit.viz import animation, show_clips, show_images

matplotlib.use("Agg")


def test_animation_files_have_every_frame(tmp_path):
    video = ShapesWorld().sample(2, seed=0).video
    for suffix in (".mp4", ".gif"):
        path = animation.save(video, tmp_path / f"clip{suffix}", scale=2)
        frames = iio.imread(path)
        assert frames.shape[0] == 16 and frames.shape[1] == 64
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clip.gif", "clip.mp4"]  # no temporary left
    assert "<video" in animation.inline(video[0]).data or "<script" in animation.inline(video[0]).data


def test_figures_and_bad_input(tmp_path):
    batch = ShapesWorld().sample(3, seed=0)
    assert len(show_clips(batch.video, batch.captions, frames=4).axes) == 12
    assert len(show_images(batch.images, batch.captions, columns=2).axes) == 4
    with pytest.raises(ValueError, match=r"\(B, 3, T, H, W\)"):
        show_clips(batch.images)
    with pytest.raises(ValueError, match=".mp4 or .gif"):
        animation.save(batch.video, tmp_path / "clip.avi")
    with pytest.raises(ValueError, match="clip"):
        animation.save(torch.zeros(16, 32, 32), tmp_path / "clip.gif")
