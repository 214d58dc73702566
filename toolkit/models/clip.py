"""A contrastive text-image model (CLIP, Radford et al. 2021), small enough to train on a laptop.

Inside, small to large:
    ConvStage         two 3x3 convolutions with GroupNorm and SiLU, optionally scaled and shifted by the time
    ImageEncoder      a convolutional tower 32 -> 16 -> 8 -> 4 pixels, averaged into one vector
    VideoEncoder      the same tower on every frame (kept 4 x 4, so where the object is survives), then a
                      transformer across the frames: how it moves
    ContrastiveModel  a visual encoder and a text encoder projected into one space of unit vectors

    model = ContrastiveModel(ContrastiveConfig())
    logits = model(images, tokens)                  # (B, B): logit_scale · cos(image i, caption j)
    loss = contrastive_loss(logits)                 # symmetric InfoNCE: the diagonal is the right answer

Noise-aware (GLIDE, Nichol et al. 2022, sec. 2.4): with `noise_aware=True` the image encoder also takes a
flow time t in [0, 1] and is trained on x_t = (1 − t)·x₀ + t·ε, so that its similarity with a caption can
be differentiated with respect to a noisy sample during sampling (classifier guidance).
"""
import math
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F
from einops import rearrange

from .text_encoder import TextEncoder, TextEncoderConfig, TransformerBlock
from .unet import timestep_embedding


@dataclass(frozen=True)
class ContrastiveConfig:
    text: TextEncoderConfig = TextEncoderConfig()
    visual: str = "image"              # "image" (B, 3, H, W) or "video" (B, 3, T, H, W)
    channels: tuple = (32, 64, 128)    # widths of the tower's three stages: 32, 16 and 8 pixels (then 4)
    embed_dim: int = 64                # the shared space
    noise_aware: bool = False          # the visual encoder also takes a flow time t
    frames: int = 16                   # video only: frames the temporal positions cover
    frame_stride: int = 2              # video only: read every 2nd frame (motion survives, half the cost)

    def __post_init__(self):
        if isinstance(self.text, dict):                                  # from a JSON manifest
            object.__setattr__(self, "text", TextEncoderConfig(**self.text))
        object.__setattr__(self, "channels", tuple(self.channels))
        if self.visual not in ("image", "video"):
            raise ValueError(f"visual must be 'image' or 'video', got {self.visual!r}")


class ConvStage(nn.Module):
    """conv-GN-SiLU twice at one resolution; with a time embedding, GN is followed by (1 + scale)·h + shift."""

    def __init__(self, in_ch: int, out_ch: int, time_dim: int | None):
        super().__init__()
        self.conv1, self.norm1 = nn.Conv2d(in_ch, out_ch, 3, padding=1), nn.GroupNorm(8, out_ch)
        self.conv2, self.norm2 = nn.Conv2d(out_ch, out_ch, 3, padding=1), nn.GroupNorm(8, out_ch)
        self.film = nn.Linear(time_dim, 2 * out_ch) if time_dim else None

    def forward(self, x: torch.Tensor, emb: torch.Tensor | None) -> torch.Tensor:
        h = F.silu(self.norm1(self.conv1(x)))
        h = self.norm2(self.conv2(h))
        if self.film is not None:
            scale, shift = self.film(emb)[:, :, None, None].chunk(2, dim=1)   # (B, C, 1, 1) each
            h = torch.addcmul(shift, h, 1 + scale)
        return F.silu(h)


class ImageEncoder(nn.Module):
    def __init__(self, config: ContrastiveConfig):
        super().__init__()
        c = config
        self.time_dim = 4 * c.channels[0] if c.noise_aware else None
        if c.noise_aware:
            self.time_mlp = nn.Sequential(nn.Linear(c.channels[0], self.time_dim), nn.SiLU(),
                                          nn.Linear(self.time_dim, self.time_dim))
        widths = (3,) + c.channels
        self.stages = nn.ModuleList(ConvStage(a, b, self.time_dim) for a, b in zip(widths, widths[1:]))
        self.width = c.channels[-1]

    def feature_map(self, x: torch.Tensor, t: torch.Tensor | None = None) -> torch.Tensor:
        """(B, 3, H, W) -> (B, C, H/8, W/8): each stage, then a 2x2 average pool."""
        emb = None
        if self.time_dim:
            if t is None:
                raise ValueError("this encoder is noise-aware: pass the flow time t (B,) in [0, 1] (0 = clean)")
            t = torch.as_tensor(t, dtype=x.dtype, device=x.device).expand(len(x))
            emb = self.time_mlp(timestep_embedding(1000 * t, self.stages[0].conv1.out_channels))
        for stage in self.stages:
            x = F.avg_pool2d(stage(x, emb), 2)
        return x

    def forward(self, x: torch.Tensor, t: torch.Tensor | None = None) -> torch.Tensor:
        return self.feature_map(x, t).mean(dim=(2, 3))                     # (B, C)


