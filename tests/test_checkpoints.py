"""Checkpoints: verified on load, refused when tampered, never half-written."""
import json

import pytest
import torch

from toolkit import checkpoints
from toolkit.checkpoints import CheckpointError


def saved(tmp_path, name="model"):
    tensors = {"w": torch.arange(6.0).view(2, 3), "b": torch.zeros(2)}
    checkpoints.save(tmp_path, name, tensors, {"width": 3}, "python make.py", {"psnr": 30.0})
    return tensors


def test_round_trip_and_manifest(tmp_path):
    tensors = saved(tmp_path)
    loaded, manifest = checkpoints.load(tmp_path, "model", expected_config={"width": 3})
    assert all(torch.equal(loaded[k], tensors[k]) for k in tensors)
    assert manifest["command"] == "python make.py" and manifest["metrics"] == {"psnr": 30.0}
    assert manifest["sha256"] == checkpoints.sha256_of(tmp_path / "model.safetensors")


def test_tampered_missing_and_mismatched_checkpoints_are_refused(tmp_path):
    saved(tmp_path)
    with pytest.raises(CheckpointError, match="trained with config"):
        checkpoints.load(tmp_path, "model", expected_config={"width": 4})
    weights = tmp_path / "model.safetensors"
    data = bytearray(weights.read_bytes())
    data[-1] ^= 0xFF
    weights.write_bytes(bytes(data))
    with pytest.raises(CheckpointError, match="changed or damaged"):
        checkpoints.load(tmp_path, "model")
    weights.unlink()
    with pytest.raises(CheckpointError, match="missing"):
        checkpoints.load(tmp_path, "model")
    with pytest.raises(CheckpointError, match="No checkpoint manifest"):
        checkpoints.load(tmp_path, "other")
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(CheckpointError, match="not valid JSON"):
        checkpoints.load(tmp_path, "bad")


def test_pickles_are_refused(tmp_path):
    saved(tmp_path)
    manifest = json.loads((tmp_path / "model.json").read_text())
    torch.save({"w": torch.zeros(1)}, tmp_path / "model.pt")
    manifest["file"] = "model.pt"
    (tmp_path / "model.json").write_text(json.dumps(manifest))
    with pytest.raises(CheckpointError, match="Pickled checkpoints"):
        checkpoints.load(tmp_path, "model")


def test_a_failed_write_leaves_the_previous_checkpoint_intact(tmp_path, monkeypatch):
    tensors = saved(tmp_path)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}

    def broken_save(tensors, path):
        open(path, "wb").write(b"half a file")
        raise OSError("disk full")

    monkeypatch.setattr(checkpoints, "save_file", broken_save)
    with pytest.raises(OSError, match="disk full"):
        checkpoints.save(tmp_path, "model", {"w": torch.ones(3)}, {"width": 3}, "python make.py")
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before  # nothing new, nothing changed
    loaded, _ = checkpoints.load(tmp_path, "model")
    assert torch.equal(loaded["w"], tensors["w"])


def test_shipped_checkpoints_verify():
    for manifest in sorted(checkpoints.resolve().glob("*.json")):
        tensors, data = checkpoints.load(None, manifest.stem)
        assert tensors and data["command"].startswith("python -m toolkit"), manifest.name


def test_assets_stay_under_their_budget():
    total = sum(p.stat().st_size for p in checkpoints.assets().rglob("*") if p.is_file())
    assert total < 40_000_000, f"assets/ holds {total / 1e6:.1f} MB; the budget is 40 MB (DESIGN.md)"


def test_half_storage_halves_the_file_and_loads_back_as_float32(tmp_path):
    tensors = {"w": torch.randn(64, 64, generator=torch.Generator().manual_seed(0)), "steps": torch.arange(3)}
    checkpoints.save(tmp_path / "full", "m", tensors, {}, "python make.py")
    checkpoints.save(tmp_path / "half", "m", tensors, {}, "python make.py", half=True)
    size = lambda kind: (tmp_path / kind / "m.safetensors").stat().st_size  # noqa: E731
    assert size("half") < 0.6 * size("full")
    loaded, manifest = checkpoints.load(tmp_path / "half", "m")
    assert manifest["storage"] == "float16" and loaded["w"].dtype == torch.float32
    assert torch.equal(loaded["steps"], tensors["steps"])                      # integers are stored as they are
    assert torch.allclose(loaded["w"], tensors["w"], rtol=1e-3, atol=1e-4)
    assert not torch.equal(loaded["w"], tensors["w"])                          # rounded, as documented
