"""Notebook 08b's exercises, answered."""
import torch

from toolkit.data import digits
from toolkit.eval import digits as judge
from toolkit.exercises import check

# 1. Ten held-out pairs of sixty.
fraction = len(digits.combinations("heldout")) / len(digits.combinations("all"))
assert check(fraction, 1 / 6, what="fraction")

# 2. y grows from 11 to 20 (downwards) until frame 6, then shrinks again (upwards): down then up.
t = torch.arange(16.0)
path = torch.stack([torch.full((16,), 16.0), 20 - 1.5 * (t - 6).abs()], dim=1)
motion = "down then up"
assert check(float(motion == judge.read_motion(path) == "down then up"), 1.0, what="the motion you named")
