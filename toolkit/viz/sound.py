"""Sound under pictures: a clip's frames above its waveform and its spectrogram, on one time axis.

    fig = sound_figure(video[0], audio[0], title="a big red circle moving left then right")
    fig = sound_figure(video[0], audio[0], marks={"bounce": [7], "click": [7]})

Frame t of a clip at `fps` frames a second is shown from t / fps seconds on, over the 1/fps seconds of sound that
go with it, so a click that belongs to frame 7 sits under frame 7.
"""
import matplotlib.pyplot as plt
import torch

from .figures import to_numpy_image

MARK_COLOURS = {"bounce": "tab:orange", "click": "tab:red"}


def spectrogram(audio: torch.Tensor, window: int = 256, hop: int = 64) -> torch.Tensor:
    """(samples,) -> (window / 2 + 1, frames) magnitudes in dB (a Hann-windowed short-time Fourier transform)."""
    stft = torch.stft(audio.float(), window, hop, window=torch.hann_window(window), return_complex=True)
    return 20 * torch.log10(stft.abs() + 1e-4)


def sound_figure(video: torch.Tensor, audio: torch.Tensor, sample_rate: int = 8000, fps: int = 8,
                 title: str | None = None, marks: dict | None = None, max_hz: float = 2500.0):
    """One clip (3, T, H, W) in [-1, 1] and its waveform (samples,): frames, waveform and spectrogram, aligned.
    marks: {"bounce": [frames], "click": [frames]}: vertical lines at the start of those frames."""
    if video.ndim != 4 or video.shape[0] != 3:
        raise ValueError(f"video must be one clip (3, T, H, W), got shape {tuple(video.shape)}")
    T = video.shape[1]
    if audio.ndim != 1 or audio.shape[0] * fps != T * sample_rate:
        raise ValueError(f"audio must be one waveform of {T} frames / {fps} fps x {sample_rate} Hz = "
                         f"{T * sample_rate // fps} samples, got shape {tuple(audio.shape)}")
    seconds = T / fps
    audio = audio.detach().cpu()
    fig, (top, wave, spec) = plt.subplots(3, 1, figsize=(9, 4.6), sharex=True,
                                          gridspec_kw={"height_ratios": [1.1, 1, 1.4]})
    strip = torch.cat(list(video.detach().cpu().float().unbind(1)), dim=-1)               # (3, H, T·W)
    top.imshow(to_numpy_image(strip), extent=(0, seconds, 0, 1), aspect="auto", interpolation="nearest")
    top.set_yticks([])
    top.set_title(title or "", fontsize=9)
    t = torch.arange(len(audio)) / sample_rate
    wave.plot(t, audio, lw=0.5, color="k")
    wave.set(ylim=(-1, 1), ylabel="waveform")
    db = spectrogram(audio)
    spec.imshow(db.numpy(), origin="lower", aspect="auto", cmap="magma", vmin=float(db.max()) - 70,
                extent=(0, seconds, 0, sample_rate / 2))
    spec.set(ylim=(0, max_hz), ylabel="Hz", xlabel="seconds")
    for ax in (top, wave, spec):
        for frame in range(1, T):
            ax.axvline(frame / fps, color="0.75", lw=0.4, zorder=0)
    for kind, frames in (marks or {}).items():
        for i, frame in enumerate(frames):
            for ax in (wave, spec):
                ax.axvline(frame / fps, color=MARK_COLOURS.get(kind, "tab:blue"), lw=1.2, ls="--",
                           label=kind if ax is wave and i == 0 else None)
    if marks:
        wave.legend(loc="upper right", fontsize=7)
    fig.tight_layout()
    return fig
