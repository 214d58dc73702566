"""The training loop: it learns, it repeats itself bit for bit, it resumes exactly, it writes safely."""
from dataclasses import replace

import pytest
import torch
import torch.nn as nn
from safetensors.torch import load_file

from toolkit import checkpoints
from toolkit.recipes.train import TrainConfig, latest_checkpoint, lr_at, train


pytestmark = pytest.mark.usefixtures("one_thread")


W_TRUE = torch.tensor([[1.0], [-2.0], [0.5], [3.0]])


def make_model(seed=0):
    torch.manual_seed(seed)   # dropout makes the global RNG matter too
    return nn.Sequential(nn.Linear(4, 32), nn.SiLU(), nn.Dropout(0.1), nn.Linear(32, 1))


def batches(k):
    """Batch number k of a noiseless linear regression: deterministic in k."""
    x = torch.randn(16, 4, generator=torch.Generator().manual_seed(k))
    return {"x": x, "y": x @ W_TRUE}


def loss_fn(model, batch, generator):
    noise = 0.01 * torch.randn(batch["y"].shape, generator=generator, device=batch["y"].device)
    return (model(batch["x"]) - batch["y"] - noise).square().mean()


CONFIG = TrainConfig(steps=12, batch_size=16, lr=1e-2, warmup=3, ema_decay=0.9, checkpoint_every=4)


def run(config=CONFIG, out_dir=None, **kwargs):
    return train(make_model(), loss_fn, batches, config, out_dir=out_dir, command="pytest", progress=False, **kwargs)


def test_loss_decreases_and_ema_lags():
    result = run(TrainConfig(steps=80, lr=1e-2, warmup=5, ema_decay=0.9))
    first, last = sum(result.losses[:10]) / 10, sum(result.losses[-10:]) / 10
    assert len(result.losses) == 80 and last < 0.2 * first, (first, last)
    assert not torch.equal(result.model[0].weight, result.ema_model[0].weight)
    assert not any(p.requires_grad for p in result.ema_model.parameters())


def test_same_seed_same_bits_other_seed_differs():
    a, b = run(), run()
    c = run(replace(CONFIG, seed=1))
    for x, y in zip(a.model.state_dict().values(), b.model.state_dict().values()):
        assert torch.equal(x, y)
    assert a.losses == b.losses
    assert not torch.equal(a.model[0].weight, c.model[0].weight)


def test_warmup_schedule():
    assert [lr_at(CONFIG, s) for s in range(4)] == pytest.approx([1e-2 / 3, 2e-2 / 3, 1e-2, 1e-2])


def test_killed_and_resumed_run_ends_with_the_same_bits(tmp_path):
    straight = run(out_dir=tmp_path / "straight")

    def dies_at_step_10(k):  # after the checkpoint at step 8: steps 8 and 9 are redone on resume
        if k == 10:
            raise KeyboardInterrupt("killed")
        return batches(k)
    with pytest.raises(KeyboardInterrupt):
        train(make_model(), loss_fn, dies_at_step_10, CONFIG, out_dir=tmp_path / "resumed", progress=False)
    assert latest_checkpoint(tmp_path / "resumed") == "step-00000008"
    # Resume into a model with other initial weights: everything must come from the checkpoint.
    resumed = train(make_model(seed=123), loss_fn, batches, CONFIG, out_dir=tmp_path / "resumed",
                    command="pytest", progress=False)

    assert resumed.losses == straight.losses and resumed.step == 12
    a = load_file(tmp_path / "straight" / "step-00000012.safetensors")
    b = load_file(tmp_path / "resumed" / "step-00000012.safetensors")
    assert a.keys() == b.keys() and any(k.startswith("optimizer.") for k in a) and any(k.startswith("ema.") for k in a)
    for key in a:
        assert torch.equal(a[key], b[key]), key
    for x, y in zip(straight.ema_model.state_dict().values(), resumed.ema_model.state_dict().values()):
        assert torch.equal(x, y)
    # Only the newest checkpoint is kept.
    assert sorted(p.name for p in (tmp_path / "resumed").iterdir()) == ["step-00000012.json",
                                                                        "step-00000012.safetensors"]


def test_resume_refuses_other_settings_but_allows_more_steps(tmp_path):
    run(out_dir=tmp_path)
    with pytest.raises(checkpoints.CheckpointError, match="lr"):
        run(replace(CONFIG, lr=0.5), out_dir=tmp_path)
    longer = run(replace(CONFIG, steps=14), out_dir=tmp_path)
    assert len(longer.losses) == 14 and latest_checkpoint(tmp_path) == "step-00000014"


