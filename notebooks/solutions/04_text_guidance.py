"""Notebook 04's exercises, answered."""

import torch
import torch.nn.functional as F

from toolkit import checkpoints
from toolkit.exercise_answers import check_exercise

# 1. Classifier-free guidance: start from the unconditional prediction, go s times the way the prompt adds.
g = torch.Generator().manual_seed(0)
d_cond, d_uncond = torch.randn(2, 3, 8, 8, generator=g), torch.randn(2, 3, 8, 8, generator=g)
guided = d_uncond + 4.0 * (d_cond - d_uncond)
assert check_exercise("04.1", guided, d_cond=d_cond, d_uncond=d_uncond)

# 2. Symmetric InfoNCE: cross-entropy of the rows and of the columns against the diagonal.
logits = torch.randn(6, 6, generator=torch.Generator().manual_seed(1)) * 3
target = torch.arange(6)
my_loss = (F.cross_entropy(logits, target) + F.cross_entropy(logits.T, target)) / 2
assert check_exercise("04.2", my_loss, logits=logits)

# 3. Walk up the scales until joint adherence on held-out wordings reaches 90%.
rows = checkpoints.metrics("text_to_image")["rows"]
cfg_rows = sorted((x for x in rows if x["guidance"] == "cfg" and x["prompts"] == "wording"), key=lambda x: x["scale"])
smallest_scale = next(x["scale"] for x in cfg_rows if x["joint"] >= 0.9)
assert check_exercise("04.3", smallest_scale, rows=rows)
