"""Prose that states measured numbers is formatted from the metrics tables by its cell ("measured-prose" cells,
notebooks/build/nb.py), never typed: each such cell, rerun alone against today's assets/metrics, must write exactly
the Markdown committed in its notebook, so a table re-measured without rerunning the notebook fails here."""
import json
import sys
import types
from pathlib import Path
from unittest import mock

import pytest

from toolkit import checkpoints

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("*.ipynb"))
TAG = "measured-prose"


def tagged_cells():
    for path in NOTEBOOKS:
        for i, cell in enumerate(json.loads(path.read_text())["cells"]):
            if TAG in cell.get("metadata", {}).get("tags", []):
                yield pytest.param(cell, id=f"{path.stem}-cell{i}")


class Markdown:
    def __init__(self, text):
        self.text = text


def rerun(source: str) -> list:
    """The Markdown texts the cell displays, run alone (its `from IPython.display import ...` gets these too)."""
    shown = []
    display = types.ModuleType("IPython.display")
    display.Markdown, display.display = Markdown, lambda m: shown.append(m.text)
    with mock.patch.dict(sys.modules, {"IPython.display": display}):
        exec(compile(source, "<measured-prose cell>", "exec"),
             {"checkpoints": checkpoints, "Markdown": Markdown, "display": display.display})
    return shown


def test_some_notebook_formats_its_measured_prose():
    assert list(tagged_cells()), f"no cell is tagged {TAG!r}"


@pytest.mark.parametrize("cell", tagged_cells())
def test_measured_prose_matches_the_table_it_reads(cell):
    committed = ["".join(o["data"]["text/markdown"]) for o in cell["outputs"] if "text/markdown" in o.get("data", {})]
    assert committed, "the cell has no committed Markdown output: run the notebook"
    assert rerun("".join(cell["source"])) == committed, ("the committed prose differs from what the metrics table "
                                                         "says now: rerun the notebook")


def scaled(value, factor: float):
    """Every number of a table, multiplied by factor (strings and flags kept)."""
    if isinstance(value, dict):
        return {k: scaled(v, factor) for k, v in value.items()}
    if isinstance(value, list):
        return [scaled(v, factor) for v in value]
    return value * factor if isinstance(value, float) else value


def test_a_remeasured_table_is_caught(monkeypatch):
    cell = next(iter(tagged_cells())).values[0]
    before = rerun("".join(cell["source"]))
    real = checkpoints.metrics
    monkeypatch.setattr(checkpoints, "metrics", lambda name: scaled(real(name), 1.3))
    assert rerun("".join(cell["source"])) != before
