"""The answer key: every exercise's check compares with a hidden reference, and no check cell shows one."""
import ast
import re
import runpy
from pathlib import Path

import pytest
import torch

from toolkit.diffusion import ddpm_schedule
from toolkit.exercise_answers import ANSWERS, check_exercise

BUILD = Path(__file__).resolve().parents[1] / "notebooks" / "build"
SCRIPTS = sorted(BUILD.glob("build_*.py"))


def exercise_cells(script: Path, monkeypatch) -> list[tuple[int, str]]:
    """(exercise number, code) of each code cell after the script's last "Exercises" heading."""
    monkeypatch.syspath_prepend(str(BUILD))                       # the scripts import nb and headers
    cells = runpy.run_path(str(script), run_name="not_main")["CELLS"]
    start = max(i for i, (kind, src, *_) in enumerate(cells)
                if kind == "md" and any(line.startswith("#") and "Exercises" in line for line in src.splitlines()))
    found, number = [], None
    for kind, src, *_ in cells[start:]:
        head = re.search(r"^\*\*(\d+)\.", src, re.M) if kind == "md" else None
        if head:
            number = int(head[1])
        elif kind == "code" and number is not None:
            found.append((number, src))
    return found


def calls(code: str) -> list[ast.Call]:
    return [n for n in ast.walk(ast.parse(code)) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
            and n.func.id == "check_exercise"]


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.stem)
def test_every_exercise_is_checked_against_the_key_only(script, monkeypatch):
    """Each exercise calls check_exercise with its own id, the answer and the notebook's inputs by name: no
    expression in a check that could show how the answer is computed, and no bare check(answer, expected)."""
    notebook = script.stem.removeprefix("build_")
    cells = exercise_cells(script, monkeypatch)
    assert cells, f"{script.name} has no exercise cells"
    for number in {n for n, _ in cells}:
        code = "\n".join(src for n, src in cells if n == number)
        assert not re.search(r"(?<![\w.])check\(", code), f"{script.name}, exercise {number}: use check_exercise"
        found = calls(code)
        assert found, f"{script.name}, exercise {number} has no check_exercise"
        for call in found:
            exercise_id = call.args[0].value
            assert re.fullmatch(rf"{notebook}\.{number}[a-z]?", exercise_id), f"{exercise_id} in exercise {number}"
            shown = call.args[1:] + [k.value for k in call.keywords]
            assert len(call.args) == 2 and all(isinstance(a, ast.Name) for a in shown), \
                f"{exercise_id}: pass the answer and the inputs by name, not expressions"


def test_the_key_and_the_notebooks_name_the_same_exercises(monkeypatch):
    used = {call.args[0].value for script in SCRIPTS for _, src in exercise_cells(script, monkeypatch)
            for call in calls(src)}
    assert used - set(ANSWERS) == set(), "exercises without a reference"
    assert set(ANSWERS) - used == set(), "references no notebook uses"


def test_a_right_answer_passes_and_a_wrong_one_fails(capsys):
    schedule = ddpm_schedule("linear")
    assert check_exercise("02.1", torch.cumprod(1 - schedule.betas, 0)[500], schedule=schedule)
    assert not check_exercise("02.1", torch.cumprod(1 - schedule.betas, 0)[499], schedule=schedule)
    readings = [("circle", "red"), ("circle", "red"), ("square", "red"), ("square", "red"), ("circle", "red")]
    assert check_exercise("07.2", 0.5, readings=readings)
    assert not check_exercise("07.2", 0.75, readings=readings)
    x, shift, scale = torch.randn(2, 5, 6), torch.randn(2, 6), torch.randn(2, 6)
    assert check_exercise("08.2", x * (1 + scale[:, None]) + shift[:, None], x=x, shift=shift, scale=scale)
    assert not check_exercise("08.2", x * scale[:, None] + shift[:, None], x=x, shift=shift, scale=scale)
    assert check_exercise("08b.2b", "down then up") and not check_exercise("08b.2b", "up then down")
    assert not check_exercise("00.1", None)
    out = capsys.readouterr().out
    assert out.count("Right:") == 4 and out.count("Not yet:") == 4 and "Not answered yet" in out


def test_a_wrong_number_says_which_way_without_the_value(capsys):
    assert not check_exercise("00.1", 30) and not check_exercise("00.1", 20.0)
    out = capsys.readouterr().out
    assert "compression is too large" in out and "compression is too small" in out
    assert not re.search(r"\d", out)                      # neither 24 nor how far off (6, 4): no number at all


def test_unknown_ids_and_wrong_inputs_say_what_is_expected():
    with pytest.raises(ValueError, match="no exercise '02.9' in the answer key.*02.1"):
        check_exercise("02.9", 1.0)
    with pytest.raises(TypeError, match=r"02.2's check needs the inputs \['images', 'noise', 'schedule'\]"):
        check_exercise("02.2", None, images=torch.zeros(1))
    with pytest.raises(TypeError, match="needs the inputs none"):
        check_exercise("00.1", 24, table={})
