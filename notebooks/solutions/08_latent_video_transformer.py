"""Notebook 08's exercises, answered."""
import torch
from einops import rearrange

from toolkit.exercise_answers import check_exercise
from toolkit.models.video_dit import VideoDiT

# 1. 21 latent frames x (480/8/2) x (832/8/2) patches of 1 x 2 x 2.
wan_tokens = 21 * (480 // 8 // 2) * (832 // 8 // 2)
assert check_exercise("08.1", wan_tokens)

# 2. adaLN: scale and shift are per sample (B, D); [:, None] broadcasts them over the N tokens.
x, shift, scale = torch.randn(2, 5, 6), torch.randn(2, 6), torch.randn(2, 6)
modulated = x * (1 + scale[:, None, :]) + shift[:, None, :]
assert check_exercise("08.2", modulated, x=x, shift=shift, scale=scale)

# 3. Unpatchify: split the token axis into the (t, h, w) grid and each token's vector into (c, pt, ph, pw).
model = VideoDiT.from_preset("cpu")
tokens = torch.randn(1, 64, 32)
latent_back = rearrange(tokens, "b (t h w) (c pt ph pw) -> b c (t pt) (h ph) (w pw)", t=4, h=4, w=4, pt=1, ph=2, pw=2)
assert check_exercise("08.3", latent_back, tokens=tokens, model=model)
