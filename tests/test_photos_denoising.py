"""Photos, the classical denoisers, and the learned photo denoiser (notebook 01). Offline and fast."""
import json
import shutil

import pytest
import torch

from toolkit import checkpoints, zoo
from toolkit.recipes import denoising as D
from toolkit.data import photos as P
from toolkit.models.photo_denoiser import PRESETS, PhotoDenoiser


# ---------------------------------------------------------------- photos
def test_every_photo_loads_as_rgb_in_unit_range():
    for name in P.names():
        photo = P.load_photo(name)
        assert photo.dtype == torch.float32 and photo.ndim == 3 and photo.shape[0] == 3, name
        assert min(photo.shape[1:]) >= 128, name
        assert 0.0 <= photo.min() and photo.max() <= 1.0 and photo.std() > 0.01, name


def test_split_is_disjoint_and_covers_every_photo():
    assert P.HELD_OUT not in P.TRAIN
    assert set(P.TRAIN) | {P.HELD_OUT} == set(P.names())
    assert len(P.TRAIN) >= 10
    with pytest.raises(ValueError, match="held-out"):
        P.PatchSampler([P.HELD_OUT, "coffee"])
    with pytest.raises(ValueError, match="training photos"):
        D.tune_classical(photos=[P.HELD_OUT])


def test_unknown_photo_lists_the_available_ones():
    with pytest.raises(ValueError, match="astronaut"):
        P.load_photo("mona_lisa")


def test_load_photo_returns_a_copy():
    photo = P.load_photo("coffee")
    photo.zero_()
    assert P.load_photo("coffee").max() > 0


def test_held_out_crop_and_patch_sampler():
    crop = P.held_out_photo()
    assert crop.shape == (3, P.EVAL_CROP, P.EVAL_CROP)
    a = P.PatchSampler(seed=3, patch_size=32).sample(5)
    b = P.PatchSampler(seed=3, patch_size=32).sample(5)
    assert a.shape == (5, 3, 32, 32) and torch.equal(a, b)
    assert not torch.equal(a, P.PatchSampler(seed=4, patch_size=32).sample(5))
    with pytest.raises(ValueError, match="patch_size"):
        P.PatchSampler(patch_size=4)
    with pytest.raises(ValueError, match="Crop size"):
        P.center_crop(crop, 1000)


# ---------------------------------------------------------------- noise, scores, classical denoisers
def test_add_noise_has_the_requested_level_and_is_seeded():
    image = torch.full((3, 128, 128), 0.5)
    noisy = D.add_noise(image, 25 / 255, seed=1)
    assert abs((noisy - image).std().item() - 25 / 255) < 0.003
    assert torch.equal(noisy, D.add_noise(image, 25 / 255, seed=1))
    assert D.psnr(image, image + 0.01) == pytest.approx(40.0)           # MSE 1e-4 -> 40 dB
    assert D.ssim(image, image.clone()) == pytest.approx(1.0)


@pytest.mark.parametrize("sigma", [0, -0.1, 1.5, "25", None])
def test_sigma_out_of_range_is_refused(sigma):
    with pytest.raises(ValueError, match="sigma"):
        D.add_noise(torch.rand(3, 16, 16), sigma)


@pytest.mark.parametrize("shape", [(16, 16), (1, 16, 16), (3, 4, 4), (2, 3, 16, 16)])
def test_wrong_image_shapes_are_refused(shape):
    with pytest.raises(ValueError, match=r"\(3, H, W\)"):
        D.add_noise(torch.rand(shape), 0.1)
    with pytest.raises(ValueError, match=r"\(3, H, W\)"):
        D.psnr(torch.rand(3, 16, 16), torch.rand(shape))


def test_every_classical_denoiser_improves_on_the_noisy_photo():
    clean = P.center_crop(P.load_photo("coffee"), 64)
    noisy = D.add_noise(clean, 25 / 255)
    for name, denoise in D.CLASSICAL.items():
        out = denoise(noisy, 25 / 255)
        assert out.shape == clean.shape and 0 <= out.min() and out.max() <= 1, name
        assert D.psnr(clean, out) > D.psnr(clean, noisy) + 2, name


def test_evaluate_table_and_its_text():
    image = P.center_crop(P.held_out_photo(), 32)
    table = D.evaluate({"identity": lambda y, s: y}, sigmas=(10 / 255, 50 / 255), image=image)
    assert set(table["identity"]) == {10.0, 50.0}
    assert table["identity"][10.0]["psnr"] > table["identity"][50.0]["psnr"]
    assert "identity" in D.format_table(table) and "SSIM" in D.format_table(table, "ssim")


