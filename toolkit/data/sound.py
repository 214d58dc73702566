"""The shapes world's soundtrack: every object hums, every bounce clicks (notebook 09).

    batch = ShapesWorld().sample(4, seed=0)
    audio = soundtrack(batch)          # (4, 16000): 2 s at 8 kHz, for 16 frames at 8 frames a second
    hum_pitch(audio)                   # tensor([220.0, 330.0, ...]) Hz: which shape hums
    click_frames(audio[0])             # [7]: the frame of the bounce

The sound is derived from the clip's ground truth, so sound and picture agree by construction:
  * every object hums a sine for the whole clip; its pitch names its shape (PITCH: an A major chord), its
    loudness its size, with 10 ms fades so that the start and the end do not click;
  * every bounce off a wall clicks: a 2 kHz tone dying away within about 20 ms, starting at the first sample
    of the frame where the object touches the wall (batch.bounce_frame).
Clips play at FPS = 8 frames a second and SAMPLES_PER_FRAME = 1000 samples go with each frame: frame t is
samples [1000 t, 1000 (t + 1)). A whole number of samples per frame lets an audio latent's frames line up with
the video latent's.

The click is told from the hum by curvature: the second difference of a sine of frequency f and amplitude a
peaks at a·(2 sin(π f / SAMPLE_RATE))², 0.009 for the loudest hum and 1.2 for a click.
"""
import math

import torch

from .vocab import SHAPES, SIZE_NAMES

SAMPLE_RATE = 8000
FPS = 8
SAMPLES_PER_FRAME = SAMPLE_RATE // FPS
PITCH = {"circle": 220.0, "square": 277.18, "triangle": 329.63, "cross": 440.0}     # A3, C#4, E4, A4
LOUDNESS = {"small": 0.15, "large": 0.3}
CLICK_HZ, CLICK_DECAY_S, CLICK_AMPLITUDE = 2000.0, 0.004, 0.6
FADE_S = 0.01
CLICK_THRESHOLD = 0.2            # on the largest |second difference| within a frame
assert tuple(PITCH) == SHAPES and tuple(LOUDNESS) == SIZE_NAMES, "sound tables out of step with vocab"


def soundtrack(batch, sample_rate: int = SAMPLE_RATE) -> torch.Tensor:
    """(B, T · sample_rate / FPS) waveforms in [-1, 1] for a ShapesBatch of clips (B, 3, T, H, W)."""
    if batch.video.shape[2] < 2:
        raise ValueError("images have no soundtrack: sample clips (frames >= 4), not images (frames=1)")
    if sample_rate % FPS:
        raise ValueError(f"sample_rate must be a multiple of {FPS} (a whole number of samples per frame), "
                         f"got {sample_rate}")
    per_frame = sample_rate // FPS
    B, T = batch.video.shape[0], batch.video.shape[2]
    t = torch.arange(T * per_frame, dtype=torch.float64) / sample_rate                     # seconds
    fade = torch.clamp(torch.minimum(t, t[-1] - t) / FADE_S, max=1.0)
    pitch = torch.tensor(list(PITCH.values()), dtype=torch.float64)[batch.shape]           # (B, N) Hz
    loudness = torch.tensor(list(LOUDNESS.values()), dtype=torch.float64)[batch.size]      # (B, N)
    hum = (loudness[..., None] * torch.sin(2 * math.pi * pitch[..., None] * t)).sum(dim=1) * fade

    click_t = torch.arange(per_frame, dtype=torch.float64) / sample_rate
    click = CLICK_AMPLITUDE * torch.exp(-click_t / CLICK_DECAY_S) * torch.sin(2 * math.pi * CLICK_HZ * click_t)
    clicks = torch.zeros(B, T * per_frame, dtype=torch.float64)
    for i, k in (batch.bounce_frame >= 0).nonzero().tolist():
        start = int(batch.bounce_frame[i, k]) * per_frame
        clicks[i, start:start + per_frame] += click
    return (hum + clicks).clamp(-1, 1).float()


def hum_pitch(audio: torch.Tensor, sample_rate: int = SAMPLE_RATE) -> torch.Tensor:
    """The loudest frequency between 100 and 1000 Hz, in Hz, of each waveform (..., samples)."""
    window = torch.hann_window(audio.shape[-1], periodic=False, dtype=audio.dtype)
    spectrum = torch.fft.rfft(audio * window).abs()
    freqs = torch.fft.rfftfreq(audio.shape[-1], 1 / sample_rate)
    band = (freqs >= 100) & (freqs <= 1000)
    return freqs[band][spectrum[..., band].argmax(dim=-1)]


def click_frames(audio: torch.Tensor, sample_rate: int = SAMPLE_RATE) -> list[int]:
    """The frames that hold a click, for one waveform (samples,)."""
    if audio.ndim != 1:
        raise ValueError(f"click_frames reads one waveform (samples,), got shape {tuple(audio.shape)}")
    per_frame = sample_rate // FPS
    curvature = (audio[2:] - 2 * audio[1:-1] + audio[:-2]).abs()                          # at samples 1 .. n-2
    curvature = torch.cat([curvature.new_zeros(1), curvature, curvature.new_zeros(1)])     # sample i at index i
    frames = curvature[: len(curvature) // per_frame * per_frame].view(-1, per_frame).amax(dim=1)
    return (frames > CLICK_THRESHOLD).nonzero()[:, 0].tolist()       # a click dies away within its frame
