"""A small transformer text encoder: token ids in, one vector per token and one pooled vector out.

Inside, small to large:
    SelfAttention     multi-head attention of the prompt's tokens over each other, padding masked out
    TransformerBlock  pre-LayerNorm attention and MLP, each a residual branch (GPT-2, CLIP's text tower)
    TextEncoder       token and position embeddings, blocks, a final LayerNorm; pooled = the <eos> token

    encoder = TextEncoder(TextEncoderConfig(vocab_size=len(tokenizer)))
    tokens, pooled = encoder(ids, mask)        # (B, L) long, (B, L) bool -> (B, L, D), (B, D)

The tokens feed a U-Net's cross-attention (Rombach et al. 2022, Stable Diffusion); the pooled vector is
what a contrastive model compares with an image (Radford et al. 2021, CLIP), and what a U-Net adds to its
time embedding (Podell et al. 2023, SDXL). CLIP's text tower uses a causal mask and pools at <eos>; with
no language-model objective here the attention is bidirectional (as in BERT and T5's encoder), and the
<eos> token, which sees every word, is still the pooled summary.
"""
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F
from einops import rearrange

from ..runtime import has_values


@dataclass(frozen=True)
class TextEncoderConfig:
    vocab_size: int = 70
    max_length: int = 40        # positions the encoder knows; the tokenizer pads every prompt to this
    width: int = 64             # D, the width of every token vector and of the pooled vector
    layers: int = 2
    heads: int = 4
    mlp_ratio: int = 4

    def __post_init__(self):
        if self.width % self.heads:
            raise ValueError(f"width={self.width} must divide by heads={self.heads}")


class SelfAttention(nn.Module):
    def __init__(self, width: int, heads: int):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(width, 3 * width)                         # one matmul for q, k and v
        self.out = nn.Linear(width, width)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        # x (B, L, D); mask (B, L) True for real tokens: padding is never attended to
        q, k, v = (rearrange(z, "b l (h d) -> b h l d", h=self.heads) for z in self.qkv(x).chunk(3, dim=-1))
        h = F.scaled_dot_product_attention(q, k, v, attn_mask=mask[:, None, None, :])  # (B, heads, L, d)
        return self.out(rearrange(h, "b h l d -> b l (h d)"))


class TransformerBlock(nn.Module):
    def __init__(self, width: int, heads: int, mlp_ratio: int):
        super().__init__()
        self.norm1, self.attn = nn.LayerNorm(width), SelfAttention(width, heads)
        self.norm2 = nn.LayerNorm(width)
        self.mlp = nn.Sequential(nn.Linear(width, mlp_ratio * width), nn.GELU(), nn.Linear(mlp_ratio * width, width))

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        x = x + self.attn(self.norm1(x), mask)
        return x + self.mlp(self.norm2(x))


class TextEncoder(nn.Module):
    def __init__(self, config: TextEncoderConfig = TextEncoderConfig()):
        super().__init__()
        self.config = c = config
        self.token_emb = nn.Embedding(c.vocab_size, c.width)
        self.pos_emb = nn.Parameter(torch.zeros(c.max_length, c.width))
        self.blocks = nn.ModuleList(TransformerBlock(c.width, c.heads, c.mlp_ratio) for _ in range(c.layers))
        self.norm = nn.LayerNorm(c.width)
        # Small embeddings, as in GPT-2 and CLIP; linear layers keep PyTorch's defaults.
        nn.init.normal_(self.token_emb.weight, std=0.02)
        nn.init.normal_(self.pos_emb, std=0.01)

    def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """ids (B, L) long and mask (B, L) bool from the tokenizer -> tokens (B, L, D), pooled (B, D)."""
        self._check(ids, mask)
        x = self.token_emb(ids) + self.pos_emb[:ids.shape[1]]              # (B, L, D)
        for block in self.blocks:
            x = block(x, mask)
        x = self.norm(x)
        eos = mask.sum(dim=1) - 1                                           # (B,) the last real token
        return x, x[torch.arange(len(x)), eos]

    def _check(self, ids, mask):
        c = self.config
        if ids.ndim != 2 or ids.dtype != torch.long or ids.shape[1] > c.max_length:
            raise ValueError(f"ids must be long of shape (B, L <= {c.max_length}), got {ids.dtype} {tuple(ids.shape)}")
        if mask.shape != ids.shape or mask.dtype != torch.bool or (has_values(mask) and not mask[:, 0].all()):
            raise ValueError("mask must be bool, shaped like ids, True from the first token (<bos>) on")
        if has_values(ids) and (ids.min() < 0 or ids.max() >= c.vocab_size):
            raise ValueError(f"token ids must lie in 0..{c.vocab_size - 1}; was the tokenizer built for this encoder?")


def check_context_mask(context: torch.Tensor, context_mask: torch.Tensor | None) -> None:
    """A text-conditioned network's padding mask: bool (B, L) like the context's first two axes, hiding at most
    the padding (every prompt keeps at least one token). Raises a ValueError that says what is wrong."""
    if context_mask is None:
        return
    if context is None:
        raise ValueError("context_mask given without context")
    if context_mask.dtype != torch.bool or context_mask.shape != context.shape[:2]:
        raise ValueError(f"context_mask must be bool of shape {tuple(context.shape[:2])}, "
                         f"got {context_mask.dtype} {tuple(context_mask.shape)}")
    if has_values(context_mask) and not context_mask.any(dim=1).all():
        raise ValueError("context_mask hides every token of some sample; keep at least one (e.g. <eos>)")
