"""A small U-Net denoiser: image and time (and optionally a class or a text) in, a prediction out.

Inside, small to large:
    timestep_embedding   sinusoidal features of a continuous time t (Vaswani et al. 2017, sec. 3.5)
    ResBlock             GroupNorm-SiLU-conv twice, time injected as a scale and shift (Dhariwal & Nichol 2021)
    Attention            image tokens attend to themselves, or to text tokens (cross-attention, Rombach et al. 2022)
    Block                a ResBlock, then optionally self- and cross-attention
    Down, Up             halve / double the resolution
    UNet                 the encoder-decoder with skip connections of Ho et al. 2020 (DDPM), arXiv:2006.11239
    FlowTime             a U-Net read in flow time t in [0, 1] (its time embedding is tuned for DDPM's 0..1000)

The network does not know what it predicts (noise ε, velocity v, or the flow-matching velocity): it maps
(x_t, t, condition) to a tensor shaped like x_t, and `toolkit.diffusion` decides what that tensor means.

    net = UNet.from_preset("cpu")                                   # 32 x 32 RGB, 1.7 M parameters
    out = net(x, t)                                                 # x (B, 3, 32, 32), t (B,) -> (B, 3, 32, 32)
    net = UNet.from_preset("cpu", num_classes=10)
    out = net(x, t, class_labels=y)                                 # y (B,) in 0..9; net.null_class = unconditional
    net = UNet.from_preset("cpu", context_dim=64)
    out = net(x, t, context=tokens, context_mask=mask, pooled=vec)  # (B, L, 64), (B, L) bool, (B, 64)

Every block's last layer starts at zero (as in DiT's adaLN-Zero and ADM's zero_module), so a fresh
network outputs exactly zero and each residual block starts as the identity.
"""
import math
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F
from einops import rearrange

from ..runtime import from_preset
from .text_encoder import check_context_mask


@dataclass(frozen=True)
class UNetConfig:
    in_channels: int = 3
    out_channels: int = 3
    channels: int = 32                          # width of the first level
    channel_mult: tuple = (1, 2, 2)             # width of level i is channels * channel_mult[i]
    num_res_blocks: int = 2                     # ResBlocks per level on the way down (one more on the way up)
    attention_resolutions: tuple = (4,)         # downsampling factors with attention: (4,) is 8x8 for 32x32 inputs
    head_channels: int = 32                     # channels per attention head
    norm_groups: int = 8                        # GroupNorm groups
    dropout: float = 0.0
    num_classes: int | None = None              # class conditioning: labels 0..num_classes-1, plus a null class
    context_dim: int | None = None              # text conditioning: width of the context tokens and pooled vector

    def __post_init__(self):
        for name in ("channel_mult", "attention_resolutions"):       # lists from a JSON manifest -> tuples
            object.__setattr__(self, name, tuple(getattr(self, name)))
        widths = [self.channels * m for m in self.channel_mult]
        attended = [w for i, w in enumerate(widths) if 2 ** i in self.attention_resolutions] + widths[-1:]
        if any(w % self.norm_groups for w in widths):
            raise ValueError(f"every level's width {widths} must divide by norm_groups={self.norm_groups}")
        if any(w % self.head_channels for w in attended):
            raise ValueError(f"widths with attention {attended} must divide by head_channels={self.head_channels}")

    @property
    def downsampling(self) -> int:
        """How much the deepest level is smaller than the input: H and W must divide by it."""
        return 2 ** (len(self.channel_mult) - 1)


PRESETS = {
    # For unit tests: ~0.2 M parameters, two levels, attention at the bottom.
    "cpu-tiny": UNetConfig(channels=16, channel_mult=(1, 2), num_res_blocks=1, attention_resolutions=(2,),
                           head_channels=16, norm_groups=4),
    # 32 x 32 images of the shapes world on a 2-core laptop: ~2 M parameters; levels 32, 16, 8 pixels.
    "cpu": UNetConfig(),
    # Latent diffusion (notebook 06) on the image VAE's 4 x 8 x 8 latents: levels 8, 4, 2, attention at all three;
    # 2.1 M parameters, about the pixel "cpu" U-Net's size, at 1/12 of its FLOPs (16 times fewer positions).
    "latent-cpu": UNetConfig(in_channels=4, out_channels=4, channel_mult=(1, 2, 2), attention_resolutions=(1, 2, 4)),
    # DDPM's CIFAR-10 network (Ho et al. 2020, appendix B): 128 wide, levels 32..4 px, attention at 16 x 16,
    # dropout 0.1. ~38 M parameters (DDPM's 35.7 M plus the scale-shift projections); for a GPU with bf16 autocast.
    "gpu": UNetConfig(channels=128, channel_mult=(1, 2, 2, 2), num_res_blocks=2, attention_resolutions=(2,),
                      head_channels=64, norm_groups=32, dropout=0.1),
}


