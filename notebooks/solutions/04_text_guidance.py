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

# 3. The model after 500 steps: its best scale, and what that scale costs in distance to real images.
rows = checkpoints.metrics("guidance_early")["rows"]
at_500 = {x["scale"]: x for x in rows if x["train_step"] == 500}
best_scale = max(at_500, key=lambda s: at_500[s]["joint"])
frechet_growth = at_500[best_scale]["frechet"] / at_500[1.0]["frechet"]
assert check_exercise("04.3a", best_scale, rows=rows)
assert check_exercise("04.3b", frechet_growth, rows=rows)
