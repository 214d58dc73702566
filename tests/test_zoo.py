"""toolkit.zoo: every shipped model loads by name, checked, frozen, without touching the caller's random state;
tampered files and unknown names are refused with errors that say what to do; $TOOLKIT_ASSETS moves the lookup."""
import importlib.util
import json
import shutil

import pytest
import torch

from toolkit import checkpoints, zoo


def copy(names, folder):
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        for suffix in (".json", ".safetensors"):
            shutil.copy(checkpoints.resolve() / f"{name}{suffix}", folder)
    return folder


def test_every_shipped_checkpoint_has_a_builder_and_loads_frozen():
    shipped = sorted(p.stem for p in checkpoints.resolve().glob("*.json"))
    assert shipped == zoo.names()
    torch.manual_seed(0)
    before = torch.get_rng_state()
    for name in zoo.names():
        model = zoo.load(name)
        assert not model.training and not any(p.requires_grad for p in model.parameters()), name
        assert zoo.manifest(name)["command"].startswith("python -m toolkit"), name
    assert torch.equal(torch.get_rng_state(), before)          # building a network drew no global random numbers


def test_parts_name_shipped_models():
    for name in zoo.names():
        assert {part for part in zoo.parts(name).values() if part} <= set(zoo.names()), name
    assert zoo.parts("shapes_video_dit") == {"text": "shapes_clip_video", "vae": "shapes_video_vae", "audio": None}


def test_unknown_name_lists_the_zoo():
    with pytest.raises(ValueError, match="unknown shipped model 'shapes_dragon'.*shapes_video_dit"):
        zoo.load("shapes_dragon")


def test_a_config_the_zoo_cannot_build_is_refused(tmp_path):
    copy(["shapes_vae"], tmp_path)
    manifest = json.loads((tmp_path / "shapes_vae.json").read_text())
    manifest["config"]["model"] = "no-such-preset"
    (tmp_path / "shapes_vae.json").write_text(json.dumps(manifest))
    with pytest.raises(checkpoints.CheckpointError, match="does not describe a network the zoo can build"):
        zoo.load("shapes_vae", tmp_path)


def test_a_scaling_factor_that_disagrees_with_the_manifest_is_refused(tmp_path):
    copy(["shapes_vae"], tmp_path)
    manifest = json.loads((tmp_path / "shapes_vae.json").read_text())
    manifest["metrics"]["scaling_factor"] *= 2
    (tmp_path / "shapes_vae.json").write_text(json.dumps(manifest))
    with pytest.raises(checkpoints.CheckpointError, match="scaling_factor"):
        zoo.load("shapes_vae", tmp_path)


def test_toolkit_assets_points_the_zoo_elsewhere(tmp_path, monkeypatch):
    copy(["text_encoder"], tmp_path / "checkpoints")
    monkeypatch.setenv(checkpoints.ASSETS_VARIABLE, str(tmp_path))
    assert checkpoints.resolve() == tmp_path / "checkpoints"
    zoo.load("text_encoder")                                   # found in the copy
    with pytest.raises(checkpoints.CheckpointError, match="No checkpoint manifest"):
        zoo.load("shapes_vae")                                 # not in the copy: not silently taken from elsewhere
    monkeypatch.setenv(checkpoints.ASSETS_VARIABLE, str(tmp_path / "missing"))
    with pytest.raises(checkpoints.CheckpointError, match="is not a folder"):
        zoo.load("text_encoder")


def test_every_shipped_file_names_the_command_that_remakes_it():
    """Weights name a recipe, metric tables an experiment, and both modules exist."""
    tables = sorted((checkpoints.assets() / "metrics").glob("*.json"))
    commands = [(zoo.manifest(name)["command"], "toolkit.recipes.") for name in zoo.names()] + \
               [(checkpoints.metrics(path.stem)["command"], "toolkit.experiments.") for path in tables]
    assert len(commands) == len(zoo.names()) + len(tables) > 25
    for command, floor in commands:
        python, flag, module = command.split()[:3]
        assert (python, flag) == ("python", "-m") and module.startswith(floor), command
        assert importlib.util.find_spec(module) is not None, command
