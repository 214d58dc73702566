"""Notebook 08b's exercises, answered."""
import torch

from toolkit.data import digits
from toolkit.eval import digits as judge
from toolkit.exercise_answers import check_exercise

# 1. Ten held-out pairs of sixty.
fraction = len(digits.combinations("heldout")) / len(digits.combinations("all"))
assert check_exercise("08b.1", fraction)

# 2. y grows from 11 to 20 (downwards) until frame 6, then shrinks again (upwards): down then up.
t = torch.arange(16.0)
path = torch.stack([torch.full((16,), 16.0), 20 - 1.5 * (t - 6).abs()], dim=1)
motion = "down then up"
assert judge.read_motion(path) == motion
assert check_exercise("08b.2a", path)
assert check_exercise("08b.2b", motion)
