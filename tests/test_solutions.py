"""The reference solutions in notebooks/solutions/ still solve the notebooks' exercises."""
import runpy
from pathlib import Path

import pytest

SOLUTIONS = sorted((Path(__file__).resolve().parents[1] / "notebooks" / "solutions").glob("*.py"))


def test_every_notebook_with_exercises_has_solutions():
    notebooks = Path(__file__).resolve().parents[1] / "notebooks"
    with_exercises = {p.stem for p in notebooks.glob("*.ipynb") if "your code here" in p.read_text()}
    assert with_exercises <= {p.stem for p in SOLUTIONS}, with_exercises - {p.stem for p in SOLUTIONS}


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.stem)
def test_solution_runs_and_every_check_passes(path, capsys):
    runpy.run_path(str(path), run_name="__main__")         # each answer is asserted inside the script
    assert "Not yet" not in capsys.readouterr().out
