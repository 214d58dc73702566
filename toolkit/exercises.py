"""Checks for the exercises at the end of each notebook, and a grader for teachers.

    check(answer, expected, what="x_250")      # in a notebook: prints "Right: ..." or what is off, never crashes
    check_exercise("02.2", x_250, images=images, ...)   # the same, against the answer key (toolkit.exercise_answers)
    python -m toolkit.exercises grade notebooks/02_diffusion_from_scratch.ipynb   # each exercise's pass or fail

The grader runs a learner's notebook from the top (fast mode unless --default-mode; a failing cell does not stop it),
finds the exercises after its last "Exercises" heading (each starts with a Markdown cell "**N. ...**"), and gives
each one "pass" when its checks (check or check_exercise) all said "Right", "fail" otherwise, or "not graded" when
it has no check (an open question, read by the teacher). The learner's file is not changed; the exit status is 1
when an exercise fails.
"""
import argparse
import os
import re
import sys
from pathlib import Path

import torch


def check(answer, expected, atol: float = 1e-5, what: str = "your answer") -> bool:
    """Compare a learner's answer with the expected value and print a verdict; return True if right."""
    if answer is None:
        print(f"Not answered yet: set {what} in the cell above, then run this cell again.")
        return False
    if isinstance(expected, str):                     # a name: a shape, a motion
        if answer == expected:
            print(f"Right: {what} is {answer!r}.")
            return True
        print(f"Not yet: {what} is not {answer!r}." if isinstance(answer, str) else
              f"Not yet: {what} should be a name.")
        return False
    try:
        answer = torch.as_tensor(answer, dtype=torch.float64)
        expected = torch.as_tensor(expected, dtype=torch.float64)
    except (TypeError, ValueError, RuntimeError) as e:
        print(f"Not yet: {what} should be a number or a tensor ({e}).")
        return False
    if answer.shape != expected.shape:
        print(f"Not yet: {what} has shape {tuple(answer.shape)}, expected {tuple(expected.shape)}.")
        return False
    error = float((answer - expected).abs().max()) if answer.numel() else 0.0
    if error <= atol:
        print(f"Right: {what} matches (largest difference {error:.2g}).")
        return True
    if expected.numel() == 1:               # a number: say which way it is off, not by how much (that would tell it)
        a, e = float(answer.flatten()[0]), float(expected.flatten()[0])
        side = "not a number" if a != a or e != e else "too large" if a > e else "too small"
        print(f"Not yet: {what} is {side}.")
        return False
    print(f"Not yet: {what} is off by up to {error:.3g} (tolerance {atol:g}).")
    return False


# ---------------------------------------------------------------- the grader

def exercises_of(notebook) -> list[dict]:
    """The exercises of a notebook: after its last "Exercises" heading, each Markdown cell with a line that
    opens with "**N." starts exercise N, and the code cells up to the next one are its cells. [{number, title, cells}]"""
    cells = notebook.cells
    starts = [i for i, c in enumerate(cells) if c.cell_type == "markdown"
              and any(line.startswith("#") and "Exercises" in line for line in c.source.splitlines())]
    if not starts:
        raise ValueError("this notebook has no '## Exercises' section to grade")
    found = []
    for i in range(starts[-1], len(cells)):
        cell = cells[i]
        head = re.search(r"^\*\*(\d+)\.(.*)$", cell.source, re.M) if cell.cell_type == "markdown" else None
        if head:
            found.append({"number": int(head[1]), "title": head[2].replace("*", "").strip(), "cells": []})
        elif cell.cell_type == "code" and found:
            found[-1]["cells"].append(i)
    return found


def verdict(notebook, exercise: dict) -> str:
    """"pass" when its checks printed only "Right", "fail" when one printed "Not yet" or "Not answered" or a
    cell raised, "not graded" when none of its cells calls check or check_exercise (an open question, for the
    teacher)."""
    cells = [notebook.cells[i] for i in exercise["cells"]]
    if not any(re.search(r"\bcheck(_exercise)?\(", c.source) for c in cells):
        return "not graded"
    text = "".join(o.get("text", "") for c in cells for o in c.get("outputs", []) if o.output_type == "stream")
    errors = any(o.output_type == "error" for c in cells for o in c.get("outputs", []))
    right = re.findall(r"^Right:", text, re.M)
    wrong = re.findall(r"^Not (yet|answered)", text, re.M)
    return "pass" if right and not wrong and not errors else "fail"


def grade(path, fast: bool = True, timeout: int = 1800) -> list[dict]:
    """Run a learner's notebook from the top (in fast mode unless fast=False; a failing cell does not stop it)
    and return every exercise with its verdict. The notebook file itself is not changed."""
    import nbformat
    from nbclient import NotebookClient

    path = Path(path)
    if not path.is_file():
        raise ValueError(f"no notebook at {path}: give the path of a learner's .ipynb file")
    if path.suffix != ".ipynb":
        raise ValueError(f"{path} is not a notebook: give a .ipynb file")
    notebook = nbformat.read(path, as_version=4)
    exercises = exercises_of(notebook)
    previous = os.environ.get("TOOLKIT_FAST")
    os.environ["TOOLKIT_FAST"] = "1" if fast else "0"
    try:
        NotebookClient(notebook, timeout=timeout, allow_errors=True,
                       resources={"metadata": {"path": str(path.resolve().parent)}}).execute()
    finally:
        if previous is None:
            os.environ.pop("TOOLKIT_FAST")
        else:
            os.environ["TOOLKIT_FAST"] = previous
    return [exercise | {"verdict": verdict(notebook, exercise)} for exercise in exercises]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m toolkit.exercises",
                                     description="Grade the exercises of learners' notebooks.")
    sub = parser.add_subparsers(dest="command", required=True)
    grading = sub.add_parser("grade", help="run notebooks and print each exercise's pass or fail")
    grading.add_argument("notebooks", nargs="+", help="the learners' .ipynb files")
    grading.add_argument("--default-mode", action="store_true",
                         help="run in the notebooks' default mode, as in class (default: fast mode, TOOLKIT_FAST=1)")
    grading.add_argument("--timeout", type=int, default=1800, help="seconds a cell may run (default 1800)")
    args = parser.parse_args(argv)
    failed = False
    for path in args.notebooks:
        try:
            results = grade(path, fast=not args.default_mode, timeout=args.timeout)
        except ValueError as e:
            print(f"{path}: {e}")
            failed = True
            continue
        graded = [r for r in results if r["verdict"] != "not graded"]
        passed = sum(r["verdict"] == "pass" for r in graded)
        print(f"{path}: {passed} of {len(graded)} graded exercises pass")
        for r in results:
            print(f"  {r['number']}. {r['title'][:60]:60s} {r['verdict']}")
        failed |= passed < len(graded)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