class VideoEncoder(nn.Module):
    """Every `frame_stride`-th frame through the tower -> one token per frame (its 4 x 4 map flattened) ->
    a temporal convolution and 2 transformer blocks over time, which see where the object is in every frame.

    The temporal convolution (as in Make-A-Video's factorised layers) weighs the previous and the next frame
    differently, so "up" and "down" differ from the first layer on; without it the first model trained here
    (mean-pooled attention only) confused a motion with its reverse in 30% of held-out captions."""

    def __init__(self, config: ContrastiveConfig):
        super().__init__()
        c = config
        self.frames = ImageEncoder(config)
        self.width = width = c.text.width
        self.frame_proj = nn.Linear(c.channels[-1] * 16, width)               # a 4 x 4 map per frame
        self.temporal_conv = nn.Conv1d(width, width, 3, padding=1)            # sees frame t-1, t, t+1: a direction
        self.stride = c.frame_stride
        self.time_pos = nn.Parameter(torch.randn(-(-c.frames // c.frame_stride), width) * 0.01)
        self.blocks = nn.ModuleList(TransformerBlock(width, 4, 4) for _ in range(2))
        self.norm = nn.LayerNorm(width)

    def forward(self, video: torch.Tensor, t: torch.Tensor | None = None) -> torch.Tensor:
        video = video[:, :, ::self.stride]                                       # (B, 3, T/stride, H, W)
        B, _, T, H, W = video.shape
        if T > len(self.time_pos) or H != 32 or W != 32:
            raise ValueError(f"the video encoder reads up to {len(self.time_pos) * self.stride} frames of 32 x 32, "
                             f"got {T * self.stride} x {H} x {W}")
        frames = rearrange(video, "b c t h w -> (b t) c h w")
        t = None if t is None else torch.as_tensor(t, dtype=video.dtype).expand(B).repeat_interleave(T)
        maps = self.frames.feature_map(frames, t)                               # (B*T, C, 4, 4)
        x = self.frame_proj(rearrange(maps, "(b t) c h w -> b t (c h w)", b=B)) + self.time_pos[:T]  # (B, T, D)
        x = x + rearrange(self.temporal_conv(rearrange(F.silu(x), "b t d -> b d t")), "b d t -> b t d")
        mask = torch.ones(B, T, dtype=torch.bool, device=video.device)
        for block in self.blocks:
            x = block(x, mask)
        return self.norm(x).mean(dim=1)                                        # (B, D)


class ContrastiveModel(nn.Module):
    def __init__(self, config: ContrastiveConfig = ContrastiveConfig()):
        super().__init__()
        self.config = c = config
        self.text = TextEncoder(c.text)
        self.visual = ImageEncoder(c) if c.visual == "image" else VideoEncoder(c)
        self.visual_proj = nn.Linear(self.visual.width, c.embed_dim, bias=False)
        self.text_proj = nn.Linear(c.text.width, c.embed_dim, bias=False)
        self.logit_scale = nn.Parameter(torch.tensor(math.log(1 / 0.07)))    # CLIP's initial temperature 0.07

    def encode_text(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """(B, L) ids and mask -> (B, E) unit vectors."""
        return F.normalize(self.text_proj(self.text(ids, mask)[1]), dim=-1)

    def encode_visual(self, x: torch.Tensor, t: torch.Tensor | None = None) -> torch.Tensor:
        """(B, 3, H, W) images or (B, 3, T, H, W) clips in [-1, 1] (noisy at flow time t if noise-aware) -> (B, E)."""
        want = 4 if self.config.visual == "image" else 5
        if x.ndim != want or x.shape[1] != 3:
            layout = "(B, 3, H, W)" if want == 4 else "(B, 3, T, H, W)"
            raise ValueError(f"this {self.config.visual} model reads {layout}, got {tuple(x.shape)}")
        return F.normalize(self.visual_proj(self.visual(x, t)), dim=-1)

    def forward(self, x, ids, mask, t=None) -> torch.Tensor:
        """(B, B) logits: logit_scale · cos(visual i, text j)."""
        scale = self.logit_scale.clamp(max=math.log(100)).exp()           # CLIP caps the scale at 100
        return scale * self.encode_visual(x, t) @ self.encode_text(ids, mask).T


def contrastive_loss(logits: torch.Tensor) -> torch.Tensor:
    """Symmetric InfoNCE (CLIP's eq. in fig. 3): cross-entropy of rows and of columns against the diagonal."""
    target = torch.arange(len(logits), device=logits.device)
    return (F.cross_entropy(logits, target) + F.cross_entropy(logits.T, target)) / 2
