"""Animations: any clip or trajectory as an inline HTML5 video, an mp4 or a GIF.

matplotlib writes mp4 through ffmpeg; the one bundled with imageio-ffmpeg is used, so
nothing needs installing. Without ffmpeg, `inline` falls back to JavaScript HTML.
"""
from pathlib import Path

import imageio.v3 as iio
import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import torch
from einops import rearrange
from matplotlib import animation

from .figures import to_numpy_image

try:
    import imageio_ffmpeg
    matplotlib.rcParams["animation.ffmpeg_path"] = imageio_ffmpeg.get_ffmpeg_exe()
except (ImportError, RuntimeError):  # no ffmpeg: inline() uses JavaScript HTML instead
    imageio_ffmpeg = None


def _frames(video: torch.Tensor) -> torch.Tensor:
    """(3, T, H, W) or (B, 3, T, H, W) -> (T, 3, H, W'): a batch side by side, white gaps between."""
    if video.ndim == 4:
        video = video[None]
    if video.ndim != 5 or video.shape[1] != 3:
        raise ValueError(f"expected a clip (3, T, H, W) or clips (B, 3, T, H, W), got {tuple(video.shape)}")
    video = video.detach().cpu().float()
    gap = torch.ones(*video.shape[:-1], 1)                                   # (B, 3, T, H, 1)
    tiled = rearrange(torch.cat([video, gap], -1), "b c t h w -> t c h (b w)")
    return tiled[..., :-1]                                                   # drop the last gap


def inline(video: torch.Tensor, fps: int = 8, scale: float = 2.0, title: str | None = None):
    """An IPython HTML animation of a clip or a batch of clips, in [-1, 1]."""
    from IPython.display import HTML
    frames = _frames(video)
    T, _, H, W = frames.shape
    width = min(scale * W / 32, 9.0)                          # inches; wide batches are scaled down
    fig, ax = plt.subplots(figsize=(width, width * H / W + (0.3 if title else 0)), dpi=72)
    ax.axis("off")
    if title:
        ax.set_title(title, fontsize=9)
    image = ax.imshow(to_numpy_image(frames[0]), interpolation="nearest")
    fig.tight_layout()
    anim = animation.FuncAnimation(fig, lambda t: image.set_data(to_numpy_image(frames[t])),
                                   frames=T, interval=1000 / fps)
    html = anim.to_html5_video() if imageio_ffmpeg else anim.to_jshtml()
    plt.close(fig)
    return HTML(html)


def to_uint8(video: torch.Tensor, scale: int = 4) -> np.ndarray:
    """(T, H*scale, W*scale, 3) uint8 frames, enlarged with nearest-neighbour pixels."""
    frames = _frames(video)
    frames = frames.repeat_interleave(scale, -1).repeat_interleave(scale, -2)
    return ((frames.clamp(-1, 1) + 1) * 127.5).round().byte().permute(0, 2, 3, 1).numpy()


def save(video: torch.Tensor, path, fps: int = 8, scale: int = 4) -> Path:
    """Write a clip to .mp4 or .gif (by suffix), atomically; returns the path."""
    path = Path(path)
    if path.suffix not in (".mp4", ".gif"):
        raise ValueError(f"save writes .mp4 or .gif files, not {path.suffix!r}")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.tmp{path.suffix}")
    frames = to_uint8(video, scale)
    try:
        if path.suffix == ".gif":
            iio.imwrite(tmp, frames, extension=".gif", duration=1000 / fps, loop=0)
        else:
            iio.imwrite(tmp, frames, extension=".mp4", fps=fps, codec="libx264", macro_block_size=1)
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def save_with_sound(video: torch.Tensor, audio: torch.Tensor, path, sample_rate: int = 8000, fps: int = 8,
                    scale: int = 4) -> Path:
    """Write a clip (3, T, H, W) and its soundtrack (samples,) in [-1, 1] to one .mp4 (H.264 and AAC), atomically.
    The sound must last as long as the picture: T / fps seconds."""
    import wave
    path = Path(path)
    if path.suffix != ".mp4":
        raise ValueError(f"save_with_sound writes .mp4 files, not {path.suffix!r}")
    if imageio_ffmpeg is None:
        raise RuntimeError("writing sound needs ffmpeg: pip install imageio-ffmpeg")
    frames = to_uint8(video, scale)
    if audio.ndim != 1 or audio.shape[0] * fps != len(frames) * sample_rate:
        raise ValueError(f"the soundtrack must be one waveform of {len(frames)} frames / {fps} fps x {sample_rate} "
                         f"Hz = {len(frames) * sample_rate // fps} samples, got shape {tuple(audio.shape)}")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp, wav = path.with_name(f".{path.stem}.tmp.mp4"), path.with_name(f".{path.stem}.tmp.wav")
    try:
        with wave.open(str(wav), "wb") as w:                 # 16-bit mono PCM
            w.setnchannels(1), w.setsampwidth(2), w.setframerate(sample_rate)
            w.writeframes((audio.clamp(-1, 1) * 32767).round().short().numpy().tobytes())
        writer = imageio_ffmpeg.write_frames(str(tmp), (frames.shape[2], frames.shape[1]), fps=fps, codec="libx264",
                                             macro_block_size=1, audio_path=str(wav), audio_codec="aac",
                                             output_params=["-shortest", "-b:a", "32k"],   # AAC at 8 kHz: at most 48k
                                             ffmpeg_log_level="error")
        writer.send(None)                                    # start ffmpeg
        for frame in frames:
            writer.send(np.ascontiguousarray(frame))
        writer.close()
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
        wav.unlink(missing_ok=True)
    return path
