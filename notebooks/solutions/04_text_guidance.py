"""Notebook 04's exercises, answered."""

import torch
import torch.nn.functional as F

from toolkit import checkpoints
from toolkit.diffusion.guidance import classifier_free_guidance
from toolkit.exercises import check
from toolkit.models.clip import contrastive_loss

# 1. Classifier-free guidance: start from the unconditional prediction, go s times the way the prompt adds.
g = torch.Generator().manual_seed(0)
d_cond, d_uncond = torch.randn(2, 3, 8, 8, generator=g), torch.randn(2, 3, 8, 8, generator=g)
guided = d_uncond + 4.0 * (d_cond - d_uncond)
predictions = {1: d_cond, 0: d_uncond}
fake = lambda x, t, y: torch.stack([predictions[int(v)][i % 2] for i, v in enumerate(y)])  # noqa: E731
reference = classifier_free_guidance(fake, 4.0, {"y": torch.zeros(2)})(torch.zeros(2, 3, 8, 8), 0.5, y=torch.ones(2))
assert check(guided, reference, what="guided")

# 2. Symmetric InfoNCE: cross-entropy of the rows and of the columns against the diagonal.
logits = torch.randn(6, 6, generator=torch.Generator().manual_seed(1)) * 3
target = torch.arange(6)
my_loss = (F.cross_entropy(logits, target) + F.cross_entropy(logits.T, target)) / 2
assert check(my_loss, contrastive_loss(logits), what="my_loss")

# 3. Walk up the scales until joint adherence on held-out wordings reaches 90%.
rows = checkpoints.metrics("text_to_image")["rows"]
cfg_rows = sorted((x for x in rows if x["guidance"] == "cfg" and x["prompts"] == "wording"), key=lambda x: x["scale"])
smallest_scale = next(x["scale"] for x in cfg_rows if x["joint"] >= 0.9)
assert check(smallest_scale, min(x["scale"] for x in cfg_rows if x["joint"] >= 0.9), what="smallest_scale")
