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
