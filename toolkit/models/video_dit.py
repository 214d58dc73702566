"""The latent video diffusion transformer: spacetime patches of a video-VAE latent, denoised by a transformer.

Inside, small to large:
    sincos_3d           fixed positions: sin-cos features of t, h and w, each on a third of the width (Latte)
    PatchEmbed          the latent (B, C, T, H, W) cut into pt x ph x pw patches, one token each (ViViT's tubelets)
    modulate            adaLN: LayerNorm without its own scale and shift, then (1 + scale)·x + shift from the condition
    Attention           multi-head attention, over the video tokens themselves or over the text tokens
    DiTBlock            self-attention and MLP under adaLN-Zero, and text cross-attention between them (PixArt-α)
    FinalLayer          adaLN, then a linear map from each token back to its patch
    VideoDiT            the whole: tokens + positions, N blocks, unpatchify

    net = VideoDiT.from_preset("cpu")                  # 2.6 M parameters, for the 8 x 4 x 8 x 8 video-VAE latent
    out = net(z, t, context=tokens, context_mask=mask, pooled=vec)
    # z (B, 8, T, H, W) scaled latents, t (B,) flow time in [0, 1]; text (B, L, 64), (B, L) bool, (B, 64)
    # out (B, 8, T, H, W): the flow-matching velocity ε − x₀

This is the family of Sora, CogVideoX, Latte, Open-Sora and Wan: a diffusion transformer (DiT, Peebles & Xie
2023, arXiv:2212.09748) over spacetime patches of a compressed video. Choices, and why:
  * Conditioning on the timestep and the pooled prompt by adaLN-Zero (DiT, sec. 3.2): each block's LayerNorms
    get their scale and shift, and each residual branch a gate, from that vector; the gates start at zero, so
    every block starts as the identity and a fresh network outputs 0.
  * The prompt's tokens enter by cross-attention after self-attention (PixArt-α, Latte), not by joint attention
    over text and video tokens (SD3, CogVideoX). Our text encoder is frozen and the prompt is short; joint
    attention would update text tokens no one reads and needs a second set of weights per block for them
    (SD3's MM-DiT). Cross-attention is the mechanism learners met in notebook 04's U-Net. Its output layer
    starts at zero, so the identity start is kept.
  * Full attention over all spacetime tokens at once (Sora, CogVideoX), not Latte's alternating spatial and
    temporal blocks: with 64 tokens per clip it is cheap, and it lets any token see any other.
  * Positions: fixed factorised sin-cos features over (t, h, w), added to the tokens (Latte, Open-Sora 1.0), so
    any latent size that the patches tile works without retraining a table; RoPE (CogVideoX, Wan) is the
    production alternative.
"""
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F
from einops import rearrange
from torch.utils.checkpoint import checkpoint

from ..runtime import from_preset
from .text_encoder import check_context_mask
from .unet import timestep_embedding


@dataclass(frozen=True)
class VideoDiTConfig:
    in_channels: int = 8                # the video VAE's latent channels
    patch_size: tuple = (1, 2, 2)       # (pt, ph, pw): latent values per token along t, h, w
    width: int = 144                    # the token width D; a multiple of 6 for the 3-D sin-cos positions
    depth: int = 6                      # transformer blocks
    heads: int = 4
    mlp_ratio: float = 4.0
    context_dim: int = 64               # the text encoder's width

    def __post_init__(self):
        object.__setattr__(self, "patch_size", tuple(self.patch_size))     # a JSON manifest gives a list
        if len(self.patch_size) != 3 or any(not isinstance(p, int) or p < 1 for p in self.patch_size):
            raise ValueError(f"patch_size must be three positive integers (pt, ph, pw), got {self.patch_size}")
        if self.width % 6:
            raise ValueError(f"width must be a multiple of 6 (sin and cos over t, h and w), got {self.width}")
        if self.width % self.heads:
            raise ValueError(f"width {self.width} must divide by heads={self.heads}")

    @property
    def patch_dim(self) -> int:
        pt, ph, pw = self.patch_size
        return self.in_channels * pt * ph * pw


