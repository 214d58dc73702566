"""The image VAE: shapes, clear errors, the Gaussian posterior (against diffusers'), the scaling factor,
learning, and the shipped-checkpoint round trip."""
import math
from dataclasses import asdict

import pytest
import torch

from toolkit import checkpoints, zoo
from toolkit.recipes import autoencoder
from toolkit.recipes.autoencoder import AutoencoderConfig, psnr
from toolkit.models.vae import (PRESETS, VAE, DiagonalGaussian, VAEConfig, estimate_scaling_factor,
                                scaling_factor_of)


pytestmark = pytest.mark.usefixtures("one_thread")


def tiny(**overrides) -> VAE:
    torch.manual_seed(0)
    return VAE.from_preset("cpu-tiny", **overrides).eval()


def wake(model: VAE) -> VAE:
    """Give the zero-initialised layers random weights, so that every path shows in the output."""
    with torch.no_grad():
        for p in model.parameters():
            if not p.any():
                p.normal_(0, 0.1, generator=torch.Generator().manual_seed(p.numel()))
    return model


def pictures(*shape, seed=0):
    return torch.rand(shape, generator=torch.Generator().manual_seed(seed)) * 2 - 1


@pytest.mark.parametrize("size", [(16, 16), (32, 32), (24, 40), (64, 32)])
def test_round_trip_shapes_and_a_fresh_decoder_draws_grey(size):
    vae = tiny()
    x = pictures(3, 3, *size)
    posterior = vae.encode(x)
    z = posterior.sample(torch.Generator().manual_seed(0))
    assert z.shape == posterior.mode().shape == vae.latent_shape(x.shape) == (3, 4, size[0] // 4, size[1] // 4)
    x_hat = vae.decode(z)
    assert x_hat.shape == x.shape
    assert torch.equal(x_hat, torch.zeros_like(x_hat))                      # zero-init output convolution
    assert wake(vae).decode(z).abs().min() > 0


def test_presets_compress_32_pixels_to_8_and_the_shipped_one_is_small():
    for name, config in PRESETS.items():
        assert config.spatial_factor == 4, name
    assert sum(p.numel() for p in VAE.from_preset("cpu").parameters()) < 1_000_000


@pytest.mark.parametrize("shape, message", [
    ((2, 3, 32), "must be images \\(B, C, H, W\\)"),
    ((2, 3, 4, 32, 32), "must be images \\(B, C, H, W\\)"),
    ((2, 1, 32, 32), "1 channels but the VAE was built for in_channels=3"),
    ((2, 3, 30, 32), "multiples of the spatial factor 4 .* got 30 x 32"),
])
def test_bad_input_shapes_are_refused_with_the_reason(shape, message):
    vae = tiny()
    with pytest.raises(ValueError, match=message):
        vae.encode(torch.zeros(shape))
    with pytest.raises(ValueError, match=message):
        vae.latent_shape(shape)


def test_bad_latents_and_configs_are_refused():
    vae = tiny()
    with pytest.raises(ValueError, match="z must have shape \\(B, 4, h, w\\)"):
        vae.decode(torch.zeros(1, 3, 8, 8))
    with pytest.raises(ValueError, match="divide by norm_groups"):
        VAEConfig(channels=(32, 60))
    with pytest.raises(ValueError, match="unknown VAE preset"):
        VAE.from_preset("huge")


def test_kl_is_zero_for_a_standard_normal_and_positive_otherwise():
    zeros = torch.zeros(2, 8, 4, 4)                                         # mean 0, log-variance 0
    assert torch.equal(DiagonalGaussian(zeros).kl(), torch.zeros(2))
    for mean, logvar in [(0.5, 0.0), (0.0, 1.0), (0.0, -1.0), (-2.0, 0.3)]:
        moments = torch.cat([torch.full((2, 4, 4, 4), mean), torch.full((2, 4, 4, 4), logvar)], dim=1)
        kl = DiagonalGaussian(moments).kl()
        per_value = 0.5 * (mean ** 2 + math.exp(logvar) - 1 - logvar)       # closed form, one value
        torch.testing.assert_close(kl, torch.full((2,), 64 * per_value))
        assert (kl > 0).all()


def test_posterior_matches_diffusers_diagonal_gaussian():
    from diffusers.models.autoencoders.vae import DiagonalGaussianDistribution
    moments = torch.randn(3, 8, 5, 6, generator=torch.Generator().manual_seed(1)) * 3
    ours, theirs = DiagonalGaussian(moments), DiagonalGaussianDistribution(moments)
    torch.testing.assert_close(ours.kl(), theirs.kl())
    torch.testing.assert_close(ours.mode(), theirs.mode())
    torch.testing.assert_close(ours.sample(torch.Generator().manual_seed(5)),
                               theirs.sample(torch.Generator().manual_seed(5)))


def test_sampling_is_reproducible_with_a_generator_and_has_the_posterior_statistics():
    moments = torch.cat([torch.full((1, 2, 64, 64), 1.5), torch.full((1, 2, 64, 64), math.log(0.25))], dim=1)
    q = DiagonalGaussian(moments)
    a, b = q.sample(torch.Generator().manual_seed(3)), q.sample(torch.Generator().manual_seed(3))
    assert torch.equal(a, b)
    assert not torch.equal(a, q.sample(torch.Generator().manual_seed(4)))
    assert abs(a.mean() - 1.5) < 0.02 and abs(a.std() - 0.5) < 0.02
    assert torch.equal(q.mode(), torch.full((1, 2, 64, 64), 1.5))


def test_scaling_factor_is_one_over_the_latent_std():
    latents = 3.0 + 0.5 * torch.randn(20_000, generator=torch.Generator().manual_seed(0))
    assert scaling_factor_of(latents) == pytest.approx(2.0, rel=0.02)
    with pytest.raises(ValueError, match="std"):
        scaling_factor_of(torch.ones(10))


def test_estimated_scaling_factor_gives_unit_variance_latents_and_from_latent_inverts_it():
    vae = wake(tiny())
    x = pictures(16, 3, 32, 32)
    factor = estimate_scaling_factor(vae, x, torch.Generator().manual_seed(0), batch_size=5)
    vae.scaling_factor.fill_(factor)
    z = vae.to_latent(x, torch.Generator().manual_seed(0))                  # the same draws as the estimate
    assert z.std().item() == pytest.approx(1.0, rel=1e-4)
    torch.testing.assert_close(vae.to_latent(x), factor * vae.encode(x).mode())
    torch.testing.assert_close(vae.from_latent(vae.to_latent(x)), vae.decode(vae.encode(x).mode()))


def test_psnr():
    x = pictures(4, 3, 8, 8)
    torch.testing.assert_close(psnr(x, x + 0.02), torch.full((4,), 40.0))     # 10 log10(2² / 0.02²)
    assert (psnr(x, x) > 100).all()


def test_config_is_checked():
    with pytest.raises(ValueError, match="choose one of"):
        AutoencoderConfig(kind="audio")
    with pytest.raises(ValueError, match="images have 1 frame"):
        AutoencoderConfig(kind="image", frames=16)


def test_a_few_steps_learn_and_the_checkpoint_round_trips(tmp_path):
    config = AutoencoderConfig(model="cpu-tiny", train="cpu-tiny", steps=20, batch_size=8)
    result = autoencoder.train_model(config, progress=False)
    losses = result.losses
    assert len(losses) == 20 and sum(losses[-3:]) < 0.5 * sum(losses[:3])
    model = result.ema_model
    factor = autoencoder.calibrate(model, config, n=8)
    assert float(model.scaling_factor) == factor > 0
    checkpoints.save(tmp_path, config.name, model.state_dict(), asdict(config), "python -m test",
                     metrics={"scaling_factor": factor})
    loaded = zoo.load("shapes_vae", tmp_path)
    x = pictures(2, 3, 32, 32)
    assert torch.equal(loaded.to_latent(x), model.to_latent(x))
    assert not any(p.requires_grad for p in loaded.parameters())
    metrics = autoencoder.evaluate(loaded, config, n=4)
    assert set(metrics["reader_accuracy_heldout"]) == {"shape", "colour", "size"}
    assert metrics["reader_accuracy_heldout_originals"] == {"shape": 1.0, "colour": 1.0, "size": 1.0}

    checkpoints.save(tmp_path, config.name, model.state_dict(), asdict(config), "python -m test",
                     metrics={"scaling_factor": factor * 2})
    with pytest.raises(checkpoints.CheckpointError, match="scaling_factor"):
        zoo.load("shapes_vae", tmp_path)