# ---------------------------------------------------------------- the learned denoiser
def test_model_keeps_shapes_and_starts_as_identity():
    model = PhotoDenoiser(PRESETS["cpu-tiny"])
    noisy = torch.rand(2, 3, 32, 48)
    assert torch.equal(model(noisy, torch.tensor([0.1, 0.2])), noisy)     # zero-initialised noise head
    assert model.denoise(torch.rand(3, 31, 45), 0.1).shape == (3, 31, 45)  # odd sizes are padded
    with pytest.raises(ValueError, match=r"\(3, H, W\)"):
        model.denoise(torch.rand(1, 3, 32, 32), 0.1)
    with pytest.raises(ValueError, match="preset"):
        D.train_photo_denoiser("huge")


def test_tiny_model_learns():
    clean = P.center_crop(P.load_photo("coffee"), 64)
    noisy = D.add_noise(clean, 50 / 255, seed=0)
    untrained = PhotoDenoiser(PRESETS["cpu-tiny"]).denoise(noisy, 50 / 255)   # starts as the identity
    model, history = D.train_photo_denoiser("cpu-tiny", seed=0, steps=100, progress=False)
    assert len(history["loss"]) == 100
    assert D.psnr(clean, model.denoise(noisy, 50 / 255)) > D.psnr(clean, untrained) + 2


def test_training_is_reproducible_bit_for_bit():
    a, _ = D.train_photo_denoiser("cpu-tiny", seed=7, steps=8, progress=False)
    b, _ = D.train_photo_denoiser("cpu-tiny", seed=7, steps=8, progress=False)
    c, _ = D.train_photo_denoiser("cpu-tiny", seed=8, steps=8, progress=False)
    for key, value in a.state_dict().items():
        assert torch.equal(value, b.state_dict()[key]), key
    assert any(not torch.equal(v, c.state_dict()[k]) for k, v in a.state_dict().items())


# ---------------------------------------------------------------- the shipped checkpoint
def test_shipped_checkpoint_beats_the_best_classical_denoiser():
    model = zoo.load(D.NAME)
    manifest = zoo.manifest(D.NAME)
    assert manifest["metrics"]["margin_db"] >= 0.5 and manifest["command"].startswith("python -m toolkit.recipes.denoising")
    # Measured again here: the held-out 256 x 256 crop, σ = 25/255, noise seed 0, every classical method.
    table = D.evaluate({**D.CLASSICAL, "learned": model.denoise}, sigmas=(D.HEADLINE_SIGMA,))
    at25 = {name: row[25.0]["psnr"] for name, row in table.items()}
    best = max(v for k, v in at25.items() if k != "learned")
    assert at25["learned"] >= best + 0.5, at25
    for name, value in manifest["metrics"]["heldout_psnr_sigma25"].items():   # the manifest tells the truth
        assert at25[name] == pytest.approx(value, abs=0.05), name


def test_tampered_checkpoint_is_refused(tmp_path):
    for suffix in (".safetensors", ".json"):
        shutil.copy(checkpoints.resolve() / f"{D.NAME}{suffix}", tmp_path)
    zoo.load(D.NAME, tmp_path)                                 # the copy loads
    weights = tmp_path / f"{D.NAME}.safetensors"
    data = bytearray(weights.read_bytes())
    data[-10] ^= 0xFF
    weights.write_bytes(bytes(data))
    with pytest.raises(checkpoints.CheckpointError, match="sha256"):
        zoo.load(D.NAME, tmp_path)


def test_a_manifest_whose_config_does_not_fit_the_weights_is_refused(tmp_path):
    for suffix in (".safetensors", ".json"):
        shutil.copy(checkpoints.resolve() / f"{D.NAME}{suffix}", tmp_path)
    manifest = zoo.manifest(D.NAME)
    manifest["config"]["width"] //= 2                        # the weights' sha256 still matches: only the config lies
    (tmp_path / f"{D.NAME}.json").write_text(json.dumps(manifest))
    with pytest.raises(checkpoints.CheckpointError, match="do not fit the network its config describes"):
        zoo.load(D.NAME, tmp_path)


def test_cli_demo_writes_a_figure_and_refuses_an_unwritable_folder(tmp_path, capsys):
    assert D.main(["demo", "--out", str(tmp_path / "out")]) == 0
    assert (tmp_path / "out" / "photo_denoising_demo.png").stat().st_size > 10_000
    assert "photo_denoising_demo.png" in capsys.readouterr().out
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(ValueError, match="output folder"):
        D.main(["demo", "--out", str(blocker / "sub")])