def timestep_embedding(t: torch.Tensor, dim: int, max_period: float = 10_000.0) -> torch.Tensor:
    """(B,) float times -> (B, dim) features [cos(t ω_k), sin(t ω_k)], ω_k = max_period^(-k / (dim/2)).

    The frequencies suit t on DDPM's 0..1000 scale; a sampler whose t lives in [0, 1] (flow matching)
    should pass 1000 t, as Stable Diffusion 3 does, or neighbouring times look alike.
    """
    half = dim // 2
    omega = torch.exp(-math.log(max_period) * torch.arange(half, device=t.device, dtype=torch.float32) / half)
    angles = t.float()[:, None] * omega[None, :]                        # (B, half)
    return torch.cat([torch.cos(angles), torch.sin(angles)], dim=1)     # (B, dim)


class ResBlock(nn.Module):
    """x + conv(SiLU(norm(conv(SiLU(norm(x)))) (1 + scale) + shift)), scale and shift from the time embedding."""

    def __init__(self, in_ch: int, out_ch: int, emb_dim: int, dropout: float, groups: int):
        super().__init__()
        self.norm1 = nn.GroupNorm(groups, in_ch)
        self.conv1 = nn.Conv2d(in_ch, out_ch, 3, padding=1)
        self.emb = nn.Linear(emb_dim, 2 * out_ch)
        self.norm2 = nn.GroupNorm(groups, out_ch)
        self.dropout = nn.Dropout(dropout)
        self.conv2 = nn.Conv2d(out_ch, out_ch, 3, padding=1)
        self.skip = nn.Conv2d(in_ch, out_ch, 1) if in_ch != out_ch else nn.Identity()

    def forward(self, x: torch.Tensor, emb: torch.Tensor) -> torch.Tensor:
        # x (B, C_in, H, W), emb (B, E), already through SiLU
        h = self.conv1(F.silu(self.norm1(x)))                           # (B, C, H, W)
        scale, shift = self.emb(emb)[:, :, None, None].chunk(2, dim=1)  # (B, C, 1, 1) each
        h = torch.addcmul(shift, self.norm2(h), 1 + scale)               # norm(h) (1 + scale) + shift
        h = self.conv2(self.dropout(F.silu(h)))
        return self.skip(x) + h


class Attention(nn.Module):
    """Multi-head attention of the image's H*W tokens, over themselves or over context tokens.

    With `context_dim` set the keys and values come from the context (B, L, D); `mask` (B, L) is True for
    real tokens and False for padding. Computed by F.scaled_dot_product_attention (a fused kernel).
    """

    def __init__(self, channels: int, head_channels: int, groups: int, context_dim: int | None = None):
        super().__init__()
        self.heads = channels // head_channels
        self.cross = context_dim is not None
        self.norm = nn.GroupNorm(groups, channels)
        if self.cross:
            self.q = nn.Linear(channels, channels)
            self.kv = nn.Linear(context_dim, 2 * channels)
        else:
            self.qkv = nn.Linear(channels, 3 * channels)                # one matmul for q, k and v
        self.out = nn.Linear(channels, channels)

    def forward(self, x: torch.Tensor, context: torch.Tensor | None = None,
                mask: torch.Tensor | None = None) -> torch.Tensor:
        B, C, H, W = x.shape
        tokens = rearrange(self.norm(x), "b c h w -> b (h w) c")         # (B, N, C), N = H*W
        if self.cross:
            q = self.q(tokens)                                          # (B, N, C)
            k, v = self.kv(context).chunk(2, dim=-1)                    # (B, L, C) each
            mask = None if mask is None else mask[:, None, None, :]     # (B, 1, 1, L): broadcast over heads, queries
        else:
            q, k, v = self.qkv(tokens).chunk(3, dim=-1)                 # (B, N, C) each
        q, k, v = (rearrange(z, "b n (heads d) -> b heads n d", heads=self.heads) for z in (q, k, v))
        h = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)     # (B, heads, N, d)
        h = self.out(rearrange(h, "b heads n d -> b n (heads d)"))       # (B, N, C)
        return x + rearrange(h, "b (h w) c -> b c h w", h=H, w=W)


class Block(nn.Module):
    """One ResBlock, then (at attention resolutions) self-attention, then cross-attention to the text."""

    def __init__(self, in_ch: int, out_ch: int, emb_dim: int, config: UNetConfig, attend: bool):
        super().__init__()
        c = config
        self.res = ResBlock(in_ch, out_ch, emb_dim, c.dropout, c.norm_groups)
        self.attn = Attention(out_ch, c.head_channels, c.norm_groups) if attend else None
        self.cross = (Attention(out_ch, c.head_channels, c.norm_groups, c.context_dim)
                      if attend and c.context_dim else None)

    def forward(self, x, emb, context=None, context_mask=None):
        x = self.res(x, emb)
        if self.attn is not None:
            x = self.attn(x)
        if self.cross is not None and context is not None:
            x = self.cross(x, context, context_mask)
        return x