PRESETS = {
    # For unit tests: 60 k parameters.
    "cpu-tiny": VideoDiTConfig(width=48, depth=2, heads=2),
    # The shipped model on a 2-core laptop: 16 x 32 x 32 clips -> 8 x 4 x 8 x 8 latents -> 64 tokens of width 144.
    "cpu": VideoDiTConfig(),
    # A GPU: 64 x 64 clips of 16 frames or more (latents 8 x T/4 x 16 x 16, 256+ tokens); DiT-S width and depth.
    "gpu": VideoDiTConfig(width=384, depth=12, heads=6),
}


def sincos_3d(grid: tuple, width: int, device=None) -> torch.Tensor:
    """(T'·H'·W', width) fixed positions: a third of the channels each for t, h and w, half sin, half cos
    (the 1-D features of Vaswani et al. 2017, concatenated per axis as in Latte and Open-Sora 1.0)."""
    T, H, W = grid
    t, h, w = torch.meshgrid(*(torch.arange(n, device=device, dtype=torch.float32) for n in grid), indexing="ij")
    per_axis = [timestep_embedding(axis.reshape(-1), width // 3) for axis in (t, h, w)]     # (N, width/3) each
    return torch.cat(per_axis, dim=1)                                                       # (N, width)


class PatchEmbed(nn.Module):
    """(B, C, T, H, W) -> (B, N, D) tokens, N = T/pt · H/ph · W/pw: a strided 3-D convolution is exactly
    "cut into patches, flatten each, apply one linear map" (ViT, and ViViT's tubelet embedding)."""

    def __init__(self, config: VideoDiTConfig):
        super().__init__()
        self.proj = nn.Conv3d(config.in_channels, config.width, config.patch_size, stride=config.patch_size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return rearrange(self.proj(x), "b d t h w -> b (t h w) d")


def per_token(v: torch.Tensor) -> torch.Tensor:
    """A condition's (B, D), the same for every token, as (B, 1, D); a per-token (B, N, D) as it is."""
    return v[:, None] if v.ndim == 2 else v


def modulate(x: torch.Tensor, shift: torch.Tensor, scale: torch.Tensor) -> torch.Tensor:
    """x (B, N, D) already normalised; shift, scale (B, D) or per token (B, N, D) -> x·(1 + scale) + shift."""
    return x * (1 + per_token(scale)) + per_token(shift)


class Attention(nn.Module):
    """Multi-head attention: queries from x (B, N, D); keys and values from x itself or from a context
    (B, L, context_dim) whose padding `mask` (B, L) hides (True = a real token)."""

    def __init__(self, width: int, heads: int, context_dim: int | None = None):
        super().__init__()
        self.heads = heads
        self.q = nn.Linear(width, width)
        self.kv = nn.Linear(context_dim or width, 2 * width)
        self.out = nn.Linear(width, width)

    def forward(self, x, context=None, mask=None):
        q = rearrange(self.q(x), "b n (h d) -> b h n d", h=self.heads)
        k, v = rearrange(self.kv(x if context is None else context), "b l (two h d) -> two b h l d", two=2, h=self.heads)
        attn_mask = None if mask is None else mask[:, None, None, :]                      # (B, 1, 1, L)
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=attn_mask)                # (B, h, N, d)
        return self.out(rearrange(out, "b h n d -> b n (h d)"))


class DiTBlock(nn.Module):
    """x += gate₁·SelfAttn(adaLN(x)); x += CrossAttn(LN(x), text); x += gate₂·MLP(adaLN(x))."""

    def __init__(self, config: VideoDiTConfig):
        super().__init__()
        D = config.width
        self.norm1 = nn.LayerNorm(D, elementwise_affine=False, eps=1e-6)
        self.attn = Attention(D, config.heads)
        self.norm2 = nn.LayerNorm(D, eps=1e-6)
        self.cross = Attention(D, config.heads, context_dim=config.context_dim)
        self.norm3 = nn.LayerNorm(D, elementwise_affine=False, eps=1e-6)
        hidden = int(D * config.mlp_ratio)
        self.mlp = nn.Sequential(nn.Linear(D, hidden), nn.GELU(approximate="tanh"), nn.Linear(hidden, D))
        self.ada = nn.Sequential(nn.SiLU(), nn.Linear(D, 6 * D))          # c -> 2 × (shift, scale, gate)

    def forward(self, x, c, context, mask):
        # x (B, N, D) video tokens, c (B, D) condition (or (B, N, D), one per token), context (B, L, context_dim),
        # mask (B, L)
        shift1, scale1, gate1, shift2, scale2, gate2 = self.ada(c).chunk(6, dim=-1)    # (B, D) or (B, N, D) each
        x = x + per_token(gate1) * self.attn(modulate(self.norm1(x), shift1, scale1))
        x = x + self.cross(self.norm2(x), context, mask)
        return x + per_token(gate2) * self.mlp(modulate(self.norm3(x), shift2, scale2))


class FinalLayer(nn.Module):
    """adaLN (shift and scale from c), then each token (B, N, D) -> its patch's values (B, N, patch_dim)
    (or out_dim values: an audio token's latent frame)."""

    def __init__(self, config: VideoDiTConfig, out_dim: int | None = None):
        super().__init__()
        self.norm = nn.LayerNorm(config.width, elementwise_affine=False, eps=1e-6)
        self.ada = nn.Sequential(nn.SiLU(), nn.Linear(config.width, 2 * config.width))
        self.linear = nn.Linear(config.width, out_dim or config.patch_dim)

    def forward(self, x, c):
        shift, scale = self.ada(c).chunk(2, dim=-1)
        return self.linear(modulate(self.norm(x), shift, scale))


class VideoDiT(nn.Module):
    def __init__(self, config: VideoDiTConfig = VideoDiTConfig()):
        super().__init__()
        self.config = c = config
        self.patch = PatchEmbed(c)
        self.time_mlp = nn.Sequential(nn.Linear(c.width, c.width), nn.SiLU(), nn.Linear(c.width, c.width))
        self.pooled_proj = nn.Linear(c.context_dim, c.width)
        self.blocks = nn.ModuleList(DiTBlock(c) for _ in range(c.depth))
        self.final = FinalLayer(c)
        self.initialize_weights()
        # Gradient checkpointing (training only): keep each block's input, not its activations, and recompute
        # them in the backward pass: less memory for a third more compute, for long clips on a GPU.
        self.gradient_checkpointing = False

    def initialize_weights(self):
        # Linear layers: Xavier-uniform, biases 0 (DiT's initialize_weights); the patch embedding like a linear map.
        for m in self.modules():
            if isinstance(m, nn.Linear):
                nn.init.xavier_uniform_(m.weight)
                nn.init.zeros_(m.bias)
        nn.init.xavier_uniform_(self.patch.proj.weight.view(self.config.width, -1))
        nn.init.zeros_(self.patch.proj.bias)
        # The time MLP starts with small weights (DiT: normal, std 0.02).
        for layer in (self.time_mlp[0], self.time_mlp[2]):
            nn.init.normal_(layer.weight, std=0.02)
        # adaLN-Zero: every modulation starts at zero (gates 0: each block is the identity), as does the
        # cross-attention's output and the final linear layer: a fresh network predicts exactly 0.
        for block in self.blocks:
            nn.init.zeros_(block.ada[-1].weight), nn.init.zeros_(block.ada[-1].bias)
            nn.init.zeros_(block.cross.out.weight), nn.init.zeros_(block.cross.out.bias)
        nn.init.zeros_(self.final.ada[-1].weight), nn.init.zeros_(self.final.ada[-1].bias)
        nn.init.zeros_(self.final.linear.weight), nn.init.zeros_(self.final.linear.bias)

    @classmethod
    def from_preset(cls, name: str, **overrides) -> "VideoDiT":
        """VideoDiT.from_preset("cpu", depth=8): a preset of PRESETS, with some fields changed."""
        return cls(from_preset(PRESETS, name, "video DiT", **overrides))

    def grid(self, latent_shape: tuple) -> tuple:
        """The token grid (T', H', W') for a latent (B, C, T, H, W); a ValueError if the patches do not tile it."""
        T, H, W = latent_shape[-3:]
        if any(n % p for n, p in zip((T, H, W), self.config.patch_size)):
            raise ValueError(f"the latent's (T, H, W) = {(T, H, W)} must divide by the patch size "
                             f"{self.config.patch_size}; choose frames and sizes that the VAE and patches tile")
        return tuple(n // p for n, p in zip((T, H, W), self.config.patch_size))

    def forward(self, x: torch.Tensor, t: torch.Tensor, context: torch.Tensor, context_mask: torch.Tensor | None = None,
                pooled: torch.Tensor | None = None) -> torch.Tensor:
        """x (B, C, T, H, W), t (B,) or a scalar flow time in [0, 1]; context (B, L, context_dim), context_mask
        (B, L) bool, pooled (B, context_dim) (the empty prompt's encoding means "unconditional")."""
        t = self._check_inputs(x, t, context, context_mask, pooled)
        c = self.config
        T, H, W = self.grid(x.shape)

        cond = self.condition(t, pooled)                                                   # (B, D)
        tokens = self.patch(x) + sincos_3d((T, H, W), c.width, x.device).to(x.dtype)     # (B, N, D), N = T·H·W
        for block in self.blocks:
            if self.gradient_checkpointing and self.training and torch.is_grad_enabled():
                tokens = checkpoint(block, tokens, cond, context, context_mask, use_reentrant=False)
            else:
                tokens = block(tokens, cond, context, context_mask)
        return self.unpatchify(self.final(tokens, cond), (T, H, W))                      # (B, C, T, H, W)

    def condition(self, t: torch.Tensor, pooled: torch.Tensor | None = None) -> torch.Tensor:
        """The vector c (B, D) that adaLN reads: time (×1000: the sin-cos frequencies suit DDPM's scale, as in
        SD3) plus the pooled prompt."""
        cond = self.time_mlp(timestep_embedding(1000 * t, self.config.width).to(self.time_mlp[0].weight.dtype))
        return cond if pooled is None else cond + self.pooled_proj(pooled)

    def unpatchify(self, patches: torch.Tensor, grid: tuple) -> torch.Tensor:
        """(B, N, C·pt·ph·pw), tokens in (t, h, w) order -> the latent (B, C, T'·pt, H'·ph, W'·pw)."""
        pt, ph, pw = self.config.patch_size
        return rearrange(patches, "b (t h w) (c pt ph pw) -> b c (t pt) (h ph) (w pw)",
                         t=grid[0], h=grid[1], w=grid[2], pt=pt, ph=ph, pw=pw)

    def _check_inputs(self, x, t, context, context_mask, pooled) -> torch.Tensor:
        """Raise a ValueError that says what is wrong; return t as a (B,) tensor."""
        c = self.config
        if x.ndim != 5 or x.shape[1] != c.in_channels:
            raise ValueError(f"x must be a latent clip (B, {c.in_channels}, T, H, W), got shape {tuple(x.shape)}")
        B = x.shape[0]
        t = torch.as_tensor(t, device=x.device, dtype=x.dtype)
        t = t.expand(B) if t.ndim == 0 else t
        if t.shape != (B,):
            raise ValueError(f"t must be a scalar or have shape ({B},), got {tuple(t.shape)}")
        check_text(B, c.context_dim, context, context_mask, pooled)
        return t


def check_text(B: int, width: int, context, context_mask, pooled) -> None:
    """A ValueError that says what is wrong unless the prompt's encoding fits a batch of B: context (B, L, width),
    context_mask (B, L) bool or None, pooled (B, width) or None."""
    if context is None or context.ndim != 3 or context.shape[0] != B or context.shape[2] != width:
        got = None if context is None else tuple(context.shape)
        raise ValueError(f"context must be text tokens ({B}, L, {width}) from toolkit.text; got {got}")
    if pooled is not None and pooled.shape != (B, width):
        raise ValueError(f"pooled must have shape ({B}, {width}), got {tuple(pooled.shape)}")
    check_context_mask(context, context_mask)

