"""Every notebook opens with its header (notebooks/build/headers.py): what it builds on, its measured times in the
three modes, what the learner can do at the end; the teacher's guide lists the same times, and every default
run fits the budget of a lab (5 minutes, 10 for 01 and 02, measured in bench/notebook_times.md)."""
import json
import sys
from pathlib import Path

import pytest

from toolkit import zoo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "notebooks" / "build"))
import headers  # noqa: E402

NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]*_*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_each_notebook_opens_with_its_current_header(path):
    first = json.loads(path.read_text())["cells"][0]
    assert first["cell_type"] == "markdown"
    assert headers.header(path.stem) in "".join(first["source"]), (
        f"{path.name}'s header is out of date (times or guide changed): run python notebooks/build/build_"
        f"{headers.key(path.stem)}.py (only Markdown changes, so the outputs are kept)")


def test_every_notebook_is_measured_within_its_budget_and_in_the_guide():
    measured, guide = headers.measured_minutes(), headers.guide()
    names = [headers.key(path.stem) for path in NOTEBOOKS]
    assert sorted(measured) == sorted(guide) == sorted(names)              # 08b included
    for name, (default, fast) in measured.items():
        budget = 10 if name in ("01", "02") else 5
        assert 0 < default <= budget and 0 < fast <= budget, (name, default, fast)
    assert set(headers.RETRAINS) <= set(names)
    assert all(model in zoo.names() for models in headers.RETRAINS.values() for model in models)


def test_the_teachers_guide_lists_the_times_the_headers_give():
    guide = (ROOT / "docs" / "teaching.md").read_text()
    rows = {row[0].split()[0]: row for row in headers._table(guide, "## The path")}
    for name, (default, fast) in headers.measured_minutes().items():
        full = headers.about(headers.full_minutes(name, default)) if name in headers.RETRAINS else "as default"
        assert rows[name][2:] == [headers.about(default), headers.about(fast), full], name


@pytest.mark.parametrize("name", ["05", "06", "07", "08", "08b", "09"])
def test_full_training_retrains_what_the_header_says(name):
    """01-04 train their own model live at full size; 05-09 ask toolkit.recipes.retrain for the shipped ones."""
    path = next(p for p in NOTEBOOKS if headers.key(p.stem) == name)
    code = "".join("".join(c["source"]) for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "code")
    assert f"use_retrained({headers.RETRAINS[name]!r})".replace("'", '"') in code


def test_a_first_cell_without_a_title_is_refused():
    with pytest.raises(ValueError, match="must open with its title"):
        headers.with_header("02_diffusion_from_scratch", "Some text")

