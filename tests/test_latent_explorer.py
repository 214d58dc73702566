"""The latent explorer of notebook 05: its perturb/decode math, and the widget built around it."""
import matplotlib
import pytest
import torch

from toolkit.models.vae import VAE
from toolkit.models.video_vae import VideoVAE
from toolkit.viz.latent_explorer import encode_one, explorer_figure, latent_explorer, perturb, perturb_and_decode

matplotlib.use("Agg")


def tiny(cls, seed=0):
    torch.manual_seed(seed)
    vae = cls.from_preset("cpu-tiny").eval()
    for p in vae.decoder.parameters():           # the zero-initialised decoder would decode everything to grey
        torch.nn.init.normal_(p, std=0.2)
    vae.scaling_factor.fill_(0.5)                # a scale other than 1, so scaled and unscaled latents differ
    return vae


def test_perturb_adds_each_offset_to_its_channel_only():
    z = torch.randn(2, 4, 8, 8, generator=torch.Generator().manual_seed(0))
    moved = perturb(z, [0.0, 1.5, 0.0, -2.0])
    assert torch.equal(moved[:, [0, 2]], z[:, [0, 2]])
    assert torch.allclose(moved[:, 1] - z[:, 1], torch.full((2, 8, 8), 1.5))
    assert torch.allclose(moved[:, 3] - z[:, 3], torch.full((2, 8, 8), -2.0))
    assert torch.equal(perturb(z, torch.zeros(4)), z)
    with pytest.raises(ValueError, match="one offset per latent channel"):
        perturb(z, [1.0, 2.0])
    with pytest.raises(ValueError, match="no frames"):
        perturb(z, torch.zeros(4), latent_frame=0)


def test_perturb_one_latent_frame_of_a_clip():
    z = torch.randn(1, 4, 4, 8, 8, generator=torch.Generator().manual_seed(1))      # (B, C, t, h, w)
    moved = perturb(z, [1.0, 0.0, 0.0, 0.0], latent_frame=2)
    difference = (moved - z).abs().sum(dim=(0, 1, 3, 4))                            # per latent frame
    assert difference.tolist() == [0.0, 0.0, 64.0, 0.0]
    assert torch.allclose((perturb(z, [1.0, 0, 0, 0]) - z)[:, 0], torch.ones(1, 4, 8, 8))
    with pytest.raises(ValueError, match="latent_frame must be in 0..3"):
        perturb(z, torch.zeros(4), latent_frame=4)


def test_perturb_and_decode_goes_through_the_scaled_latent():
    vae = tiny(VAE)
    x = torch.rand(3, 32, 32) * 2 - 1
    z = encode_one(vae, x)                                                          # scaled: 0.5 · mode
    assert z.shape == (1, 4, 8, 8)
    assert torch.allclose(z, vae.encode(x[None]).mode() * 0.5)
    offsets = torch.tensor([0.0, 0.5, 0.0, 0.0])
    expected = vae.decode((z + offsets.view(1, 4, 1, 1)) / 0.5).clamp(-1, 1)       # unscale, then decode
    assert torch.allclose(perturb_and_decode(vae, z, offsets), expected, atol=1e-6)
    assert not torch.allclose(perturb_and_decode(vae, z, offsets), perturb_and_decode(vae, z, torch.zeros(4)))


def test_a_later_latent_frame_leaves_earlier_frames_alone():
    vae = tiny(VideoVAE)
    clip = torch.rand(3, 16, 32, 32) * 2 - 1
    z = encode_one(vae, clip)
    assert z.shape == (1, 4, 4, 8, 8)
    before = perturb_and_decode(vae, z, torch.zeros(4))
    after = perturb_and_decode(vae, z, [2.0, -2.0, 2.0, -2.0], latent_frame=2)      # frames 8-11
    changed = (after - before).abs().amax(dim=(0, 1, 3, 4))                         # per output frame
    assert changed[:8].max() == 0                                                   # causal decoder: the past stays
    assert changed[8:12].min() > 0


def test_explorer_figure_and_widget():
    from ipywidgets import Button, Dropdown, FloatSlider, Label, VBox

    image_vae, video_vae = tiny(VAE), tiny(VideoVAE)
    image, clip = torch.zeros(3, 32, 32), torch.zeros(3, 16, 32, 32)
    figure = explorer_figure(image_vae, image, [0, 1, 0, 0])              # 4 pictures + 4 channels, 2 colour bars
    assert len(figure.axes) == 10
    assert [ax.get_ylabel() for ax in figure.axes[-2:]] == ["|change|", "scaled latent value"]
    figure = explorer_figure(video_vae, clip, [0, 1, 0, 0], latent_frame=1, frames=4)    # 4 rows of 4, a colour bar
    assert len(figure.axes) == 17 and figure.axes[-1].get_ylabel() == "|change|"
    with pytest.raises(ValueError, match="one image"):
        explorer_figure(image_vae, torch.zeros(1, 3, 32, 32), [0] * 4)

    widget = latent_explorer(image_vae, image)
    assert isinstance(widget, VBox)
    sliders = [w for box in widget.children[0].children for w in box.children]
    assert len(sliders) == 4 and all(isinstance(s, FloatSlider) for s in sliders)
    status = [w for w in widget.children[1].children if isinstance(w, Label)][0]
    status.value = ""
    sliders[1].value = 1.0                                                          # a move redraws
    assert status.value.startswith("decoded in")

    widget = latent_explorer(video_vae, clip)
    controls = widget.children[1].children
    assert isinstance(controls[0], Button) and isinstance(controls[1], Dropdown)
    assert controls[1].options[3][0] == "latent frame 2 (frames 8-11)"
    controls[1].value = 3
    controls[0].click()                                                             # reset: every offset back to 0
    assert all(s.value == 0 for box in widget.children[0].children for s in box.children)
