"""The header every notebook opens with: what it builds on, how long it takes, what the learner can do at the end.

Nothing in it is typed twice. What a notebook builds on and what a learner can do after it are read from the
teacher's guide (docs/teaching.md, its two tables); the times from the measured table bench/notebook_times.md
(`python bench/notebook_times.py --fast --out bench/notebook_times.md`); the time of full training adds the
shipped runs of the models a notebook retrains with TOOLKIT_TRAIN=full, from their manifests. nb.build puts the
header under each notebook's title, and tests/test_notebook_headers.py checks that it is up to date.
"""
import math
import re
from itertools import takewhile
from pathlib import Path

from toolkit import zoo
from toolkit.recipes.retrain import expected_minutes

ROOT = Path(__file__).resolve().parents[2]

# What TOOLKIT_TRAIN=full retrains in each notebook (the others load them as shipped). 01 to 04 train their own
# model live at its shipped size; 05 to 09 call toolkit.recipes.retrain.use_retrained with these names.
RETRAINS = {
    "01": ["photo_denoiser"], "02": ["shapes_epsilon_unet"], "03": ["shapes_velocity_unet"], "04": ["shapes_clip"],
    "05": ["shapes_vae", "shapes_video_vae"], "06": ["shapes_vae", "shapes_latent_text_unet"],
    "07": ["shapes_spacetime_unet"], "08": ["shapes_video_vae", "shapes_video_dit"],
    "08b": ["digits_classifier", "digits_video_vae", "digits_clip", "digits_video_dit"],
    "09": ["shapes_audio_ae", "shapes_sound_dit", "shapes_sound_video_dit"],
}


def key(stem: str) -> str:
    """ "08b_bouncing_digits" -> "08b"."""
    return stem.split("_")[0]


def _table(text: str, heading: str) -> list[list[str]]:
    """The body rows (cells stripped) of the first Markdown table from `heading` on."""
    lines = text[text.index(heading):].splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("|"))
    block = list(takewhile(lambda line: line.startswith("|"), lines[start:]))
    return [[cell.strip() for cell in line.strip("|").split("|")] for line in block[2:]]


def guide() -> dict[str, dict[str, str]]:
    """{"02": {"builds_on": "01", "can": "write the forward process ..."}} from docs/teaching.md."""
    text = (ROOT / "docs" / "teaching.md").read_text()
    found = {}
    for row in _table(text, "## The path"):
        found[row[0].split()[0]] = {"builds_on": row[1]}
    for row in _table(text, "## Syllabus"):
        found[row[0].split()[0]]["can"] = row[1]
    return found


def measured_minutes() -> dict[str, tuple[float, float]]:
    """{"02": (default minutes, fast minutes)} from bench/notebook_times.md."""
    found, table = {}, ROOT / "bench" / "notebook_times.md"
    for row in _table(table.read_text(), "| notebook") if table.exists() else []:
        if "-" not in (row[1], row[3]):                            # "-": not measured
            found[key(row[0])] = (float(row[1].split()[0]), float(row[3].split()[0]))
    return found


def full_minutes(name: str, default: float) -> float:
    """The notebook's default time plus the shipped training time of what TOOLKIT_TRAIN=full retrains."""
    return default + sum(expected_minutes(model) or 0 for model in RETRAINS.get(name, []))


def about(minutes: float) -> str:
    if minutes < 1:
        return "under 1 min"
    if minutes < 90:
        return f"about {math.ceil(minutes)} min"
    return f"about {math.ceil(minutes / 30) / 2:g} h"


def header(stem: str) -> str:
    """The Markdown header of notebook `stem` (for example "02_diffusion_from_scratch")."""
    name = key(stem)
    row, measured = guide()[name], measured_minutes()
    if name not in measured:
        return (f"> **Builds on** {row['builds_on']} · **Time** not measured yet: run `python bench/notebook_times.py "
                f"--fast --out bench/notebook_times.md`, then this build again\n>\n> **At the end you can** {row['can']}.")
    default, fast = measured[name]
    retrains = RETRAINS.get(name, [])
    full = (f"{about(full_minutes(name, default))} with full training (`TOOLKIT_TRAIN=full` retrains "
            + ", ".join(f"`{model}`" for model in retrains) + ")") if retrains else \
        "the same with `TOOLKIT_TRAIN=full` (nothing here to retrain)"
    return (f"> **Builds on** {row['builds_on']} · **Time on a 2-core laptop** {about(default)} by default, "
            f"{about(fast)} in fast mode (`TOOLKIT_FAST=1`), {full}\n>\n"
            f"> **At the end you can** {row['can']}.")


def with_header(stem: str, first_cell: str) -> str:
    """The first cell's Markdown with the header under its title line (replacing an older header)."""
    title, _, rest = first_cell.strip().partition("\n")
    if not re.match(r"# \d\d", title):
        raise ValueError(f"{stem}: the first cell must open with its title, '# {key(stem)} · ...', got {title!r}")
    rest = re.sub(r"^\s*(> .*\n|>\n)+", "", rest.lstrip("\n") + "\n")
    return f"{title}\n\n{header(stem)}\n\n{rest.strip()}"