class Down(nn.Module):
    """Halve H and W with a strided 3x3 convolution."""

    def __init__(self, ch: int):
        super().__init__()
        self.conv = nn.Conv2d(ch, ch, 3, stride=2, padding=1)

    def forward(self, x):                                               # (B, C, H, W) -> (B, C, H/2, W/2)
        return self.conv(x)


class Up(nn.Module):
    """Double H and W: nearest-neighbour upsampling, then a 3x3 convolution (no checkerboard artefacts)."""

    def __init__(self, ch: int):
        super().__init__()
        self.conv = nn.Conv2d(ch, ch, 3, padding=1)

    def forward(self, x):                                               # (B, C, H, W) -> (B, C, 2H, 2W)
        return self.conv(F.interpolate(x, scale_factor=2.0, mode="nearest"))


class UNet(nn.Module):
    def __init__(self, config: UNetConfig = UNetConfig()):
        super().__init__()
        self.config = c = config
        emb_dim = 4 * c.channels
        attend = lambda level: 2 ** level in c.attention_resolutions  # noqa: E731

        # Conditioning: time, optional class label (one extra "null" row), optional pooled text vector.
        self.time_mlp = nn.Sequential(nn.Linear(c.channels, emb_dim), nn.SiLU(), nn.Linear(emb_dim, emb_dim))
        self.class_emb = nn.Embedding(c.num_classes + 1, emb_dim) if c.num_classes else None
        self.pooled_proj = nn.Linear(c.context_dim, emb_dim) if c.context_dim else None

        # Encoder: at each level num_res_blocks Blocks, then a Down (except at the deepest level).
        # Every output is kept as a skip connection for the decoder; `skips` records their widths.
        self.input_conv = nn.Conv2d(c.in_channels, c.channels, 3, padding=1)
        ch, skips = c.channels, [c.channels]
        self.down = nn.ModuleList()
        for level, mult in enumerate(c.channel_mult):
            for _ in range(c.num_res_blocks):
                self.down.append(Block(ch, c.channels * mult, emb_dim, c, attend(level)))
                ch = c.channels * mult
                skips.append(ch)
            if level < len(c.channel_mult) - 1:
                self.down.append(Down(ch))
                skips.append(ch)

        # Bottleneck at the lowest resolution: ResBlock, attention, ResBlock.
        self.middle = nn.ModuleList([Block(ch, ch, emb_dim, c, attend=True), Block(ch, ch, emb_dim, c, False)])

        # Decoder: mirror image, with one more Block per level, each eating one skip connection.
        self.up = nn.ModuleList()
        for level, mult in reversed(list(enumerate(c.channel_mult))):
            for _ in range(c.num_res_blocks + 1):
                self.up.append(Block(ch + skips.pop(), c.channels * mult, emb_dim, c, attend(level)))
                ch = c.channels * mult
            if level > 0:
                self.up.append(Up(ch))

        self.out = nn.Sequential(nn.GroupNorm(c.norm_groups, ch), nn.SiLU(),
                                 nn.Conv2d(ch, c.out_channels, 3, padding=1))
        self.initialize_weights()

    def initialize_weights(self):
        # Convolutions and linear layers keep PyTorch's default (Kaiming-uniform) initialisation.
        # Embedding tables start small, like DiT's label embedding.
        if self.class_emb is not None:
            nn.init.normal_(self.class_emb.weight, std=0.02)
        # Zero-init the last layer of every residual branch: each ResBlock and attention starts as the identity.
        for m in self.modules():
            if isinstance(m, ResBlock):
                nn.init.zeros_(m.conv2.weight), nn.init.zeros_(m.conv2.bias)
            if isinstance(m, Attention):
                nn.init.zeros_(m.out.weight), nn.init.zeros_(m.out.bias)
        # Zero-init the output convolution: a fresh network predicts exactly 0.
        nn.init.zeros_(self.out[-1].weight), nn.init.zeros_(self.out[-1].bias)

    @classmethod
    def from_preset(cls, name: str, **overrides) -> "UNet":
        """UNet.from_preset("cpu", num_classes=10): a preset of PRESETS, with some fields changed."""
        return cls(from_preset(PRESETS, name, "U-Net", **overrides))

    @property
    def null_class(self) -> int:
        """The label meaning "no class", for classifier-free guidance (Ho & Salimans 2022)."""
        if self.class_emb is None:
            raise ValueError("this U-Net has no class conditioning (num_classes=None)")
        return self.config.num_classes

    def forward(self, x: torch.Tensor, t: torch.Tensor, class_labels: torch.Tensor | None = None,
                context: torch.Tensor | None = None, context_mask: torch.Tensor | None = None,
                pooled: torch.Tensor | None = None) -> torch.Tensor:
        """x (B, C, H, W), t (B,) or a scalar; class_labels (B,) long, None meaning the null class;
        context (B, L, D) text tokens, context_mask (B, L) bool (True = real token), pooled (B, D)."""
        t = self._check_inputs(x, t, class_labels, context, context_mask, pooled)
        return self.trunk(x, self.embed(t, class_labels, pooled), context, context_mask)

    def embed(self, t: torch.Tensor, class_labels=None, pooled=None) -> torch.Tensor:
        """The conditioning vector (B, E): time, plus class, plus pooled text, through SiLU."""
        emb = self.time_mlp(timestep_embedding(t, self.config.channels).to(self.time_mlp[0].weight.dtype))  # (B, E)
        if self.class_emb is not None:
            if class_labels is None:
                class_labels = torch.full_like(t, self.null_class, dtype=torch.long)
            emb = emb + self.class_emb(class_labels)
        if pooled is not None:
            emb = emb + self.pooled_proj(pooled)
        return F.silu(emb)       # every ResBlock's projection starts with SiLU: do it once here

    def trunk(self, x, emb, context=None, context_mask=None, after_block=None) -> torch.Tensor:
        """Encoder, middle and decoder on x (B, C, H, W) with conditioning emb (B, E). after_block(i, h), if
        given, is applied to the output of the i-th Block (a space-time U-Net inserts temporal layers there)."""
        after_block = after_block or (lambda i, h: h)
        blocks = iter(range(len(self.down) + len(self.middle) + len(self.up)))
        # Channels-last keeps C contiguous: faster convolutions on CPU and free (h w) token views in attention.
        h = self.input_conv(x.contiguous(memory_format=torch.channels_last))  # (B, ch, H, W)
        skips = [h]
        for layer in self.down:
            h = after_block(next(blocks), layer(h, emb, context, context_mask)) if isinstance(layer, Block) else layer(h)
            skips.append(h)
        for layer in self.middle:
            h = after_block(next(blocks), layer(h, emb, context, context_mask))   # (B, ch, H/f, W/f)
        for layer in self.up:
            if isinstance(layer, Block):
                h = after_block(next(blocks), layer(torch.cat([h, skips.pop()], dim=1), emb, context, context_mask))
            else:
                h = layer(h)
        return self.out(h).contiguous()                                      # (B, out_channels, H, W)

    def _check_inputs(self, x, t, class_labels, context, context_mask, pooled) -> torch.Tensor:
        """Raise a ValueError that says what is wrong; return t as a (B,) tensor."""
        c = self.config
        if x.ndim != 4:
            raise ValueError(f"x must be (B, C, H, W), got shape {tuple(x.shape)}")
        B, C, H, W = x.shape
        if C != c.in_channels:
            raise ValueError(f"x has {C} channels but the U-Net was built for in_channels={c.in_channels}")
        if H % c.downsampling or W % c.downsampling:
            raise ValueError(f"H and W must divide by {c.downsampling} ({len(c.channel_mult)} levels, each "
                             f"halving), got {H} x {W}; pad or crop the input")
        t = torch.as_tensor(t, device=x.device)
        if t.ndim == 0:
            t = t.expand(B)
        if t.shape != (B,):
            raise ValueError(f"t must be a scalar or have shape ({B},), got {tuple(t.shape)}")
        if class_labels is not None:
            if self.class_emb is None:
                raise ValueError("class_labels given, but the U-Net has num_classes=None")
            if class_labels.shape != (B,) or class_labels.is_floating_point():
                raise ValueError(f"class_labels must be integers of shape ({B},), got "
                                 f"{class_labels.dtype} {tuple(class_labels.shape)}")
        for name, value, rank in (("context", context, 3), ("pooled", pooled, 2)):
            if value is None:
                continue
            if c.context_dim is None:
                raise ValueError(f"{name} given, but the U-Net has context_dim=None (no text conditioning)")
            if value.ndim != rank or value.shape[0] != B or value.shape[-1] != c.context_dim:
                want = f"({B}, L, {c.context_dim})" if rank == 3 else f"({B}, {c.context_dim})"
                raise ValueError(f"{name} must have shape {want}, got {tuple(value.shape)}")
        check_context_mask(context, context_mask)
        return t


class FlowTime(nn.Module):
    """The U-Net's time embedding is tuned for DDPM's 0..1000 scale: feed it 1000·t for t in [0, 1]."""

    def __init__(self, unet: nn.Module):
        super().__init__()
        self.unet = unet

    def forward(self, x, t, **cond):
        return self.unet(x, 1000 * t, **cond)
