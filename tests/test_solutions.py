"""The reference solutions in notebooks/solutions/ still solve the notebooks' exercises."""
import runpy
from pathlib import Path

import nbformat
import pytest

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
SOLUTIONS = sorted((NOTEBOOKS / "solutions").glob("*.py"))
NUMBERED = sorted(NOTEBOOKS.glob("[0-9][0-9]*_*.ipynb"))        # 00_tour ... 08b_bouncing_digits ...


@pytest.mark.parametrize("path", NUMBERED, ids=lambda p: p.stem)
def test_every_notebook_ends_with_exercises(path):
    cells = nbformat.read(path, as_version=4).cells
    headings = [(i, line) for i, cell in enumerate(cells) if cell.cell_type == "markdown"
                for line in cell.source.splitlines() if line.startswith("#")]
    assert headings, f"{path.name} has no headings"
    start, last = headings[-1]
    assert "Exercises" in last, f"{path.name}'s last heading is {last!r}: it should end with its exercises"
    assert any("your code here" in cell.source for cell in cells[start:] if cell.cell_type == "code"), \
        f"{path.name}'s exercises have no cell for the learner's answer ('# your code here')"


def test_every_notebook_with_exercises_has_solutions():
    with_exercises = {p.stem for p in NOTEBOOKS.glob("*.ipynb") if "your code here" in p.read_text()}
    assert with_exercises <= {p.stem for p in SOLUTIONS}, with_exercises - {p.stem for p in SOLUTIONS}


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.stem)
def test_solution_runs_and_every_check_passes(path, capsys):
    runpy.run_path(str(path), run_name="__main__")         # each answer is asserted inside the script
    assert "Not yet" not in capsys.readouterr().out


def test_the_tour_links_every_notebook():
    tour = nbformat.read(NOTEBOOKS / "00_tour.ipynb", as_version=4)
    text = "".join(cell.source for cell in tour.cells if cell.cell_type == "markdown")
    missing = [p.name for p in NUMBERED if p.stem != "00_tour" and f"]({p.name})" not in text]
    assert not missing, f"notebook 00's map does not link {missing}"
