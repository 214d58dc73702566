"""The grader runs a learner's notebook and gives each exercise pass, fail or not graded."""
import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from toolkit import exercises


def learner_notebook(path):
    cells = [new_code_cell("x = 2"),
             new_markdown_cell("## Exercises\n\n**1. Right.** Set `a` to x + 1."),
             new_code_cell("from toolkit.exercises import check\na = 3"), new_code_cell("check(a, x + 1, what='a')"),
             new_markdown_cell("**2. Wrong.** Set `b` to 2x."), new_code_cell("b = 5\ncheck(b, 2 * x, what='b')"),
             new_markdown_cell("**3. Not answered.**"), new_code_cell("c = None   # your code here\ncheck(c, 1.0)"),
             new_markdown_cell("**4. Raises.**"), new_code_cell("d = 1 / 0\ncheck(d, 1.0)"),
             new_markdown_cell("**5. Open.** Describe what you see."), new_code_cell("# your code here")]
    nbformat.write(new_notebook(cells=cells, metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                                      "language": "python"}}), path)
    return path


def test_each_exercise_gets_its_verdict(tmp_path, capsys):
    path = learner_notebook(tmp_path / "learner.ipynb")
    before = path.read_text()
    results = exercises.grade(path)
    assert [(r["number"], r["verdict"]) for r in results] == [(1, "pass"), (2, "fail"), (3, "fail"), (4, "fail"),
                                                              (5, "not graded")]
    assert path.read_text() == before                      # the learner's file is left as it was
    assert exercises.main(["grade", str(path)]) == 1        # one failed exercise: exit status 1
    out = capsys.readouterr().out
    assert "1 of 4 graded exercises pass" in out and "2. Wrong" in out


def test_bad_input_says_what_to_do(tmp_path):
    with pytest.raises(ValueError, match="no notebook at"):
        exercises.grade(tmp_path / "missing.ipynb")
    (tmp_path / "answers.py").write_text("a = 3")
    with pytest.raises(ValueError, match="not a notebook"):
        exercises.grade(tmp_path / "answers.py")
    plain = tmp_path / "plain.ipynb"
    nbformat.write(new_notebook(cells=[new_code_cell("1")]), plain)
    with pytest.raises(ValueError, match="no '## Exercises' section"):
        exercises.grade(plain)


def test_a_check_against_the_answer_key_is_graded():
    """A cell that calls check_exercise (toolkit.exercise_answers) is a check, as check is; verdicts read its output."""
    said = lambda text: [nbformat.v4.new_output("stream", name="stdout", text=text)]      # noqa: E731
    cells = [new_markdown_cell("## Exercises\n\n**1. Right.**"), new_code_cell('check_exercise("02.1", a, schedule=s)'),
             new_markdown_cell("**2. Wrong.**"), new_code_cell('check_exercise("02.2", b, images=i)'),
             new_markdown_cell("**3. Open.**"), new_code_cell("# your code here")]
    cells[1].outputs, cells[3].outputs = said("Right: alpha_bar_500 matches.\n"), said("Not yet: x_250 is off.\n")
    notebook = new_notebook(cells=cells)
    assert [exercises.verdict(notebook, e) for e in exercises.exercises_of(notebook)] == ["pass", "fail", "not graded"]
