"""A video VAE that compresses time as well as space, with causal 3-D convolutions.

Inside, small to large:
    CausalConv3d     a 3-D convolution that sees the present and the past frames only
    FrameGroupNorm   GroupNorm over each frame on its own (a norm over the whole clip would let the future leak in)
    CausalLayers     the 3-D twins of vae.ImageLayers: conv, norm, down (space, and time at the first levels), up
    VideoVAE         vae.VAE built from CausalLayers, with clip-shaped checks; encode, decode, to_latent as there

    vae = VideoVAE.from_preset("cpu")           # (3, 16, 32, 32) -> (8, 4, 8, 8): time / 4, space / 4
    posterior = vae.encode(video)               # video (B, 3, T, H, W) in [-1, 1] -> DiagonalGaussian
    z = posterior.sample(generator)             # (B, 8, T/4, H/4, W/4)
    video_hat = vae.decode(z)                   # (B, 3, T, H, W)

Causal in time, as the video VAEs of CogVideoX (Yang et al. 2024, arXiv:2408.06072, sec. 2.1), Wan 2.1
(arXiv:2503.20314) and Open-Sora (arXiv:2412.20404) are: every convolution pads its input with
k_t − stride_t frames before the clip (copies of the first frame, as CogVideoX) and none after. So

    latent frame j depends on input frames 0 .. f·(j + 1) − 1 only          (f = time_factor)
    output frame t depends on latent frames 0 .. ⌊t / f⌋ only

which is what lets those models encode and decode long videos in chunks, carrying a cache of past frames,
and what makes a latent frame mean "these f frames", never "these f frames and a peek at the next ones".

Frame counts. T must be a multiple of the time factor f: latent frame j summarises frames f·j .. f·j + f − 1,
so 16 frames -> 4 latent frames (f = 4) or 8 (f = 2). CogVideoX and Wan use T = 1 + 4k instead and encode the
first frame alone, so that a still image is a one-frame video; the shapes world's clips are 16 frames long and
no image goes through this model, so we keep the simpler rule. Other counts are refused with a ValueError
that lists the allowed ones: trim or pad the clip.
"""
import math
from dataclasses import dataclass

import torch
import torch.nn as nn
from einops import rearrange

from .vae import VAE, Upsample, VAEConfig


@dataclass(frozen=True)
class VideoVAEConfig(VAEConfig):
    latent_channels: int = 8            # twice the image VAE's: one latent frame holds 4 frames
    channels: tuple = (16, 32, 64)      # narrower than the image VAE's: the first level runs on every frame
    time_factor: int = 4                # 1, 2 or 4: time is halved at the first log2(time_factor) downsamplings

    def __post_init__(self):
        super().__post_init__()
        if self.time_factor < 1 or self.time_factor & (self.time_factor - 1) or self.time_factor > self.spatial_factor:
            raise ValueError(f"time_factor must be a power of 2 from 1 to the spatial factor {self.spatial_factor} "
                             f"(time is halved only where space is), got {self.time_factor}")

    @property
    def time_levels(self) -> int:
        """How many of the downsamplings halve time too."""
        return int(math.log2(self.time_factor))


PRESETS = {
    # For unit tests: ~0.15 M parameters, still (16, 32, 32) -> (4, 8, 8).
    "cpu-tiny": VideoVAEConfig(channels=(8, 16, 16), norm_groups=4, latent_channels=4),
    # The shipped shapes video VAE: 1.5 M parameters (3x3x3 kernels: 3 times a 2-D one's weights).
    "cpu": VideoVAEConfig(),
    # About half CogVideoX's widths (its VAE: 128, 256, 256, 512 over four levels), for a GPU: ~33 M parameters.
    "gpu": VideoVAEConfig(channels=(64, 128, 256), num_res_blocks=2, norm_groups=32, latent_channels=16),
}


