"""toolkit.recipes.retrain and the TOOLKIT_TRAIN switch: a shipped model retrained by its manifest's own command,
into a copy of the zoo, the shipped files untouched; bad switches and commands refused with what to do."""
import pytest
import torch

from toolkit import checkpoints, runtime, zoo
from toolkit.recipes import retrain as R


def test_every_manifest_command_is_a_recipe_the_retrainer_can_run():
    for name in zoo.names():
        module, argv = R.recipe_command(zoo.manifest(name)["command"])
        assert module.startswith("toolkit.recipes.") and argv[0] == "train", name
        assert "--out" not in argv and "--runs" not in argv, name
    assert R.recipe_command("python -m toolkit.recipes.x train --steps 5 --out a --runs=b --latent", steps=2) \
        == ("toolkit.recipes.x", ["train", "--latent"])


@pytest.mark.parametrize("command", ["", "python train.py", "python -m torch.distributed train",
                                     "python -m toolkit.recipes.x"])
def test_a_command_that_is_not_a_recipe_is_refused(command):
    with pytest.raises(checkpoints.CheckpointError, match="not a recipe's command.*restore the manifest"):
        R.recipe_command(command)


def test_retrain_runs_the_recorded_recipe_into_a_copy_of_the_zoo(tmp_path, capsys):
    shipped = checkpoints.resolve() / "feature_classifier.safetensors"
    before = checkpoints.sha256_of(shipped)
    model = R.retrain("feature_classifier", steps=2, folder=tmp_path)
    printed = capsys.readouterr().out
    assert "python -m toolkit.recipes.feature_classifier train --out" in printed and str(tmp_path) in printed
    assert checkpoints.sha256_of(shipped) == before                              # the shipped weights untouched
    written = zoo.manifest("feature_classifier", tmp_path)
    assert written["config"]["steps"] == 2 and "--steps 2" in written["command"]
    assert (tmp_path / "shapes_video_dit.json").exists()                         # the rest of the zoo beside it
    trained, original = model.state_dict(), zoo.load("feature_classifier").state_dict()
    assert not any(p.requires_grad for p in model.parameters())
    assert any(not torch.equal(trained[k], original[k]) for k in trained)       # two steps from scratch: not it


def test_shipped_or_retrained_follows_the_switch(monkeypatch):
    calls = []
    monkeypatch.setattr(R, "retrain", lambda name: calls.append(name) or "retrained")
    monkeypatch.delenv("TOOLKIT_TRAIN", raising=False)
    loaded = R.shipped_or_retrained("feature_classifier")
    assert calls == [] and isinstance(loaded, torch.nn.Module)
    monkeypatch.setenv("TOOLKIT_TRAIN", "full")
    assert R.shipped_or_retrained("feature_classifier") == "retrained" and calls == ["feature_classifier"]


def test_the_switch_refuses_junk_and_names_the_mode(monkeypatch):
    monkeypatch.delenv("TOOLKIT_FAST", raising=False)
    monkeypatch.setenv("TOOLKIT_TRAIN", "ful")
    with pytest.raises(ValueError, match="TOOLKIT_TRAIN='ful'.*use full"):
        runtime.train_full()
    monkeypatch.setenv("TOOLKIT_TRAIN", "short")
    assert not runtime.train_full() and runtime.mode().startswith("default mode")
    monkeypatch.setenv("TOOLKIT_TRAIN", "FULL")
    assert runtime.train_full() and runtime.mode().startswith("full training")


def test_bad_steps_are_refused_before_anything_is_written(tmp_path):
    with pytest.raises(ValueError, match="steps must be a positive integer"):
        R.retrain("feature_classifier", steps=0, folder=tmp_path / "zoo")
    assert not (tmp_path / "zoo").exists()


def test_use_retrained_does_nothing_by_default_and_points_the_zoo_at_the_retrained_copy(tmp_path, monkeypatch):
    monkeypatch.delenv("TOOLKIT_TRAIN", raising=False)
    monkeypatch.setenv(checkpoints.ASSETS_VARIABLE, "")             # empty is unset; and restored after the test
    monkeypatch.setenv("TOOLKIT_CACHE", str(tmp_path))
    with pytest.raises(ValueError, match="not shipped models"):
        R.use_retrained(["shapes_vea"])
    R.use_retrained(["feature_classifier"])
    assert checkpoints.assets() == checkpoints.SHIPPED and not (tmp_path / "retrained").exists()

    calls = []
    monkeypatch.setattr(R, "retrain", lambda name: calls.append(name))
    monkeypatch.setenv("TOOLKIT_TRAIN", "full")
    R.use_retrained(["shapes_video_vae", "shapes_video_dit"])
    assert calls == ["shapes_video_vae", "shapes_video_dit"]                      # in order: what it builds on first
    assert checkpoints.assets() == tmp_path / "retrained"
    assert (tmp_path / "retrained" / "metrics" / "training_curve.json").exists()  # the tables, beside the weights
