"""A small variational autoencoder (VAE) for images: what latent diffusion diffuses in.

Inside, small to large:
    DiagonalGaussian        the encoder's answer: a mean and a log-variance per latent value; sample, mode, KL
    ImageLayers             the 2-D building blocks (conv, norm, down, up); video_vae swaps in causal 3-D ones
    ResBlock                GroupNorm-SiLU-conv twice, plus the input (no time input: nothing here is noisy)
    Encoder, Decoder        the convolutional towers of Rombach et al. 2022 (LDM, arXiv:2112.10752, app. G),
                            without their attention block (the shapes world has no long-range structure)
    VAE                     encode(x) -> DiagonalGaussian, decode(z) -> x, and the scaled latents diffusion uses
    estimate_scaling_factor 1 / std of the latents, measured on data (Stable Diffusion's 0.18215)

    vae = VAE.from_preset("cpu")                   # 32 x 32 RGB -> 4 x 8 x 8, 0.77 M parameters
    posterior = vae.encode(x)                      # x (B, 3, 32, 32) in [-1, 1]
    z = posterior.sample(generator)                # (B, 4, 8, 8); posterior.mode() is the mean
    x_hat = vae.decode(z)                          # (B, 3, 32, 32)
    z = vae.to_latent(x)                           # scaled: about unit variance, what a diffusion model sees
    x_hat = vae.from_latent(z)

The VAE (Kingma & Welling 2014, arXiv:1312.6114) trains an encoder q(z | x) = N(μ(x), σ²(x)) and a decoder
x̂(z) on reconstruction error + β·KL(q(z | x) ‖ N(0, I)). With the small β of production VAEs the KL term does
not make q close to N(0, I); it only stops the encoder from using arbitrarily large or sharp latents, which keeps
the latent space smooth enough to diffuse in. The loss lives in toolkit.recipes.autoencoder.

Each residual branch's last convolution and the decoder's output convolution start at zero (ADM's zero_module,
DiT's initialize_weights): every ResBlock starts as the identity and a fresh decoder outputs exactly 0 (grey).
"""
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F

from ..runtime import from_preset


@dataclass(frozen=True)
class VAEConfig:
    in_channels: int = 3
    latent_channels: int = 4            # channels of z (LDM's f4 and Stable Diffusion's VAE: 4)
    channels: tuple = (32, 64, 64)      # width of each level; each level after the first halves H and W
    num_res_blocks: int = 1             # ResBlocks per level in the encoder; the decoder has one more (as LDM)
    norm_groups: int = 8                # GroupNorm groups

    def __post_init__(self):
        object.__setattr__(self, "channels", tuple(self.channels))     # a JSON manifest gives a list
        if any(w % self.norm_groups for w in self.channels):
            raise ValueError(f"every level's width {self.channels} must divide by norm_groups={self.norm_groups}")

    @property
    def spatial_factor(self) -> int:
        """How much smaller z is than x in H and W: 2 ** (levels - 1)."""
        return 2 ** (len(self.channels) - 1)


PRESETS = {
    # For unit tests: ~50 k parameters, still 32 x 32 -> 8 x 8.
    "cpu-tiny": VAEConfig(channels=(8, 16, 16), norm_groups=4),
    # The shipped shapes VAE: 0.77 M parameters; levels 32, 16, 8 pixels.
    "cpu": VAEConfig(),
    # LDM's KL-f4 widths (128, 256, 512, two ResBlocks a level), for a GPU and larger pictures: ~44 M parameters.
    "gpu": VAEConfig(channels=(128, 256, 512), num_res_blocks=2, norm_groups=32),
}


