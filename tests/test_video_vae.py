"""The video VAE: shapes for every allowed clip length, refused lengths, causality of the encoder and the
decoder, the per-frame norm, learning, and the shipped-checkpoint round trip."""
from dataclasses import asdict

import pytest
import torch
import torch.nn as nn

from toolkit import checkpoints, zoo
from toolkit.recipes import autoencoder
from toolkit.recipes.autoencoder import AutoencoderConfig, make_config
from toolkit.models.vae import DiagonalGaussian
from toolkit.models.video_vae import PRESETS, CausalConv3d, FrameGroupNorm, VideoVAE, VideoVAEConfig


pytestmark = pytest.mark.usefixtures("one_thread")


def tiny(**overrides) -> VideoVAE:
    torch.manual_seed(0)
    return VideoVAE.from_preset("cpu-tiny", **overrides).eval()


def wake(model: VideoVAE) -> VideoVAE:
    """Give the zero-initialised layers random weights, so that every path shows in the output."""
    with torch.no_grad():
        for p in model.parameters():
            if not p.any():
                p.normal_(0, 0.1, generator=torch.Generator().manual_seed(p.numel()))
    return model


def clips(*shape, seed=0):
    return torch.rand(shape, generator=torch.Generator().manual_seed(seed)) * 2 - 1


@pytest.mark.parametrize("time_factor, thw", [(4, (16, 32, 32)), (4, (4, 16, 16)), (4, (12, 16, 24)),
                                               (2, (6, 16, 16)), (2, (16, 16, 16)), (1, (3, 16, 16))])
