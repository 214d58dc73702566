"""Run-time switches shared by the library and the notebooks.

* Fast mode (`TOOLKIT_FAST=1`) shrinks every training run to seconds, so that CI and a
  hurried learner can execute every notebook; results are then rough, and the notebooks
  say so. Full mode (the default) is what the committed notebook outputs show.
* `seed_everything` makes a CPU run reproducible bit for bit.
* `default_device` picks CUDA when there is one; code never hard-codes `.cuda()`.
"""
import os
import random

import numpy as np
import torch


def fast_mode() -> bool:
    """True when the environment variable TOOLKIT_FAST is set to 1 (or true/yes)."""
    return os.environ.get("TOOLKIT_FAST", "0").strip().lower() in {"1", "true", "yes"}


def pick(full, fast):
    """Return `fast` in fast mode and `full` otherwise: `steps = pick(2000, 20)`."""
    return fast if fast_mode() else full


def seed_everything(seed: int) -> torch.Generator:
    """Seed Python, NumPy and torch, and return a torch.Generator seeded the same way."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    return torch.Generator().manual_seed(seed)


def default_device() -> torch.device:
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")
