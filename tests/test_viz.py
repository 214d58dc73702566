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


def test_trajectory_views_clip_and_scrubber():
    from toolkit.diffusion import GaussianData, ddpm_schedule, ddpm_sigmas, sample_ddim
    from toolkit.viz.trajectory import progression_clip, progression_figure, timestep_scrubber, views

    data = GaussianData(torch.zeros(3 * 8 * 8), torch.full((3 * 8 * 8,), 0.5))
    sigmas = ddpm_sigmas(ddpm_schedule("linear"), 6)
    start = torch.randn(2, 3, 8, 8, generator=torch.Generator().manual_seed(0)) * sigmas[0]
    denoiser = lambda x, sigma: data.denoise(x.flatten(1), sigma).view_as(x)  # noqa: E731
    _, trajectory = sample_ddim(denoiser, start, sigmas, return_trajectory=True)
    assert set(views(trajectory, 0)) == {"x_t", "predicted x0", "predicted noise"}
    assert progression_clip(trajectory, indices=(0, 1), frames=4).shape == (2, 3, 5, 8, 17)
    assert len(progression_figure(trajectory, columns=4).axes) == 12
    assert timestep_scrubber(trajectory).children[0].max == 5
    with pytest.raises(ValueError, match="step must be in 0..5"):
        views(trajectory, 6)
