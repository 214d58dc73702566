"""Run-time switches shared by the library and the notebooks.

* Fast mode (`TOOLKIT_FAST=1`) shrinks every training run to seconds, so that CI and a
  hurried learner can execute every notebook; results are then rough, and the notebooks
  say so. Full mode (the default) is what the committed notebook outputs show.
* `seed_everything` makes a CPU run reproducible bit for bit.
* `device` is the one place the device is chosen: $TOOLKIT_DEVICE if set ("cpu", "cuda", "cuda:1", "mps"; "meta"
  for shape-only checks), else CUDA when there is one, else the CPU. Training loops run on it; what they hand
  back, like what `toolkit.zoo` loads, is on the CPU, beside the data a notebook draws and plots, so the same
  notebook runs on a laptop and on a GPU runtime. Code never hard-codes `.cuda()`.
* `cache_dir` is where regenerable files (encoded latents) go: $TOOLKIT_CACHE, else the user's cache folder,
  never the package's folder or the current one.
"""
import os
import random
from dataclasses import fields, replace
from pathlib import Path

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


def cache_dir() -> Path:
    """$TOOLKIT_CACHE if set, else $XDG_CACHE_HOME/from-static-to-video (~/.cache/... by default); read at call time."""
    chosen = os.environ.get("TOOLKIT_CACHE", "").strip()
    if chosen:
        return Path(chosen).expanduser()
    return Path(os.environ.get("XDG_CACHE_HOME", "").strip() or Path.home() / ".cache") / "from-static-to-video"


def device() -> torch.device:
    """The device training runs on: $TOOLKIT_DEVICE if set, else "cuda" when a GPU is visible, else "cpu"."""
    chosen = os.environ.get("TOOLKIT_DEVICE", "").strip()
    if not chosen:
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        picked = torch.device(chosen)
    except RuntimeError as e:
        raise ValueError(f"TOOLKIT_DEVICE={chosen!r} is not a device ({e}); use cpu, cuda, cuda:N, mps or meta, "
                         "or unset it to let the toolkit choose") from None
    if picked.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"TOOLKIT_DEVICE={chosen!r} but this machine has no CUDA GPU that PyTorch can see; "
                         "unset TOOLKIT_DEVICE or set it to cpu")
    return picked


def has_values(x: torch.Tensor) -> bool:
    """False for a tensor on `meta` (shapes without values, for shape-only checks): input checks that read
    values skip it, the ones that read shapes and dtypes still run."""
    return x.device.type != "meta"


def from_preset(presets: dict, name: str, what: str, **overrides):
    """presets[name] (a frozen dataclass) with some fields replaced, refusing unknown presets and fields."""
    if name not in presets:
        raise ValueError(f"unknown {what} preset {name!r}; choose one of {sorted(presets)}")
    known = {f.name for f in fields(presets[name])}
    if unknown := set(overrides) - known:
        raise ValueError(f"unknown {type(presets[name]).__name__} fields {sorted(unknown)}; the fields are {sorted(known)}")
    return replace(presets[name], **overrides)