class DiagonalGaussian:
    """q(z | x) = N(mean, exp(logvar)), independently for every latent value.

    moments (B, 2·C, ...) is the encoder's output: C means, then C log-variances (the layout of LDM's
    DiagonalGaussianDistribution). Works for any rank: (B, 2C, h, w) images and (B, 2C, t, h, w) videos.
    """

    def __init__(self, moments: torch.Tensor):
        self.mean, logvar = moments.chunk(2, dim=1)
        self.logvar = logvar.clamp(-30.0, 20.0)            # as LDM: exp() stays finite in fp32
        self.std = torch.exp(0.5 * self.logvar)

    def sample(self, generator: torch.Generator | None = None) -> torch.Tensor:
        """z = mean + std·ε, ε ~ N(0, I) drawn from `generator` (the reparameterisation trick: z stays
        differentiable with respect to mean and std)."""
        device = generator.device if generator is not None else self.mean.device    # drawn where the generator is
        eps = torch.randn(self.mean.shape, generator=generator, device=device, dtype=self.mean.dtype).to(self.mean.device)
        return self.mean + self.std * eps

    def mode(self) -> torch.Tensor:
        """The most likely z: the mean. Deterministic, for evaluation and for reading a latent."""
        return self.mean

    def kl(self) -> torch.Tensor:
        """KL(q ‖ N(0, I)) in nats, summed over every latent value of a sample: (B,).

        For one value: ½ (μ² + σ² − 1 − log σ²), zero exactly when μ = 0 and σ = 1
        (Kingma & Welling 2014, app. B).
        """
        per_value = 0.5 * (self.mean.pow(2) + self.logvar.exp() - 1.0 - self.logvar)
        return per_value.flatten(1).sum(dim=1)


