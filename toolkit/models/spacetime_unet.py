"""A factorised space-time U-Net: the image U-Net run on every frame, with temporal layers between its blocks.

Inside, small to large:
    TemporalLayer   at every pixel, the frames mix: a temporal convolution (Make-A-Video's pseudo-3-D convolution,
                    Singer et al. 2022, arXiv:2209.14792) and temporal self-attention over the T frames (Video
                    Diffusion Models, Ho et al. 2022, arXiv:2204.03458), each a residual branch that starts at zero
    SpaceTimeUNet   a toolkit U-Net whose Blocks see a clip as a batch of frames (B·T, C, H, W), and a
                    TemporalLayer after each Block below full resolution

    net = SpaceTimeUNet(UNet.from_preset("cpu", context_dim=64))
    net.load_image_weights(image_unet.state_dict())        # inflate a trained text-to-image U-Net
    out = net(x, t, context=tokens, context_mask=mask, pooled=vec)    # x (B, 3, T, H, W) -> (B, 3, T, H, W)

Factorised: space and time are mixed by separate layers, never by one 3-D kernel, so the spatial layers keep
the shapes of an image model's weights and can start from one ("inflation"). Because every temporal branch starts
at zero, the fresh space-time U-Net is exactly the image model applied frame by frame (a test checks this), and
training only has to learn what ties the frames together. The temporal layers sit at the 16 x 16 and 8 x 8
levels and the middle, not at full resolution, where they would cost as much as the rest of the network; the
object's identity and path live at the coarse levels.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F
from einops import rearrange

from .unet import Block, UNet, timestep_embedding


class TemporalLayer(nn.Module):
    """h (B·T, C, H, W) -> the same shape, each pixel's T values mixed: x += conv_t(x); x += attn_t(x)."""

    def __init__(self, channels: int, head_channels: int, groups: int):
        super().__init__()
        self.heads = channels // head_channels
        self.conv_norm = nn.GroupNorm(groups, channels)
        self.conv = nn.Conv1d(channels, channels, 3, padding=1)
        self.attn_norm = nn.GroupNorm(groups, channels)
        self.qkv = nn.Linear(channels, 3 * channels)
        self.out = nn.Linear(channels, channels)
        # Zero-init both residual branches: a fresh layer is the identity (the frames stay independent).
        for layer in (self.conv, self.out):
            nn.init.zeros_(layer.weight), nn.init.zeros_(layer.bias)

    def forward(self, h: torch.Tensor, frames: int) -> torch.Tensor:
        H, W = h.shape[-2:]
        x, q, k, v = self._qkv(h, frames)
        attended = rearrange(F.scaled_dot_product_attention(q, k, v), "n heads t d -> n t (heads d)")
        x = x + rearrange(self.out(attended), "n t c -> n c t")
        return rearrange(x, "(b h w) c t -> (b t) c h w", h=H, w=W)

    def _qkv(self, h, frames):
        """The temporal convolution's output x (N, C, T), N = B·H·W pixels, and the attention's q, k, v."""
        x = rearrange(h, "(b t) c h w -> (b h w) c t", t=frames)                   # one sequence per pixel
        x = x + self.conv(F.silu(self.conv_norm(x)))                                # (N, C, T), kernel 3 along t
        tokens = rearrange(self.attn_norm(x), "n c t -> n t c")
        positions = timestep_embedding(torch.arange(frames, device=h.device), tokens.shape[-1]).to(tokens.dtype)
        q, k, v = self.qkv(tokens + positions).chunk(3, dim=-1)                     # (N, T, C) each
        return x, *(rearrange(z, "n t (heads d) -> n heads t d", heads=self.heads) for z in (q, k, v))

    def attention_weights(self, h: torch.Tensor, frames: int) -> torch.Tensor:
        """softmax(q kᵀ / √d) (B, heads, T, T), averaged over pixels: how much each frame reads each other frame
        (for figures; the forward pass never builds this matrix, the fused kernel does not need it)."""
        H, W = h.shape[-2:]
        _, q, k, _ = self._qkv(h, frames)
        weights = (q @ k.transpose(-1, -2) / q.shape[-1] ** 0.5).softmax(dim=-1)  # (N, heads, T, T)
        return rearrange(weights, "(b p) heads t s -> b p heads t s", p=H * W).mean(dim=1)


class SpaceTimeUNet(nn.Module):
    def __init__(self, unet: UNet):
        super().__init__()
        self.unet = unet
        c = unet.config
        blocks = [m for part in (unet.down, unet.middle, unet.up) for m in part if isinstance(m, Block)]
        # The resolution level of each Block, read from its order: down levels, then the middle, then up levels.
        levels = [lvl for lvl in range(len(c.channel_mult)) for _ in range(c.num_res_blocks)]
        levels += [len(c.channel_mult) - 1] * len(unet.middle)
        levels += [lvl for lvl in reversed(range(len(c.channel_mult))) for _ in range(c.num_res_blocks + 1)]
        self.temporal = nn.ModuleDict({
            str(i): TemporalLayer(b.res.conv2.out_channels, c.head_channels, c.norm_groups)
            for i, (b, level) in enumerate(zip(blocks, levels)) if level > 0})

    @property
    def config(self):
        return self.unet.config

    def load_image_weights(self, state_dict: dict) -> "SpaceTimeUNet":
        """Inflate: copy a trained image U-Net's weights into the spatial layers (the temporal ones stay zero)."""
        self.unet.load_state_dict(state_dict)
        return self

    def forward(self, x: torch.Tensor, t: torch.Tensor, context=None, context_mask=None, pooled=None) -> torch.Tensor:
        """x (B, C, T, H, W), t (B,) on the U-Net's time scale; text as for UNet (one prompt per clip)."""
        if x.ndim != 5:
            raise ValueError(f"x must be clips (B, C, T, H, W), got shape {tuple(x.shape)}")
        B, T = x.shape[0], x.shape[2]
        per_frame = lambda v: None if v is None else v.repeat_interleave(T, dim=0)       # noqa: E731  (B·T, ...)
        frames = rearrange(x, "b c t h w -> (b t) c h w")
        t = self.unet._check_inputs(frames, per_frame(torch.as_tensor(t, device=x.device).expand(B)), None,
                                    per_frame(context), per_frame(context_mask), per_frame(pooled))
        emb = self.unet.embed(t, None, per_frame(pooled))                                   # (B·T, E)
        temporal = lambda i, h: self.temporal[str(i)](h, T) if str(i) in self.temporal else h  # noqa: E731
        out = self.unet.trunk(frames, emb, per_frame(context), per_frame(context_mask), after_block=temporal)
        return rearrange(out, "(b t) c h w -> b c t h w", b=B)


@torch.no_grad()
def temporal_attention_maps(model: SpaceTimeUNet, x: torch.Tensor, t, **cond) -> dict:
    """Run model(x, t, **cond) once and return each temporal layer's attention weights (B, heads, T, T),
    averaged over its pixels, keyed by the layer's name (its Block's index)."""
    maps, T = {}, x.shape[2]
    hooks = [layer.register_forward_pre_hook(lambda m, args, name=name: maps.__setitem__(
                 name, m.attention_weights(args[0], T)))
             for name, layer in model.temporal.items()]
    try:
        model(x, t, **cond)
    finally:
        for hook in hooks:
            hook.remove()
    return maps
