"""Shipped weights: safetensors files with a JSON manifest beside them.

A checkpoint `NAME` is two files in one folder:

    NAME.safetensors   the tensors (never a pickle: loading a pickle can run code)
    NAME.json          the manifest: {"name", "file", "sha256", "config", "command", "metrics", ...}

`save` writes both atomically (to a temporary file, then `os.replace`), so an interrupted
write leaves the previous checkpoint intact. `load` verifies the file's sha256 against the
manifest and the manifest's config against the one the caller expects, and refuses
anything else with an error that says what to do.

Shipped weights are stored as 16-bit floats (`save(..., half=True)`, recorded as "storage": "float16"):
half the bytes, so that every checkpoint of the course fits in assets/' 40 MB. `load` returns them as
float32, the precision the CPU computes in. The rounding (about 3 significant digits) changes no measured
figure (tests/test_shipped_*.py re-measure them from the stored weights). Training checkpoints, which must
resume bit for bit, stay float32.

Where the shipped files are is decided when they are asked for, not at import: `resolve()` gives
$TOOLKIT_ASSETS/checkpoints when that environment variable names a folder, else the copy that comes with
the code (installed with the package by `pip install .`, or assets/ in a clone); `metrics(name)` reads a
table of measured figures from the metrics/ folder beside it.
"""
import hashlib
import json
import os
import tempfile
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

ASSETS_VARIABLE = "TOOLKIT_ASSETS"
# checkpoints/ and metrics/ as they come with the code: toolkit/assets/ in an installed wheel (pyproject.toml maps
# them there), assets/ beside toolkit/ in a clone of the repository.
_PACKAGE = Path(__file__).resolve().parent
SHIPPED = _PACKAGE / "assets" if (_PACKAGE / "assets").is_dir() else _PACKAGE.parent / "assets"


class CheckpointError(RuntimeError):
    """A checkpoint is missing, tampered with, or made for another configuration."""


def assets() -> Path:
    """The folder of shipped files (checkpoints/ and metrics/): $TOOLKIT_ASSETS if set, else the shipped copy."""
    chosen = os.environ.get(ASSETS_VARIABLE, "").strip()
    if not chosen:
        return SHIPPED
    path = Path(chosen).expanduser()
    if not path.is_dir():
        raise CheckpointError(f"{ASSETS_VARIABLE}={chosen!r} is not a folder. Point it at a folder holding "
                              f"checkpoints/ and metrics/ (a copy of {SHIPPED}), or unset it to use the shipped weights.")
    return path


def resolve(folder=None) -> Path:
    """Where checkpoints are read and written: `folder` if given, else assets()/checkpoints (at call time)."""
    return Path(folder) if folder is not None else assets() / "checkpoints"


def metrics(name: str) -> dict:
    """A table of measured figures, assets()/metrics/NAME.json, written by the scripts its "command" names."""
    path = assets() / "metrics" / f"{name}.json"
    if not path.exists():
        known = sorted(p.stem for p in path.parent.glob("*.json"))
        raise CheckpointError(f"no metrics table {path}; the tables are {known}. Regenerate it with `make checkpoints`.")
    return json.loads(path.read_text())


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def atomic_write(path: Path, write) -> None:
    """Call write(tmp_path), then rename tmp_path onto path; on failure remove tmp_path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        write(tmp)
        os.chmod(tmp, 0o644)  # mkstemp makes files private; checkpoints are for everyone to read
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def write_json(path, payload: dict) -> Path:
    """Write a table of measured figures (assets/metrics/*.json) atomically, indented for reading in a diff."""
    path = Path(path)
    atomic_write(path, lambda tmp: Path(tmp).write_text(json.dumps(payload, indent=1) + "\n"))
    return path


def save(folder, name: str, tensors: dict, config: dict, command: str, metrics: dict | None = None,
         extra: dict | None = None, half: bool = False) -> Path:
    """Write NAME.safetensors and NAME.json into `folder`; return the manifest's path.
    half: store float32 tensors as float16 (shipped weights); `load` turns them back into float32.
    folder None: the shipped checkpoints (resolve())."""
    folder = resolve(folder)
    weights = folder / f"{name}.safetensors"
    tensors = {k: v.detach().to("cpu").contiguous() for k, v in tensors.items()}
    if half:
        tensors = {k: v.half() if v.dtype == torch.float32 else v for k, v in tensors.items()}
    atomic_write(weights, lambda tmp: save_file(tensors, tmp))
    manifest = {
        "name": name,
        "file": weights.name,
        "sha256": sha256_of(weights),
        "config": config,
        "command": command,
        "metrics": metrics or {},
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),  # CPU results are bit-exact for a given thread count
        "storage": "float16" if half else "as computed",
        **(extra or {}),
    }
    text = json.dumps(manifest, indent=2, sort_keys=True) + "\n"
    manifest_path = folder / f"{name}.json"
    atomic_write(manifest_path, lambda tmp: Path(tmp).write_text(text))
    return manifest_path


def read_manifest(folder, name: str) -> dict:
    """NAME.json in `folder` (None: the shipped checkpoints)."""
    path = resolve(folder) / f"{name}.json"
    if not path.exists():
        raise CheckpointError(
            f"No checkpoint manifest at {path}. Retrain it with `make checkpoints`, "
            f"or pass the folder that holds {name}.json and {name}.safetensors.")
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError as e:
        raise CheckpointError(f"{path} is not valid JSON ({e}); restore it from git or retrain.") from e


def load(folder, name: str, expected_config: dict | None = None) -> tuple[dict, dict]:
    """Return (tensors, manifest) after checking the hash and, if given, the config; folder None: the shipped ones."""
    folder = resolve(folder)
    manifest = read_manifest(folder, name)
    weights = folder / manifest.get("file", f"{name}.safetensors")
    if weights.suffix != ".safetensors":
        raise CheckpointError(
            f"{weights.name} is not a .safetensors file. Pickled checkpoints (.pt, .pth, .ckpt) "
            "can run arbitrary code when loaded and are refused; convert with safetensors.")
    if not weights.exists():
        raise CheckpointError(f"{weights} is missing. Retrain it with `make checkpoints`.")
    actual = sha256_of(weights)
    if actual != manifest.get("sha256"):
        raise CheckpointError(
            f"{weights} has sha256 {actual[:12]}..., but its manifest says "
            f"{str(manifest.get('sha256'))[:12]}...: the file was changed or damaged. "
            "Restore it from git or retrain it with `make checkpoints`.")
    if expected_config is not None:
        expected_config = json.loads(json.dumps(expected_config))       # as the manifest stores it: tuples are lists
    if expected_config is not None and manifest.get("config") != expected_config:
        raise CheckpointError(
            f"{name} was trained with config {manifest.get('config')}, "
            f"but the code asked for {expected_config}. Build the model from the manifest's "
            "config, or retrain the checkpoint for this config.")
    tensors = load_file(weights)
    if manifest.get("storage") == "float16":
        tensors = {k: v.float() if v.dtype == torch.float16 else v for k, v in tensors.items()}
    return tensors, manifest
