"""One device, chosen in one place (toolkit.runtime.device), that training steps and samplers follow.

This machine has no GPU, so the other device is `meta` (tensors with shapes and no values): any tensor a loss,
a batch or a sampler makes on the CPU beside a model on `meta` fails exactly as a CPU tensor beside a CUDA model
would, so a training step and a sampling step of each model the notebooks train live run here on `meta`."""
import pytest
import torch
from accelerate.utils import send_to_device

from toolkit import runtime
from toolkit.diffusion import ddpm_schedule, ddpm_sigmas, flow_times
from toolkit.diffusion.denoisers import FlowDenoiser
from toolkit.diffusion.samplers import sample_dpmpp_2m, sample_ddpm, sample_flow_heun
from toolkit.recipes import autoencoder, contrastive, image_diffusion, text_to_image
from toolkit.recipes.train import TrainConfig, train
from toolkit.text import TextConditioner


@pytest.fixture
def meta(monkeypatch):
    monkeypatch.setenv("TOOLKIT_DEVICE", "meta")
    assert runtime.device() == torch.device("meta")
    return runtime.device()


def test_the_device_is_chosen_from_the_environment_and_checked(monkeypatch):
    monkeypatch.delenv("TOOLKIT_DEVICE", raising=False)
    assert runtime.device() == torch.device("cuda" if torch.cuda.is_available() else "cpu")
    monkeypatch.setenv("TOOLKIT_DEVICE", "cpu")
    assert runtime.device() == torch.device("cpu")
    monkeypatch.setenv("TOOLKIT_DEVICE", "gpu0")
    with pytest.raises(ValueError, match="not a device"):
        runtime.device()
    if not torch.cuda.is_available():
        monkeypatch.setenv("TOOLKIT_DEVICE", "cuda")
        with pytest.raises(ValueError, match="no CUDA GPU"):
            runtime.device()


def live_recipes():
    """(name, model, loss_fn, batches) of what notebooks 02, 04, 05 and 06 train live, at their fast sizes."""
    text = TextConditioner.from_pretrained()
    image = image_diffusion.ImageDiffusionConfig(steps=1, batch_size=2)
    words = contrastive.make_config(noise_aware=True, batch_size=4, steps=1)    # notebook 04's noise-aware CLIP
    vae = autoencoder.make_config(batch_size=2, steps=1)
    pictures = text_to_image.TextToImageConfig(steps=1, batch_size=2)
    return [("image diffusion (02)", image_diffusion.make_model(image), image_diffusion.loss_function(image),
             image_diffusion.image_batches(image)),
            ("contrastive (04)", contrastive.make_model(words), contrastive.loss_function(True),
             contrastive.batches(words)),
            ("VAE (05)", autoencoder.make_model(vae), autoencoder.loss_function(vae), autoencoder.batches(vae)),
            ("text to image (04, 06)", text_to_image.make_model(pictures), text_to_image.loss_function(pictures, text),
             text_to_image.batches(pictures, text))]


@pytest.mark.parametrize("k", range(4))
def test_a_training_step_follows_the_chosen_device(meta, k):
    name, model, loss_fn, batches = live_recipes()[k]
    model = model.to(runtime.device())
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    batch = send_to_device(batches(0), runtime.device())                     # as train() sends it
    loss = loss_fn(model, batch, torch.Generator().manual_seed(0))           # train()'s generator: the CPU's
    loss.backward()
    optimizer.step()
    assert loss.device.type == "meta" and loss.shape == (), name
    assert {p.device.type for p in model.parameters()} == {"meta"}, name


def test_the_samplers_follow_the_model_and_the_noise(meta):
    unet = image_diffusion.make_model(image_diffusion.ImageDiffusionConfig()).to(runtime.device())
    noise = torch.randn(2, 3, 32, 32).to(runtime.device())
    sigmas = ddpm_sigmas(ddpm_schedule("linear"), 2)
    for sampler in (sample_ddpm, sample_dpmpp_2m):
        x = sampler(image_diffusion.denoiser(unet, "epsilon"), noise * sigmas[0], sigmas,
                    generator=torch.Generator().manual_seed(0))
        assert x.device.type == "meta" and x.shape == noise.shape
    flow = image_diffusion.make_model(image_diffusion.ImageDiffusionConfig(objective="velocity")).to(runtime.device())
    x = sample_flow_heun(FlowDenoiser(flow, "velocity"), noise, flow_times(2))
    assert x.device.type == "meta" and x.shape == noise.shape


def test_train_runs_on_the_chosen_device_and_hands_the_models_back_on_the_cpu(monkeypatch, tmp_path):
    chosen = []
    real = runtime.device
    monkeypatch.setattr(runtime, "device", lambda: chosen.append(real()) or real())
    config = image_diffusion.ImageDiffusionConfig(steps=2, batch_size=2)
    result = train(image_diffusion.make_model(config), image_diffusion.loss_function(config),
                   image_diffusion.image_batches(config), TrainConfig(steps=2, batch_size=2, warmup=1),
                   progress=False)
    assert chosen, "train() must ask toolkit.runtime.device() where to run"
    for model in (result.model, result.ema_model):
        assert {p.device.type for p in model.parameters()} == {"cpu"}


def test_train_refuses_a_device_it_cannot_train_on(meta):
    config = image_diffusion.ImageDiffusionConfig(steps=1, batch_size=2)
    with pytest.raises(ValueError, match="shape-only"):
        train(image_diffusion.make_model(config), image_diffusion.loss_function(config),
              image_diffusion.image_batches(config), TrainConfig(steps=1, batch_size=2, warmup=1), progress=False)