class CausalConv3d(nn.Conv3d):
    """A k x k x k convolution over (T, H, W) that never looks ahead in time.

    Time: pad k − stride_t frames before the clip, copies of its first frame (CogVideoX's choice; Wan pads
    zeros), and none after, so output frame i sees input frames i·s − (k − s) .. i·s + s − 1. Space: the
    usual symmetric zero padding.
    """

    def __init__(self, in_ch: int, out_ch: int, kernel: int = 3, stride: tuple = (1, 1, 1)):
        super().__init__(in_ch, out_ch, kernel, stride=stride, padding=(0, kernel // 2, kernel // 2))
        self.time_pad = kernel - stride[0]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # x (B, C, T, H, W)
        past = x[:, :, :1].expand(-1, -1, self.time_pad, -1, -1)          # (B, C, k − s, H, W)
        return super().forward(torch.cat([past, x], dim=2))                # (B, C', T / s_t, H / s, W / s)


class FrameGroupNorm(nn.GroupNorm):
    """GroupNorm with statistics from each frame alone. nn.GroupNorm on (B, C, T, H, W) would average over
    all T frames, so frame 0's output would depend on frame 15: the encoder would not be causal.
    (Wan's VAE normalises each position over its channels for the same reason.)"""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        frames = rearrange(x, "b c t h w -> (b t) c h w")
        return rearrange(super().forward(frames), "(b t) c h w -> b c t h w", b=x.shape[0])


class CausalLayers:
    """vae.ImageLayers in 3-D, causal in time. Downsampling at encoder level < time_levels halves T too;
    up(ch, level) undoes down(ch, level)."""

    def __init__(self, time_levels: int):
        self.time_levels = time_levels

    def conv(self, in_ch: int, out_ch: int, kernel: int = 3) -> nn.Module:
        return CausalConv3d(in_ch, out_ch, kernel)

    def norm(self, ch: int, groups: int) -> nn.Module:
        return FrameGroupNorm(groups, ch)

    def down(self, ch: int, level: int) -> nn.Module:
        """(B, C, T, H, W) -> (B, C, T/2 or T, H/2, W/2): a strided causal convolution."""
        return CausalConv3d(ch, ch, 3, stride=(2 if level < self.time_levels else 1, 2, 2))

    def up(self, ch: int, level: int) -> nn.Module:
        """(B, C, T, H, W) -> (B, C, 2T or T, 2H, 2W): repeat each latent frame and pixel, then a causal
        convolution, so decoded frame t still depends on latent frames 0 .. ⌊t / f⌋ only."""
        return Upsample(self.conv(ch, ch), scale=(2 if level < self.time_levels else 1, 2, 2))


class VideoVAE(VAE):
    """vae.VAE with causal 3-D layers: encode (B, 3, T, H, W) -> DiagonalGaussian over (B, C, T/f_t, H/f, W/f)."""

    presets = PRESETS
    latent_axes = ("t", "h", "w")

    def __init__(self, config: VideoVAEConfig = VideoVAEConfig()):
        super().__init__(config)

    @staticmethod
    def make_layers(config: VideoVAEConfig) -> CausalLayers:
        return CausalLayers(config.time_levels)

    def allowed_frames(self, up_to: int = 32) -> list[int]:
        """The clip lengths this VAE encodes, up to `up_to`: the multiples of the time factor."""
        f = self.config.time_factor
        return list(range(f, up_to + 1, f))

    def latent_shape(self, shape: tuple) -> tuple:
        """The shape of z for a clip of `shape` (B, 3, T, H, W); raises ValueError for shapes it cannot encode."""
        B, _, T, H, W = self.check_input(torch.empty(shape, device="meta")).shape
        c = self.config
        return (B, c.latent_channels, T // c.time_factor, H // c.spatial_factor, W // c.spatial_factor)

    def check_input(self, x: torch.Tensor) -> torch.Tensor:
        c, f = self.config, self.config.spatial_factor
        if x.ndim != 5:
            raise ValueError(f"x must be clips (B, C, T, H, W), got shape {tuple(x.shape)}"
                             + ("; add a time axis (x[:, :, None]) or use the image VAE" if x.ndim == 4 else ""))
        if x.shape[1] != c.in_channels:
            raise ValueError(f"x has {x.shape[1]} channels but the VAE was built for in_channels={c.in_channels}; "
                             "clips are (B, C, T, H, W), channels before time")
        T, H, W = x.shape[-3:]
        if T % c.time_factor or T == 0:
            allowed = ", ".join(map(str, self.allowed_frames(max(4 * c.time_factor, T))))
            raise ValueError(f"a clip of {T} frames cannot be encoded: the frame count must be a multiple of the "
                             f"time factor {c.time_factor} ({allowed}, ...); trim or pad the clip")
        if H % f or W % f:
            raise ValueError(f"H and W must be multiples of the spatial factor {f}, got {H} x {W}; "
                             "pad or crop the frames")
        return x
