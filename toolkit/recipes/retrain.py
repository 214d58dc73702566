"""Retrain a shipped model here, exactly as it was made: the command its manifest records, run in this process.

    from toolkit.recipes.retrain import shipped_or_retrained, use_retrained
    model = shipped_or_retrained("shapes_epsilon_unet")   # the shipped weights; with TOOLKIT_TRAIN=full, retrained
    use_retrained(["shapes_video_vae", "shapes_video_dit"])   # TOOLKIT_TRAIN=full: retrain these, then load them

Notebooks load the shipped weights by default, so that every one fits a lab; `TOOLKIT_TRAIN=full` makes them
retrain instead. The expected time (the shipped run's, from its manifest) is printed before training starts, and
the recipe's progress bar shows the time left. The new weights go to a copy of the zoo in the cache folder
(runtime.cache_dir() / "retrained" / "checkpoints"), never over the shipped ones, so the models it depends on are found beside
it; the recipe's training checkpoints go there too, so an interrupted run resumes where it stopped when it is
started again.
"""
import importlib
import os
import shlex
import shutil
from pathlib import Path

import torch

from .. import checkpoints, runtime, zoo

# Recipes that keep no training checkpoints (minutes of training: a rerun starts afresh). The others take --runs.
NOT_RESUMABLE = {"toolkit.recipes.denoising"}


def recipe_command(command: str, steps: int | None = None) -> tuple[str, list[str]]:
    """("toolkit.recipes.NAME", its arguments) from a manifest's command, without its --out, --runs (and --steps
    when `steps` replaces it)."""
    words = shlex.split(command or "")
    if len(words) < 4 or words[:2] != ["python", "-m"] or not words[2].startswith("toolkit.recipes."):
        raise checkpoints.CheckpointError(
            f"the manifest records {command!r}, not a recipe's command (python -m toolkit.recipes.NAME train ...); "
            "restore the manifest from git")
    dropped = {"--out", "--runs"} | ({"--steps"} if steps is not None else set())
    argv, skip = [], False
    for word in words[3:]:
        if skip:
            skip = False
        elif word in dropped:
            skip = True
        elif word.split("=")[0] not in dropped:
            argv.append(word)
    return words[2], argv


def expected_minutes(name: str) -> float | None:
    """How long the shipped run trained, in minutes, from its manifest (None where it was not recorded)."""
    metrics = zoo.manifest(name)["metrics"] or {}
    seconds = metrics.get("train_seconds_this_session", metrics.get("train_seconds"))
    return None if seconds is None else seconds / 60


def retrain(name: str, steps: int | None = None, folder=None) -> torch.nn.Module:
    """Run `name`'s recorded recipe here and return the model it ships, loaded like zoo.load (frozen, checked).

    steps: replace the recipe's training steps (a quick try; the default is exactly the shipped run).
    folder: where the retrained zoo goes (default: retrained_assets() / "checkpoints")."""
    if steps is not None and (not isinstance(steps, int) or steps < 1):
        raise ValueError(f"steps must be a positive integer (or None for the shipped run's), got {steps!r}")
    module, argv = recipe_command(zoo.manifest(name)["command"], steps)
    folder = Path(folder) if folder is not None else retrained_assets() / "checkpoints"
    folder.mkdir(parents=True, exist_ok=True)
    shipped = checkpoints.resolve()
    for path in shipped.glob("*"):                  # the models it builds on, found beside it as in the zoo
        if path.suffix in (".json", ".safetensors") and not (folder / path.name).exists():
            shutil.copy2(path, folder / path.name)
    argv += ["--out", str(folder)] + ([] if module in NOT_RESUMABLE else ["--runs", str(folder / "runs")])
    argv += ["--steps", str(steps)] if steps is not None else []

    minutes = expected_minutes(name)
    print(f"Retraining {name}: python -m {module} {' '.join(argv)}")
    print(f"The shipped run trained for {minutes:.0f} min on the 2-core reference machine; measuring the result "
          "adds some minutes." if minutes is not None and steps is None else "Training time: see the progress bar.")
    print(f"The weights go to {folder} (the shipped ones are left as they are)"
          + ("." if module in NOT_RESUMABLE else "; interrupted, it resumes from its last checkpoint when rerun."))
    importlib.import_module(module).main(argv)
    return zoo.load(name, folder)


def shipped_or_retrained(name: str) -> torch.nn.Module:
    """zoo.load(name) by default; with TOOLKIT_TRAIN=full, retrain(name): the shipped run, redone here."""
    return retrain(name) if runtime.train_full() else zoo.load(name)


def retrained_assets() -> Path:
    """The copy of assets/ that retraining writes into: runtime.cache_dir() / "retrained"."""
    return runtime.cache_dir() / "retrained"


def use_retrained(names: list[str]) -> None:
    """By default nothing: the notebook loads the shipped weights. With TOOLKIT_TRAIN=full, retrain each of `names`
    in order (a model is retrained after those it builds on, so list them first) and point the zoo at the
    retrained copy for the rest of this process ($TOOLKIT_ASSETS), so that every later zoo.load and
    Pipeline.from_pretrained reads the models trained here."""
    unknown = [name for name in names if name not in zoo.names()]
    if unknown:
        raise ValueError(f"{unknown} are not shipped models; the zoo holds {zoo.names()}")
    if not runtime.train_full():
        return
    total = sum(expected_minutes(name) or 0 for name in names)
    print(f"TOOLKIT_TRAIN=full: retraining {', '.join(names)} (about {total:.0f} min on the reference machine)")
    for name in names:
        retrain(name)
    metrics = retrained_assets() / "metrics"
    if not metrics.exists():                        # the tables the notebooks read, as shipped
        shutil.copytree(checkpoints.assets() / "metrics", metrics)
    os.environ[checkpoints.ASSETS_VARIABLE] = str(retrained_assets())
