"""The main job, `python -m toolkit generate`, on a tiny transformer: its files, the reader's verdict, and a
clear message with no files left behind for each request it cannot serve."""
import shutil
from dataclasses import asdict

import pytest

from toolkit import checkpoints, generate
from toolkit.recipes import text_to_video
from toolkit.__main__ import main

pytestmark = pytest.mark.usefixtures("one_thread")
PROMPT = "a small green triangle moving up then down"


@pytest.fixture(scope="module")
def weights(tmp_path_factory):
    """A checkpoint folder with the shipped text-video model (its text tower reads prompts), the video VAE,
    and a tiny untrained transformer."""
    folder = tmp_path_factory.mktemp("assets") / "checkpoints"
    folder.mkdir()
    for name in ("shapes_clip_video", "shapes_video_vae"):
        for suffix in (".json", ".safetensors"):
            shutil.copy(checkpoints.resolve() / f"{name}{suffix}", folder)
    config = text_to_video.TextToVideoConfig(model="cpu-tiny", steps=1)
    model = text_to_video.make_model(config)
    checkpoints.save(folder, text_to_video.NAME, model.state_dict(), asdict(config), "test", half=True)
    return folder


def run(weights, tmp_path, prompt=PROMPT, **kwargs):
    return generate.generate(prompt, out=tmp_path / "out", folder=weights, steps=2, progress=False, **kwargs)


def test_writes_mp4_gif_and_progression_and_reads_the_clip(weights, tmp_path):
    result = run(weights, tmp_path, seed=3)
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    stem = "a-small-green-triangle-moving-up-then-down-seed3"
    assert names == [f"{stem}-progression.png", f"{stem}.gif", f"{stem}.mp4"]
    assert all(p.stat().st_size > 1000 for p in result["paths"])
    assert result["asked"] == {"shape": "triangle", "colour": "green", "size": "small", "motion": "up then down"}
    assert set(result["seen"]) == {"shape", "colour", "size", "motion"}
    text = generate.report(result)
    assert "the attribute reader sees" in text and "verdict:" in text and "of 4 named attributes" in text


def fails_cleanly(weights, tmp_path, message, prompt=PROMPT, **kwargs):
    with pytest.raises(generate.GenerateError, match=message):
        run(weights, tmp_path, prompt, **kwargs)
    leftovers = list((tmp_path / "out").iterdir()) if (tmp_path / "out").exists() else []
    assert leftovers == [], leftovers


def test_unknown_words(weights, tmp_path):
    fails_cleanly(weights, tmp_path, "spaceship", prompt="a green spaceship moving up")


def test_empty_prompt(weights, tmp_path):
    fails_cleanly(weights, tmp_path, "empty", prompt="   ")


@pytest.mark.parametrize("kwargs, message", [({"frames": 10}, "multiple of 4"), ({"size": 30}, "multiple of 8"),
                                             ({"steps": 0}, "steps")])
def test_impossible_requests(weights, tmp_path, kwargs, message):
    with pytest.raises(generate.GenerateError, match=message):
        generate.generate(PROMPT, out=tmp_path / "out", folder=weights, progress=False, **kwargs)
    assert list((tmp_path / "out").iterdir()) == []


def test_missing_and_tampered_weights(weights, tmp_path):
    broken = tmp_path / "broken"
    shutil.copytree(weights, broken)
    (broken / f"{text_to_video.NAME}.safetensors").unlink()
    fails_cleanly(broken, tmp_path, "missing")
    shutil.copy(weights / f"{text_to_video.NAME}.safetensors", broken)
    with open(broken / f"{text_to_video.NAME}.safetensors", "r+b") as f:
        f.seek(-4, 2)
        f.write(b"\x00\x01\x02\x03")
    fails_cleanly(broken, tmp_path, "changed or damaged")
    (broken / f"{text_to_video.NAME}.json").unlink()
    fails_cleanly(broken, tmp_path, "No checkpoint manifest")


def test_unwritable_folder(weights, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(generate.GenerateError, match="cannot write to the output folder"):
        generate.generate(PROMPT, out=blocker / "sub", folder=weights, progress=False)


def test_command_line_exit_codes(weights, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv(checkpoints.ASSETS_VARIABLE, str(weights.parent))  # the command line's weights: weights/
    assert main(["generate", PROMPT, "--out", str(tmp_path / "cli"), "--steps", "2"]) == 0
    assert "verdict:" in capsys.readouterr().out
    assert main(["generate", "a purple dragon", "--out", str(tmp_path / "cli2")]) == 2
    assert "error:" in capsys.readouterr().err and list((tmp_path / "cli2").iterdir()) == []


def test_file_stems_are_safe():
    assert generate.file_stem("A big RED box!!", 7) == "a-big-red-box-seed7"
    assert generate.file_stem("!!!", 0) == "prompt-seed0"
    assert len(generate.file_stem("word " * 100, 0)) < 100
