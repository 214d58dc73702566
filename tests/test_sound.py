"""The shapes world's soundtrack: the hum names the shape, the clicks fall on the bounce frames."""
import pytest
import torch

from toolkit.data import ShapesWorld, WorldConfig
from toolkit.data import sound

pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.mark.parametrize("objects", [1, 2])
def test_clicks_fall_on_the_bounce_frames(objects):
    batch = ShapesWorld(WorldConfig(objects=objects)).sample(48, seed=1, split="all")
    audio = sound.soundtrack(batch)
    assert audio.shape == (48, 16 * sound.SAMPLES_PER_FRAME) and audio.abs().max() <= 1
    assert any(f >= 0 for f in batch.bounce_frame.flatten().tolist())           # some clips bounce
    for i in range(48):
        expected = sorted({int(f) for f in batch.bounce_frame[i] if f >= 0})
        assert sound.click_frames(audio[i]) == expected


def test_hum_pitch_names_the_shape():
    batch = ShapesWorld().sample(40, seed=2, split="all")
    expected = torch.tensor([sound.PITCH[batch.objects(i)[0]["shape"]] for i in range(40)])
    assert (sound.hum_pitch(sound.soundtrack(batch)) - expected).abs().max() < 1.0     # FFT bins are 0.5 Hz


def test_same_clip_same_sound_and_clear_errors():
    world = ShapesWorld()
    assert torch.equal(sound.soundtrack(world.sample(3, seed=4)), sound.soundtrack(world.sample(3, seed=4)))
    with pytest.raises(ValueError, match="images have no soundtrack"):
        sound.soundtrack(ShapesWorld(WorldConfig(frames=1)).sample(2, seed=0))
    with pytest.raises(ValueError, match="multiple of 8"):
        sound.soundtrack(world.sample(1, seed=0), sample_rate=8001)
    with pytest.raises(ValueError, match="one waveform"):
        sound.click_frames(torch.zeros(2, 16000))


def test_mp4_with_sound_has_both_streams_and_refuses_a_soundtrack_of_the_wrong_length(tmp_path):
    import subprocess

    import imageio_ffmpeg

    from toolkit.viz.animation import save_with_sound
    batch = ShapesWorld().sample(1, seed=3)
    audio = sound.soundtrack(batch)[0]
    path = save_with_sound(batch.video[0], audio, tmp_path / "clip.mp4")
    info = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-i", str(path)], capture_output=True, text=True).stderr
    assert "Video: h264" in info and "Audio: aac" in info and "Duration: 00:00:02.00" in info
    with pytest.raises(ValueError, match="16000 samples"):
        save_with_sound(batch.video[0], audio[:-1], tmp_path / "short.mp4")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clip.mp4"]          # nothing half-written