@pytest.mark.parametrize("stage", ["weights", "manifest"])
def test_failed_checkpoint_write_leaves_the_previous_one_loadable(tmp_path, monkeypatch, stage):
    real_save_file, real_sha = checkpoints.save_file, checkpoints.sha256_of
    calls = {"n": 0}

    def save_file_dies_on_second_write(tensors, path):
        calls["n"] += 1
        if calls["n"] == 2:
            with open(path, "wb") as f:
                f.write(b"half a checkpoint")
            raise OSError("disk full")
        return real_save_file(tensors, path)

    def sha_dies_on_second_checkpoint(path):     # the weights are written, the manifest is not yet
        if "00000008" in str(path):
            raise OSError("disk full")
        return real_sha(path)

    if stage == "weights":
        monkeypatch.setattr(checkpoints, "save_file", save_file_dies_on_second_write)
    else:
        monkeypatch.setattr(checkpoints, "sha256_of", sha_dies_on_second_checkpoint)
    with pytest.raises(OSError, match="disk full"):
        run(out_dir=tmp_path)
    monkeypatch.undo()

    assert not list(tmp_path.glob(".*.tmp"))                     # no temporary file left behind
    assert latest_checkpoint(tmp_path) == "step-00000004"
    tensors, manifest = checkpoints.load(tmp_path, "step-00000004")
    assert manifest["step"] == 4 and len(tensors["losses"]) == 4
    # And the run can go on from it, to the same end as an unbroken run.
    assert run(out_dir=tmp_path).losses == run().losses


def test_presets():
    assert TrainConfig.from_preset("cpu-tiny").steps < TrainConfig.from_preset("cpu").steps
    assert TrainConfig.from_preset("gpu", lr=1e-4).lr == 1e-4
    with pytest.raises(ValueError, match="cpu-tiny"):
        TrainConfig.from_preset("laptop")
    with pytest.raises(ValueError, match="unknown TrainConfig fields"):
        TrainConfig.from_preset("cpu", learning_rate=1.0)


def test_trains_the_unet_and_records_its_config(tmp_path):
    from toolkit.models.unet import UNet, UNetConfig

    def denoising_loss(model, x0, generator):
        t = torch.rand(x0.shape[0], generator=generator)
        eps = torch.randn(x0.shape, generator=generator)
        a = torch.cos(t * torch.pi / 2)[:, None, None, None]
        return (model(a * x0 + (1 - a * a).sqrt() * eps, 1000 * t) - eps).square().mean()

    torch.manual_seed(0)
    config = TrainConfig.from_preset("cpu-tiny", steps=4, checkpoint_every=2, batch_size=4)
    result = train(UNet.from_preset("cpu-tiny"), denoising_loss,
                   lambda k: torch.randn(4, 3, 16, 16, generator=torch.Generator().manual_seed(k)),
                   config, out_dir=tmp_path, command="pytest", progress=False)
    assert len(result.losses) == 4 and all(0 < loss < 10 for loss in result.losses)
    _, manifest = checkpoints.load(tmp_path, "step-00000004")
    assert UNetConfig(**manifest["config"]["model"]) == result.model.config
    assert manifest["command"] == "pytest" and manifest["step"] == 4


def test_compiled_training_matches_eager_and_checkpoints_plain_names(tmp_path):
    # torch.compile with the "eager" backend traces the model as a GPU run with "inductor" would, without the
    # C++ compile: the loop must still update, checkpoint and return the plain module.
    from torch._dynamo.utils import counters
    eager = run()
    counters.clear()
    compiled = run(replace(CONFIG, compile="eager"), out_dir=tmp_path)
    assert counters["stats"]["unique_graphs"] > 0                       # the model really went through dynamo
    assert torch.equal(compiled.model[0].weight, eager.model[0].weight)
    assert torch.equal(compiled.ema_model[0].weight, eager.ema_model[0].weight)
    saved = load_file(tmp_path / f"{latest_checkpoint(tmp_path)}.safetensors")
    assert "model.0.weight" in saved and not any("_orig_mod" in k for k in saved)


def test_the_first_steps_of_a_longer_run_are_a_shorter_run():
    """What toolkit.experiments.training_curve and guidance_early rely on: nothing in a run depends on its length
    (warm-up and learning rate go by the step, batches by their index), so the EMA model after N steps of a longer
    run, handed to the callback, is bit for bit that of a run of N steps."""
    import copy

    from toolkit.recipes import text_to_image
    from toolkit.text import TextConditioner

    text = TextConditioner.from_pretrained()
    tiny = dict(unet="cpu-tiny", train="cpu-tiny", batch_size=2)
    seen = {}
    text_to_image.train_model(text_to_image.TextToImageConfig(steps=4, **tiny), text, progress=False,
                              callback=lambda step, ema: seen.setdefault(step, copy.deepcopy(ema.state_dict())))
    assert sorted(seen) == [1, 2, 3, 4]
    short = text_to_image.train_model(text_to_image.TextToImageConfig(steps=2, **tiny), text, progress=False)
    assert all(torch.equal(seen[2][k], v) for k, v in short.ema_model.state_dict().items())
    assert not all(torch.equal(seen[4][k], v) for k, v in short.ema_model.state_dict().items())
