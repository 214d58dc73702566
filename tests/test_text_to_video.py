"""Training the video transformer: the latent cache, the batches (training split and wordings only), a short run."""
import pytest
import torch

from toolkit import zoo
from toolkit.recipes import text_to_video
from toolkit.data import is_held_out_wording, vocab
from toolkit.models.text_encoder import TextEncoder, TextEncoderConfig
from toolkit.text import TextConditioner, Tokenizer

pytestmark = pytest.mark.usefixtures("one_thread")
CONFIG = text_to_video.TextToVideoConfig(model="cpu-tiny", train="cpu-tiny", steps=4, batch_size=8, clips=24)


@pytest.fixture(scope="module")
def vae():
    return zoo.load("shapes_video_vae")


@pytest.fixture(scope="module")
def text():
    torch.manual_seed(0)
    return TextConditioner(TextEncoder(TextEncoderConfig(vocab_size=len(Tokenizer()))))


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("TOOLKIT_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_cache_is_written_once_and_reused(vae, cache_dir):
    first = text_to_video.encode_clips(CONFIG, vae, progress=False)
    files = list(cache_dir.iterdir())
    assert len(files) == 1 and files[0].suffix == ".safetensors"
    assert first["mean"].shape == (24, 8, 4, 8, 8) and first["std"].shape == first["mean"].shape
    assert (first["std"] > 0).all() and first["motion"].min() >= 0
    again = text_to_video.encode_clips(CONFIG, vae, progress=False)
    assert all(torch.equal(first[k], again[k]) for k in first)
    other = text_to_video.TextToVideoConfig(model="cpu-tiny", clips=16, batch_size=8)
    assert text_to_video.cache_path(other, vae) != files[0]          # another recipe never reuses these latents


def test_batches_are_deterministic_scaled_and_from_the_training_split(vae, text, cache_dir):
    batches = text_to_video.batches(CONFIG, text, vae, progress=False)
    a, b = batches(3), batches(3)
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert a["x"].shape == (8, 8, 4, 8, 8) and not torch.equal(a["x"], batches(4)["x"])
    assert 0.5 < float(torch.cat([batches(k)["x"] for k in range(4)]).std()) < 1.5     # about unit variance
    cache = text_to_video.encode_clips(CONFIG, vae, progress=False)
    names = [(vocab.SHAPES[s], vocab.COLOUR_NAMES[c], vocab.MOTION_NAMES[m])
             for s, c, m in zip(cache["shape"].tolist(), cache["colour"].tolist(), cache["motion"].tolist())]
    assert set(names) <= set(vocab.combinations("train", with_motion=True))


def test_captions_are_redrawn_in_training_wordings(vae, text, cache_dir, monkeypatch):
    drawn = []
    real = text_to_video.caption
    monkeypatch.setattr(text_to_video, "caption", lambda *a, **k: drawn.append(real(*a, **k)) or drawn[-1])
    batches = text_to_video.batches(CONFIG, text, vae, progress=False)
    for k in range(20):
        batches(k)
    assert len(drawn) == 20 * CONFIG.batch_size and len(set(drawn)) > 40        # many wordings, none held out
    assert not any(is_held_out_wording(c) for c in drawn)


def test_a_short_run_trains_and_resumes_exactly(text, cache_dir, tmp_path):
    straight = text_to_video.train_model(CONFIG, text, out_dir=tmp_path / "a", progress=False)
    assert len(straight.losses) == 4 and all(map(torch.isfinite, map(torch.tensor, straight.losses)))
    half = text_to_video.TextToVideoConfig(**{**CONFIG.__dict__, "steps": 2})
    text_to_video.train_model(half, text, out_dir=tmp_path / "b", progress=False)
    resumed = text_to_video.train_model(CONFIG, text, out_dir=tmp_path / "b", progress=False)
    assert resumed.losses == straight.losses
    assert all(torch.equal(p, q) for p, q in zip(resumed.ema_model.state_dict().values(),
                                                 straight.ema_model.state_dict().values()))


def test_config_errors():
    with pytest.raises(ValueError, match="caption_dropout"):
        text_to_video.TextToVideoConfig(caption_dropout=1.0)
    with pytest.raises(ValueError, match="at least batch_size"):
        text_to_video.TextToVideoConfig(clips=4, batch_size=8)


def test_gpu_preset_builds_a_model_for_64_pixel_clips():
    config = text_to_video.PRESETS["gpu"]
    assert config.name == "shapes_video_dit_gpu" and text_to_video.PRESETS["cpu"].name == "shapes_video_dit"
    with torch.device("meta"):
        model = text_to_video.make_model(config)
    assert model.grid((1, 8, config.frames // 4, config.image_size // 4, config.image_size // 4)) == (4, 8, 8)
    assert sum(p.numel() for p in model.parameters()) > 10 * sum(
        p.numel() for p in text_to_video.make_model(text_to_video.PRESETS["cpu"]).parameters())


def test_a_damaged_cache_is_rebuilt_with_a_warning(vae, cache_dir):
    first = text_to_video.encode_clips(CONFIG, vae, progress=False)
    path = text_to_video.cache_path(CONFIG, vae)
    path.write_bytes(b"not a safetensors file")
    with pytest.warns(UserWarning, match="unreadable latent cache"):
        again = text_to_video.encode_clips(CONFIG, vae, progress=False)
    assert torch.equal(first["mean"], again["mean"])
    assert torch.equal(text_to_video.encode_clips(CONFIG, vae, progress=False)["mean"], first["mean"])  # rewritten
