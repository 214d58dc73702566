"""Run-time switches shared by the library and the notebooks.

* Three ways to run a notebook. The **default** loads the shipped weights where a model takes long to train,
  and trains short runs live so the loss is seen to fall; it is what the committed outputs show and fits a lab.
  **Fast mode** (`TOOLKIT_FAST=1`) shrinks every run to seconds, so that CI and a hurried learner can execute
  every notebook; results are then rough, and the notebooks say so. **Full training** (`TOOLKIT_TRAIN=full`)
  retrains the shipped models in the notebooks, as their manifests record (toolkit.recipes.retrain): hours.
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


def train_full() -> bool:
    """True when TOOLKIT_TRAIN=full: notebooks retrain the models they would otherwise load as shipped.
    Unset (or "short") is the default; any other value is refused, so a typo does not silently do neither."""
    chosen = os.environ.get("TOOLKIT_TRAIN", "").strip().lower()
    if chosen not in ("", "short", "full"):
        raise ValueError(f"TOOLKIT_TRAIN={chosen!r}: use full (retrain the shipped models here, hours) or "
                         "unset it (the default: shipped weights, short live runs)")
    return chosen == "full"


def mode() -> str:
    """One line that names how this run goes, for a notebook's first cell to print."""
    if fast_mode():
        return "fast mode (TOOLKIT_FAST=1): tiny runs, rough results"
    if train_full():
        return "full training (TOOLKIT_TRAIN=full): the shipped models are retrained here, as their manifests record"
    return "default mode: shipped weights, short live training runs (TOOLKIT_TRAIN=full retrains them all)"


def pick(full, fast):
    """Return `fast` in fast mode and `full` otherwise (the default and full training): `n = pick(400, 60)`."""
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
