"""The recipes' shared command line (toolkit.recipes.cli) and where regenerable files go (runtime.cache_dir)."""
import importlib
from pathlib import Path

import pytest

from toolkit import runtime
from toolkit.recipes import cli

RECIPES = ["denoising", "feature_classifier", "image_diffusion", "contrastive", "autoencoder", "text_to_image", "text_to_video",
           "video_diffusion", "digits_video", "sound_video"]


def test_the_command_line_records_the_exact_command_and_prints_what_was_written(capsys):
    seen = {}

    def run(args, command):
        seen.update(args=args, command=command)
        return [Path("out/model.json")]

    options = [(("--kind",), {"choices": ["image", "video"], "default": "image"})]
    assert cli.main("toolkit.recipes.example", "An example.\n\nMore.", run, options,
                    ["train", "--kind", "video", "--steps", "5"]) == 0
    assert seen["command"] == "python -m toolkit.recipes.example train --kind video --steps 5"
    assert (seen["args"].kind, seen["args"].steps, seen["args"].out) == ("video", 5, None)
    assert "wrote out/model.json" in capsys.readouterr().out


@pytest.mark.parametrize("argv, message", [(["train", "--steps", "0"], "at least 1"),
                                           (["train", "--kind", "audio"], "invalid choice"),
                                           (["sample"], "invalid choice")])
def test_bad_arguments_stop_before_any_training(argv, message, capsys):
    ran = []
    with pytest.raises(SystemExit):
        cli.main("toolkit.recipes.example", "An example.", lambda a, c: ran.append(1) or [],
                 [(("--kind",), {"choices": ["image", "video"]})], argv)
    assert not ran and message in capsys.readouterr().err


def test_cache_dir_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("TOOLKIT_CACHE", str(tmp_path / "cache"))
    assert runtime.cache_dir() == tmp_path / "cache"
    monkeypatch.delenv("TOOLKIT_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert runtime.cache_dir() == tmp_path / "xdg" / "from-static-to-video"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert runtime.cache_dir() == Path.home() / ".cache" / "from-static-to-video"


@pytest.mark.parametrize("name", RECIPES)
def test_every_recipe_has_the_command_line(name, capsys):
    module = importlib.import_module(f"toolkit.recipes.{name}")
    with pytest.raises(SystemExit) as exit_:
        module.main(["--help"])
    assert exit_.value.code == 0 and f"python -m toolkit.recipes.{name}" in capsys.readouterr().out