class ImageLayers:
    """The 2-D building blocks of the encoder and decoder. `level` (ignored here) lets the video VAE decide
    at which levels time is halved too."""

    def conv(self, in_ch: int, out_ch: int, kernel: int = 3) -> nn.Module:
        return nn.Conv2d(in_ch, out_ch, kernel, padding=kernel // 2)

    def norm(self, ch: int, groups: int) -> nn.Module:
        return nn.GroupNorm(groups, ch)

    def down(self, ch: int, level: int) -> nn.Module:
        """(B, C, H, W) -> (B, C, H/2, W/2): a strided 3x3 convolution."""
        return nn.Conv2d(ch, ch, 3, stride=2, padding=1)

    def up(self, ch: int, level: int) -> nn.Module:
        """(B, C, H, W) -> (B, C, 2H, 2W): nearest-neighbour, then a 3x3 convolution (no checkerboard)."""
        return Upsample(self.conv(ch, ch), scale=(2, 2))


class Upsample(nn.Module):
    """Repeat every value `scale` times along each axis after the channels, then convolve."""

    def __init__(self, conv: nn.Module, scale: tuple):
        super().__init__()
        self.conv, self.scale = conv, tuple(float(s) for s in scale)

    def forward(self, x):
        return self.conv(F.interpolate(x, scale_factor=self.scale, mode="nearest"))


class ResBlock(nn.Module):
    """x + conv(SiLU(norm(conv(SiLU(norm(x)))))), with a 1x1 convolution on x when the width changes."""

    def __init__(self, in_ch: int, out_ch: int, layers, groups: int):
        super().__init__()
        self.norm1, self.conv1 = layers.norm(in_ch, groups), layers.conv(in_ch, out_ch)
        self.norm2, self.conv2 = layers.norm(out_ch, groups), layers.conv(out_ch, out_ch)
        self.skip = layers.conv(in_ch, out_ch, kernel=1) if in_ch != out_ch else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.conv1(F.silu(self.norm1(x)))
        h = self.conv2(F.silu(self.norm2(h)))
        return self.skip(x) + h


class Encoder(nn.Module):
    """x (B, 3, H, W) -> moments (B, 2·latent_channels, H/f, W/f), f = config.spatial_factor.
    With video_vae's layers the same code maps (B, 3, T, H, W) -> (B, 2·latent_channels, T/f_t, H/f, W/f)."""

    def __init__(self, config: VAEConfig, layers):
        super().__init__()
        c, widths = config, config.channels
        self.conv_in = layers.conv(c.in_channels, widths[0])
        blocks, ch = [], widths[0]
        for level, width in enumerate(widths):
            for _ in range(c.num_res_blocks):
                blocks.append(ResBlock(ch, width, layers, c.norm_groups))
                ch = width
            if level < len(widths) - 1:
                blocks.append(layers.down(ch, level))
        blocks.append(ResBlock(ch, ch, layers, c.norm_groups))              # the middle, at the lowest resolution
        self.blocks = nn.Sequential(*blocks)
        self.norm_out = layers.norm(ch, c.norm_groups)
        self.conv_out = layers.conv(ch, 2 * c.latent_channels)              # means and log-variances

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.blocks(self.conv_in(x))                                    # (B, C, H/f, W/f)
        return self.conv_out(F.silu(self.norm_out(h)))                      # (B, 2·latent, H/f, W/f)


class Decoder(nn.Module):
    """z (B, latent_channels, h, w) -> x (B, 3, f·h, f·w): the encoder in reverse, one more ResBlock a level."""

    def __init__(self, config: VAEConfig, layers):
        super().__init__()
        c, widths = config, config.channels
        ch = widths[-1]
        self.conv_in = layers.conv(c.latent_channels, ch)
        blocks = [ResBlock(ch, ch, layers, c.norm_groups)]                  # the middle
        for level in reversed(range(len(widths))):
            for _ in range(c.num_res_blocks + 1):
                blocks.append(ResBlock(ch, widths[level], layers, c.norm_groups))
                ch = widths[level]
            if level > 0:
                blocks.append(layers.up(ch, level - 1))                     # undoes the encoder's down(level - 1)
        self.blocks = nn.Sequential(*blocks)
        self.norm_out = layers.norm(ch, c.norm_groups)
        self.conv_out = layers.conv(ch, c.in_channels)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        h = self.blocks(self.conv_in(z))                                    # (B, widths[0], H, W)
        return self.conv_out(F.silu(self.norm_out(h)))                      # (B, 3, H, W)


class VAE(nn.Module):
    """encode: x -> q(z | x); decode: z -> x̂. Subclassed by video_vae.VideoVAE, which changes the layers
    and the shape checks only."""

    presets = PRESETS                   # for from_preset; VideoVAE has its own

    def __init__(self, config: VAEConfig = VAEConfig()):
        super().__init__()
        self.config = config
        layers = self.make_layers(config)
        self.encoder = Encoder(config, layers)
        self.decoder = Decoder(config, layers)
        # z_scaled = scaling_factor · z has about unit variance; 1.0 until estimate_scaling_factor has measured it.
        # A buffer, so that it travels inside the checkpoint with the weights it belongs to.
        self.register_buffer("scaling_factor", torch.tensor(1.0))
        self.initialize_weights()

    @staticmethod
    def make_layers(config: VAEConfig):
        return ImageLayers()

    def initialize_weights(self):
        # Convolutions keep PyTorch's default (Kaiming-uniform) initialisation, except:
        # the last convolution of every residual branch (each ResBlock starts as the identity),
        for m in self.modules():
            if isinstance(m, ResBlock):
                nn.init.zeros_(m.conv2.weight), nn.init.zeros_(m.conv2.bias)
        # and the decoder's output (a fresh decoder draws a flat grey 0). The encoder's output keeps its random
        # start: a zero one would make every posterior exactly N(0, I), carrying nothing about x.
        nn.init.zeros_(self.decoder.conv_out.weight), nn.init.zeros_(self.decoder.conv_out.bias)

    @classmethod
    def from_preset(cls, name: str, **overrides) -> "VAE":
        """VAE.from_preset("cpu", latent_channels=8): a preset of cls.presets, with some fields changed."""
        return cls(from_preset(cls.presets, name, cls.__name__, **overrides))

    # ------------------------------------------------------------ shapes

    def latent_shape(self, shape: tuple) -> tuple:
        """The shape of z for an input of `shape` (B, 3, H, W); raises ValueError for shapes it cannot encode."""
        B, _, H, W = self.check_input(torch.empty(shape, device="meta")).shape
        f = self.config.spatial_factor
        return (B, self.config.latent_channels, H // f, W // f)

    def check_input(self, x: torch.Tensor) -> torch.Tensor:
        c, f = self.config, self.config.spatial_factor
        if x.ndim != 4:
            raise ValueError(f"x must be images (B, C, H, W), got shape {tuple(x.shape)}")
        if x.shape[1] != c.in_channels:
            raise ValueError(f"x has {x.shape[1]} channels but the VAE was built for in_channels={c.in_channels}")
        H, W = x.shape[-2:]
        if H % f or W % f:
            raise ValueError(f"H and W must be multiples of the spatial factor {f} ({len(c.channels)} levels, "
                             f"each after the first halving), got {H} x {W}; pad or crop the picture")
        return x

    latent_axes = ("h", "w")                     # a clip's latent adds t (VideoVAE)

    def check_latent(self, z: torch.Tensor) -> torch.Tensor:
        C, axes = self.config.latent_channels, self.latent_axes
        if z.ndim != 2 + len(axes) or z.shape[1] != C:
            raise ValueError(f"z must have shape (B, {C}, {', '.join(axes)}), got {tuple(z.shape)}")
        return z

    # ------------------------------------------------------------ the model

    def encode(self, x: torch.Tensor) -> DiagonalGaussian:
        """x in [-1, 1] -> q(z | x), a Gaussian over unscaled latents."""
        return DiagonalGaussian(self.encoder(self.check_input(x)))

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Unscaled latents -> a picture, nominally in [-1, 1] (not clamped: clamp before display)."""
        return self.decoder(self.check_latent(z))

    def forward(self, x: torch.Tensor, generator: torch.Generator | None = None):
        """Reconstruct through a sampled z: (x̂, q(z | x)). With generator=None, z is the mode."""
        posterior = self.encode(x)
        z = posterior.mode() if generator is None else posterior.sample(generator)
        return self.decode(z), posterior

    def to_latent(self, x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        """Scaled latents scaling_factor · z of x, sampled from q(z | x) with `generator`, or its mode."""
        posterior = self.encode(x)
        z = posterior.mode() if generator is None else posterior.sample(generator)
        return z * self.scaling_factor

    def from_latent(self, z_scaled: torch.Tensor) -> torch.Tensor:
        """Decode scaled latents (what a latent diffusion model produces)."""
        return self.decode(z_scaled / self.scaling_factor)


def scaling_factor_of(latents: torch.Tensor) -> float:
    """1 / std of a set of latents: the factor that gives them unit variance.

    Stable Diffusion's 0.18215 is this number, measured once on its VAE's latents of training images
    (Rombach et al. 2022: LDM's `scale_by_std` takes 1 / z.std() of the first training batch). As there, the
    mean is not subtracted: the KL term keeps it near 0 (Stable Diffusion 3 adds a separate shift_factor).
    """
    std = latents.detach().float().std()
    if not torch.isfinite(std) or std <= 0:
        raise ValueError(f"latents have std {float(std)}; need a batch of finite, not all equal values")
    return float(1.0 / std)


@torch.no_grad()
def estimate_scaling_factor(model: VAE, x: torch.Tensor, generator: torch.Generator | None = None,
                            batch_size: int = 64) -> float:
    """1 / std of sampled latents z ~ q(z | x) of the pictures x (as LDM's scale_by_std does); does not
    store it: set `model.scaling_factor.fill_(value)` to use it."""
    if generator is None:
        generator = torch.Generator().manual_seed(0)                    # on the CPU, as every draw
    latents = torch.cat([model.encode(chunk).sample(generator) for chunk in x.split(batch_size)])
    return scaling_factor_of(latents)
