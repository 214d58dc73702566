"""The audio autoencoder: a waveform cut into one patch per video frame, each squeezed to a few numbers.

    ae = AudioAutoencoder()                       # 1000-sample patches (1/8 s at 8 kHz) -> 16 numbers each
    z = ae.encode(audio)                          # (B, 16000) -> (B, 16, 16): 16 latent frames of 16 channels
    audio_hat = ae.decode(z)                      # (B, 16, 16) -> (B, 16000)

Why patches of exactly one video frame: latent frame i then holds the sound of video frame i, so the audio
latent's frames line up with the video's (four of them with each frame of the video VAE's latent, which
compresses time by 4), and a transformer can give both streams positions on one time axis in seconds.
Each patch is encoded on its own by the same small MLP (as a Conv1d with kernel = stride = patch would):
production audio codecs (EnCodec, DAC, the audio VAE of Stable Audio) use strided convolutions over
overlapping windows instead, which this world's pure tones and clicks do not need.

The latent is deterministic (a plain autoencoder, not a VAE): the diffusion model reads it scaled to unit
standard deviation by `scaling_factor`, measured on training sound as for the video VAE.
"""
from dataclasses import dataclass

import torch
import torch.nn as nn
from einops import rearrange

from ..runtime import from_preset


@dataclass(frozen=True)
class AudioAutoencoderConfig:
    patch: int = 1000                 # samples per latent frame: one video frame at 8 kHz and 8 frames a second
    channels: int = 16                # numbers per latent frame
    hidden: int = 48                  # small: the shipped weights share assets/'s 40 MB with every other model

    def __post_init__(self):
        if self.patch < 1 or self.channels < 1 or self.hidden < 1:
            raise ValueError(f"patch, channels and hidden must be positive, got {self}")


PRESETS = {"cpu-tiny": AudioAutoencoderConfig(channels=4, hidden=8), "cpu": AudioAutoencoderConfig()}


class AudioAutoencoder(nn.Module):
    def __init__(self, config: AudioAutoencoderConfig = AudioAutoencoderConfig()):
        super().__init__()
        self.config = c = config
        self.encoder = nn.Sequential(nn.Linear(c.patch, c.hidden), nn.SiLU(), nn.Linear(c.hidden, c.channels))
        self.decoder = nn.Sequential(nn.Linear(c.channels, c.hidden), nn.SiLU(), nn.Linear(c.hidden, c.patch))
        self.register_buffer("scaling_factor", torch.tensor(1.0))     # set after training: 1 / std of the latent

    @classmethod
    def from_preset(cls, name: str, **overrides) -> "AudioAutoencoder":
        return cls(from_preset(PRESETS, name, "audio autoencoder", **overrides))

    def latent_shape(self, samples: int) -> tuple:
        """(channels, frames) of the latent of a waveform of `samples` samples."""
        if samples % self.config.patch:
            raise ValueError(f"a waveform of {samples} samples does not cut into patches of {self.config.patch}: "
                             f"use a whole number of video frames of sound")
        return self.config.channels, samples // self.config.patch

    def encode(self, audio: torch.Tensor) -> torch.Tensor:
        """(B, samples) waveforms in [-1, 1] -> (B, channels, frames) latents (unscaled)."""
        if audio.ndim != 2:
            raise ValueError(f"audio must be waveforms (B, samples), got shape {tuple(audio.shape)}")
        self.latent_shape(audio.shape[1])
        patches = rearrange(audio, "b (f p) -> b f p", p=self.config.patch)
        return rearrange(self.encoder(patches), "b f c -> b c f")

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """(B, channels, frames) latents (unscaled) -> (B, frames · patch) waveforms."""
        if z.ndim != 3 or z.shape[1] != self.config.channels:
            raise ValueError(f"z must be audio latents (B, {self.config.channels}, frames), got shape {tuple(z.shape)}")
        return rearrange(self.decoder(rearrange(z, "b c f -> b f c")), "b f p -> b (f p)")

    def forward(self, audio: torch.Tensor) -> torch.Tensor:
        return self.decode(self.encode(audio))

    def to_latent(self, audio: torch.Tensor) -> torch.Tensor:
        """Scaled latents, as the diffusion model sees them."""
        return self.encode(audio) * self.scaling_factor

    def from_latent(self, z: torch.Tensor) -> torch.Tensor:
        """Waveforms in [-1, 1] from scaled latents."""
        return self.decode(z / self.scaling_factor).clamp(-1, 1)
