import torch

from toolkit.exercises import check


def test_check_says_right_wrong_or_missing(capsys):
    assert check(torch.ones(3), torch.ones(3)) is True
    assert not check(torch.zeros(3), torch.ones(3))
    assert not check(None, 1.0)
    assert not check(torch.ones(2), torch.ones(3))
    assert not check("one", 1.0)
    out = capsys.readouterr().out
    assert "Right" in out and "off by up to 1" in out and "Not answered yet" in out and "shape" in out


def test_a_number_or_a_name_is_judged_without_telling_it(capsys):
    assert not check(3.0, 2.0, what="n") and not check(1, 2.0, what="n") and not check(float("nan"), 2.0, what="n")
    assert check("circle", "circle", what="shape") and not check("square", "circle", what="shape")
    assert not check(3, "circle", what="shape")
    out = capsys.readouterr().out
    assert "n is too large" in out and "n is too small" in out and "n is not a number" in out
    assert "Right: shape is 'circle'" in out and "shape is not 'square'" in out and "should be a name" in out
    assert "2" not in out                                  # the expected number is never printed