def test_round_trip_shapes(time_factor, thw):
    vae = tiny(time_factor=time_factor)
    x = clips(2, 3, *thw)
    T, H, W = thw
    with torch.no_grad():
        z = vae.encode(x).sample(torch.Generator().manual_seed(0))
        assert z.shape == vae.latent_shape(x.shape) == (2, 4, T // time_factor, H // 4, W // 4)
        x_hat = vae.decode(z)
        assert x_hat.shape == x.shape
        assert torch.equal(x_hat, torch.zeros_like(x_hat))                  # zero-init output convolution
        assert wake(vae).decode(z).abs().min() > 0


def test_the_shipped_preset_turns_16_frames_into_4_latent_frames():
    assert VideoVAE.from_preset("cpu").latent_shape((1, 3, 16, 32, 32)) == (1, 8, 4, 8, 8)
    assert all(c.spatial_factor == 4 and c.time_factor == 4 for c in PRESETS.values())


@pytest.mark.parametrize("frames", [15, 17, 2, 6])
def test_frame_counts_that_do_not_fit_the_time_factor_are_refused_with_the_allowed_ones(frames):
    vae = tiny()
    with pytest.raises(ValueError, match=f"{frames} frames .* multiple of the time factor 4 \\(4, 8, 12, 16"):
        vae.encode(torch.zeros(1, 3, frames, 16, 16))
    with pytest.raises(ValueError, match="multiple of the time factor 2 \\(2, 4, 6, 8"):
        tiny(time_factor=2).latent_shape((1, 3, 7, 16, 16))


@pytest.mark.parametrize("shape, message", [
    ((1, 3, 32, 32), "must be clips \\(B, C, T, H, W\\).*add a time axis"),
    ((1, 16, 3, 32, 32), "16 channels.*channels before time"),
    ((1, 3, 16, 30, 32), "multiples of the spatial factor 4, got 30 x 32"),
])
def test_bad_input_shapes_are_refused_with_the_reason(shape, message):
    with pytest.raises(ValueError, match=message):
        tiny().encode(torch.zeros(shape))


def test_bad_latents_and_time_factors_are_refused():
    with pytest.raises(ValueError, match="z must have shape \\(B, 4, t, h, w\\)"):
        tiny().decode(torch.zeros(1, 4, 8, 8))
    for bad in (3, 8, 0):
        with pytest.raises(ValueError, match="time_factor must be a power of 2 from 1 to the spatial factor 4"):
            VideoVAEConfig(time_factor=bad)


@pytest.mark.parametrize("time_factor", [4, 2])
def test_the_encoder_is_causal(time_factor):
    """Changing frame k changes no latent frame j that covers only frames before k, i.e. f·(j + 1) − 1 < k,
    and does change latent frame ⌊k / f⌋ (and, through the causal convolutions, those after it)."""
    vae, f = wake(tiny(time_factor=time_factor)), time_factor
    x = clips(1, 3, 16, 16, 16)
    with torch.no_grad():
        before = vae.encoder(x)                                             # (1, 2·4, 16 / f, 4, 4)
        for k in range(16):
            changed = x.clone()
            changed[:, :, k] += 1.0
            after = vae.encoder(changed)
            for j in range(16 // f):
                if f * (j + 1) - 1 < k:
                    torch.testing.assert_close(after[:, :, j], before[:, :, j], rtol=0, atol=1e-6)
                else:
                    assert (after[:, :, j] - before[:, :, j]).abs().max() > 1e-3, (k, j)


def test_the_decoder_is_causal():
    """Decoded frame t depends on latent frames 0 .. ⌊t / 4⌋ only."""
    vae = wake(tiny())
    z = torch.randn(1, 4, 4, 4, 4, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        before = vae.decode(z)
        for j in range(4):
            changed = z.clone()
            changed[:, :, j] += 1.0
            after = vae.decode(changed)
            torch.testing.assert_close(after[:, :, :4 * j], before[:, :, :4 * j], rtol=0, atol=1e-6)
            assert (after[:, :, 4 * j:] - before[:, :, 4 * j:]).abs().amax(dim=(0, 1, 3, 4)).min() > 1e-4


def test_causal_conv_pads_the_past_with_the_first_frame():
    conv = CausalConv3d(1, 1, kernel=3)
    with torch.no_grad():
        conv.weight.zero_(), conv.bias.zero_()
        conv.weight[0, 0, 0, 1, 1] = 1.0                                    # output frame t = input frame t − 2
    x = torch.arange(5.0).view(1, 1, 5, 1, 1).expand(1, 1, 5, 3, 3)
    assert conv(x)[0, 0, :, 1, 1].tolist() == [0.0, 0.0, 0.0, 1.0, 2.0]


def test_frame_group_norm_normalises_each_frame_alone():
    x = torch.randn(2, 8, 5, 4, 4, generator=torch.Generator().manual_seed(0)) * torch.arange(1.0, 6.0).view(5, 1, 1)
    norm, plain = FrameGroupNorm(4, 8), nn.GroupNorm(4, 8)
    for t in range(5):
        torch.testing.assert_close(norm(x)[:, :, t], plain(x[:, :, t]))
    late = x.clone()
    late[:, :, -1] *= 10
    torch.testing.assert_close(norm(late)[:, :, 0], norm(x)[:, :, 0])       # the future does not leak back
    assert not torch.allclose(plain(late)[:, :, 0], plain(x)[:, :, 0])      # as it would through a clip-wide norm


def test_the_posterior_works_on_clips():
    q = DiagonalGaussian(torch.zeros(3, 8, 4, 2, 2))
    assert torch.equal(q.kl(), torch.zeros(3)) and q.sample(torch.Generator().manual_seed(0)).shape == (3, 4, 4, 2, 2)


def test_config_for_clips():
    config = make_config("video", steps=5)
    assert (config.frames, config.name, config.steps) == (16, "shapes_video_vae", 5)
    with pytest.raises(ValueError, match="multiple of the time factor 4"):
        autoencoder.make_model(make_config("video", frames=10, model="cpu-tiny"))


def test_a_few_steps_learn_and_the_checkpoint_round_trips(tmp_path):
    config = AutoencoderConfig(kind="video", model="cpu-tiny", train="cpu-tiny", steps=20, batch_size=2, frames=8,
                               image_size=16)
    result = autoencoder.train_model(config, progress=False)
    losses = result.losses
    assert len(losses) == 20 and sum(losses[-3:]) < 0.5 * sum(losses[:3])
    model = result.ema_model
    factor = autoencoder.calibrate(model, config, n=4)
    x = clips(4, 3, 8, 16, 16)
    checkpoints.save(tmp_path, config.name, model.state_dict(), asdict(config), "python -m test",
                     metrics={"scaling_factor": factor})
    loaded = zoo.load("shapes_video_vae", tmp_path)
    assert isinstance(loaded, VideoVAE) and float(loaded.scaling_factor) == factor
    assert torch.equal(loaded.to_latent(x), model.to_latent(x))
    metrics = autoencoder.evaluate(loaded, config, n=2)
    assert set(metrics["reader_accuracy_heldout"]) == {"shape", "colour", "size", "motion"}
