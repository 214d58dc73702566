"""A small convolutional denoiser for photographs, told how noisy its input is.

Contents: `PhotoDenoiserConfig` (a frozen dataclass) and its named `PRESETS`, `ResBlock`, `PhotoDenoiser`.

The design follows FFDNet (Zhang, Zuo and Zhang, "FFDNet: Toward a fast and flexible solution for CNN based
image denoising", 2018): the image is folded into a half-resolution stack of 2x2 sub-images (pixel unshuffle),
so every convolution costs a quarter as much and sees twice as far, and the noise level σ enters as one
extra constant input map (in units of 25/255, so that it is of order one), so one network serves every
noise level. Like DnCNN (Zhang et al. 2017), it predicts the noise rather than the image (residual
learning): D(y, σ) = y − n̂(y, σ). Inside, residual blocks (He et al. 2016) with zero-initialised last
layers make the untrained network start as "no change"; measured here, that trains far faster on a CPU
than DnCNN's plain stack of convolutions without batch normalisation.
"""
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass(frozen=True)
class PhotoDenoiserConfig:
    # the network
    width: int = 64            # channels inside
    blocks: int = 4            # residual blocks (two 3x3 convolutions each)
    fold: int = 2              # pixel-unshuffle factor: convolutions run at 1/fold resolution
    # its training (toolkit.recipes.denoising.train_photo_denoiser)
    patch_size: int = 64
    batch_size: int = 16
    steps: int = 1800          # full run: under 5 minutes on one CPU core
    fast_steps: int = 30       # TOOLKIT_FAST=1
    lr: float = 3e-3           # Adam, linear warm-up then cosine decay to zero
    clip_grad_norm: float = 1.0
    sigma_min: float = 5 / 255   # training noise levels, uniform in [sigma_min, sigma_max]
    sigma_max: float = 100 / 255


PRESETS = {
    "cpu-tiny": PhotoDenoiserConfig(width=16, blocks=1, patch_size=32, batch_size=4, steps=40, fast_steps=10),
    "cpu": PhotoDenoiserConfig(),
    "gpu": PhotoDenoiserConfig(width=128, blocks=8, patch_size=96, batch_size=64, steps=20000, fast_steps=50),
}


def get_config(preset: str) -> PhotoDenoiserConfig:
    if preset not in PRESETS:
        raise ValueError(f"Unknown preset {preset!r}; choose one of {', '.join(PRESETS)}.")
    return PRESETS[preset]


class ResBlock(nn.Module):
    """x + conv(relu(conv(x))): starts as the identity when the second convolution is zero."""

    def __init__(self, width: int):
        super().__init__()
        self.conv1 = nn.Conv2d(width, width, 3, padding=1)
        self.conv2 = nn.Conv2d(width, width, 3, padding=1)

    def forward(self, x):
        return x + self.conv2(F.relu(self.conv1(x)))


class PhotoDenoiser(nn.Module):
    def __init__(self, config: PhotoDenoiserConfig = PhotoDenoiserConfig()):
        super().__init__()
        self.config = config
        folded = 3 * config.fold ** 2                                   # colour channels after unshuffle
        self.head = nn.Conv2d(folded + 1, config.width, 3, padding=1)   # +1: the noise-level map
        self.blocks = nn.Sequential(*[ResBlock(config.width) for _ in range(config.blocks)])
        self.tail = nn.Conv2d(config.width, folded, 3, padding=1)
        self.initialize_weights()

    def initialize_weights(self):
        # Every convolution: He initialisation for the ReLUs that follow, zero biases.
        for module in self.modules():
            if isinstance(module, nn.Conv2d):
                nn.init.kaiming_normal_(module.weight, nonlinearity="relu")
                nn.init.zeros_(module.bias)
        # Zero the last convolution of each block and of the tail: the untrained network predicts no noise,
        # so D(y, σ) = y, and each block starts as the identity.
        for block in self.blocks:
            nn.init.zeros_(block.conv2.weight)
        nn.init.zeros_(self.tail.weight)

    def forward(self, noisy: torch.Tensor, sigma: torch.Tensor) -> torch.Tensor:
        """noisy (B, 3, H, W) with H, W multiples of `fold`, sigma (B,) -> denoised estimate (B, 3, H, W)."""
        r = self.config.fold
        x = F.pixel_unshuffle(noisy - 0.5, r)                         # (B, 3r², H/r, W/r), centred
        level = (sigma.to(x.dtype) * 255 / 25)[:, None, None, None]  # in units of 25/255, so that it is O(1)
        level = level.expand(-1, 1, *x.shape[-2:])                    # (B, 1, H/r, W/r)
        h = self.head(torch.cat([x, level], dim=1))                   # (B, width, H/r, W/r)
        h = self.blocks(h)                                            # (B, width, H/r, W/r)
        noise = F.pixel_shuffle(self.tail(F.relu(h)), r)              # (B, 3, H, W): predicted σ·ε
        return noisy - noise

    @torch.no_grad()
    def denoise(self, noisy: torch.Tensor, sigma: float) -> torch.Tensor:
        """One image (3, H, W) of any size and its noise level -> the denoised image (3, H, W) in [0, 1]."""
        if noisy.ndim != 3 or noisy.shape[0] != 3:
            raise ValueError(f"denoise expects one image (3, H, W); got shape {tuple(noisy.shape)}.")
        height, width = noisy.shape[-2:]
        r = self.config.fold
        pad = (0, -width % r, 0, -height % r)                         # right and bottom, to multiples of r
        x = F.pad(noisy[None], pad, mode="replicate")                 # (1, 3, H', W')
        out = self(x, torch.tensor([float(sigma)]))[0, :, :height, :width]
        return out.clamp(0, 1)
