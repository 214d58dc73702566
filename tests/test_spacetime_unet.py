"""The factorised space-time U-Net: inflation (a fresh one is the image model frame by frame), temporal mixing,
frozen spatial training, and the per-frame baseline it is compared with."""
import pytest
import torch

from toolkit.models.spacetime_unet import SpaceTimeUNet, TemporalLayer
from toolkit.models.unet import UNet
from toolkit.pipelines import per_frame_video

pytestmark = pytest.mark.usefixtures("one_thread")


def image_unet(seed=0) -> UNet:
    torch.manual_seed(seed)
    unet = UNet.from_preset("cpu-tiny", context_dim=16)
    with torch.no_grad():
        for p in unet.parameters():
            if not p.any():
                p.normal_(0, 0.05)
    return unet.eval()


def inputs(B=2, T=5, seed=0):
    g = torch.Generator().manual_seed(seed)
    return (torch.randn(B, 3, T, 16, 16, generator=g), torch.rand(B, generator=g) * 1000,
            torch.randn(B, 4, 16, generator=g), torch.ones(B, 4, dtype=torch.bool), torch.randn(B, 16, generator=g))


def test_fresh_inflated_model_is_the_image_model_frame_by_frame():
    image = image_unet()
    video = SpaceTimeUNet(UNet(image.config)).load_image_weights(image.state_dict()).eval()
    x, t, ctx, mask, pooled = inputs()
    with torch.no_grad():
        frame_by_frame = torch.stack([image(x[:, :, i], t, context=ctx, context_mask=mask, pooled=pooled)
                                      for i in range(x.shape[2])], dim=2)
        assert torch.allclose(video(x, t, ctx, mask, pooled), frame_by_frame, atol=1e-5)


def test_temporal_layers_tie_the_frames_together():
    image = image_unet()
    video = SpaceTimeUNet(UNet(image.config)).load_image_weights(image.state_dict()).eval()
    with torch.no_grad():
        for p in video.temporal.parameters():
            if not p.any():
                p.normal_(0, 0.05)
    x, t, ctx, mask, pooled = inputs()
    y = x.clone()
    y[:, :, -1] += 1                                               # change only the last frame
    with torch.no_grad():
        a, b = video(x, t, ctx, mask, pooled), video(y, t, ctx, mask, pooled)
    assert not torch.allclose(a[:, :, 0], b[:, :, 0])             # ... and the first frame's output moves
    assert len(video.temporal) > 0 and all(int(k) >= 0 for k in video.temporal)


def test_temporal_layer_shapes_and_identity_start():
    layer = TemporalLayer(16, 8, 4)
    h = torch.randn(2 * 6, 16, 4, 4)
    assert torch.equal(layer(h, frames=6), h)                       # zero-initialised branches
    with pytest.raises(Exception):
        layer(torch.randn(7, 16, 4, 4), frames=6)                  # 7 frames do not make whole clips of 6


def test_clips_only():
    video = SpaceTimeUNet(UNet.from_preset("cpu-tiny", context_dim=16))
    with pytest.raises(ValueError, match="clips"):
        video(torch.randn(2, 3, 16, 16), torch.zeros(2))


def test_per_frame_baseline_shapes_and_same_noise():
    class Images:                                                   # a stand-in text-to-image pipeline
        def __call__(self, prompts, seed=0, num_images=1, **kwargs):
            g = torch.Generator().manual_seed(seed)
            return type("Out", (), {"images": torch.rand(len(prompts) * num_images, 3, 8, 8, generator=g)})()
    clips = per_frame_video(Images(), ["a", "b"], frames=6, seed=1)
    assert clips.shape == (2, 3, 6, 8, 8) and not torch.equal(clips[:, :, 0], clips[:, :, 1])
    still = per_frame_video(Images(), "a", frames=6, same_noise=True)
    assert still.shape == (1, 3, 6, 8, 8) and torch.equal(still[:, :, 0], still[:, :, 5])
    with pytest.raises(ValueError, match="frames"):
        per_frame_video(Images(), "a", frames=1)


def test_temporal_attention_maps_are_distributions_over_frames():
    from toolkit.models.spacetime_unet import temporal_attention_maps
    image = image_unet()
    video = SpaceTimeUNet(UNet(image.config)).load_image_weights(image.state_dict()).eval()
    x, t, ctx, mask, pooled = inputs(T=6)
    maps = temporal_attention_maps(video, x, t, context=ctx, context_mask=mask, pooled=pooled)
    assert set(maps) == set(video.temporal)
    for weights in maps.values():
        assert weights.shape[0] == 2 and weights.shape[-2:] == (6, 6)
        assert torch.allclose(weights.sum(-1), torch.ones(weights.shape[:-1]), atol=1e-5)
    assert not any(h._forward_pre_hooks for h in video.temporal.values())        # the hooks are gone


def test_per_frame_baseline_splits_large_batches():
    calls = []

    class Images:
        def __call__(self, prompts, seed=0, num_images=1, **kwargs):
            calls.append((len(prompts) * num_images, seed))
            return type("Out", (), {"images": torch.zeros(len(prompts) * num_images, 3, 8, 8)})()
    clips = per_frame_video(Images(), ["a"] * 40, frames=16, seed=5)
    assert clips.shape == (40, 3, 16, 8, 8) and calls == [(256, 5), (256, 6), (128, 7)]
