"""The latent video transformer: shapes, adaLN-Zero start, positions, conditioning, clear errors, and that it learns."""
import pytest
import torch

from toolkit.models.video_dit import PRESETS, VideoDiT, VideoDiTConfig, sincos_3d

pytestmark = pytest.mark.usefixtures("one_thread")


def inputs(B=2, T=4, H=8, W=8, L=6, seed=0):
    g = torch.Generator().manual_seed(seed)
    mask = torch.ones(B, L, dtype=torch.bool)
    mask[:, L // 2:] = False
    return (torch.randn(B, 8, T, H, W, generator=g), torch.rand(B, generator=g), torch.randn(B, L, 64, generator=g),
            mask, torch.randn(B, 64, generator=g))


def awake(seed=0) -> VideoDiT:
    """A tiny model whose zero-initialised layers got random weights, so every input reaches the output."""
    torch.manual_seed(seed)
    model = VideoDiT.from_preset("cpu-tiny")
    with torch.no_grad():
        for p in model.parameters():
            if not p.any():
                p.normal_(0, 0.05)
    return model.eval()


def test_fresh_model_outputs_zero_and_keeps_the_shape():
    x, t, ctx, mask, pooled = inputs()
    out = VideoDiT.from_preset("cpu-tiny")(x, t, ctx, mask, pooled)
    assert out.shape == x.shape and torch.equal(out, torch.zeros_like(x))


@pytest.mark.parametrize("size", [(4, 8, 8), (2, 4, 6), (8, 16, 16)])
def test_any_latent_the_patches_tile(size):
    x, t, ctx, mask, pooled = inputs(T=size[0], H=size[1], W=size[2])
    assert awake()(x, t, ctx, mask, pooled).shape == x.shape


def test_same_seed_same_bits():
    x, t, ctx, mask, pooled = inputs()
    assert torch.equal(awake(1)(x, t, ctx, mask, pooled), awake(1)(x, t, ctx, mask, pooled))


def test_every_condition_reaches_the_output():
    model = awake()
    x, t, ctx, mask, pooled = inputs()
    base = model(x, t, ctx, mask, pooled)
    assert not torch.allclose(base, model(x, t * 0.5, ctx, mask, pooled))                  # time
    assert not torch.allclose(base, model(x, t, ctx + 1, mask, pooled))                    # text tokens
    assert not torch.allclose(base, model(x, t, ctx, mask, pooled + 1))                    # pooled text
    padded = ctx.clone()
    padded[:, -1] += 100                                                                     # a masked token
    assert torch.allclose(base, model(x, t, padded, mask, pooled), atol=1e-6)


def test_gradient_checkpointing_gives_the_same_gradients():
    x, t, ctx, mask, pooled = inputs()
    grads, saved = [], []
    for on in (False, True):
        model = awake().train()
        model.gradient_checkpointing = on
        count = [0]

        def pack(tensor):
            count[0] += 1
            return tensor
        with torch.autograd.graph.saved_tensors_hooks(pack, lambda tensor: tensor):
            loss = model(x, t, ctx, mask, pooled).square().mean()
        loss.backward()
        grads.append(torch.cat([p.grad.flatten() for p in model.parameters()]))
        saved.append(count[0])
    torch.testing.assert_close(grads[1], grads[0], rtol=1e-5, atol=1e-7)
    assert grads[0].abs().sum() > 0
    assert saved[1] < saved[0] / 2          # the blocks' activations were not kept for the backward pass


def test_positions_tell_every_token_apart_and_make_the_model_see_where():
    pos = sincos_3d((4, 8, 8), 48)
    assert pos.shape == (256, 48)
    assert torch.cdist(pos, pos).add(torch.eye(256) * 10).min() > 0.1                      # all distinct
    # Moving content along time changes the output by more than just moving it (positions matter).
    model = awake()
    x, t, ctx, mask, pooled = inputs()
    shifted = model(x.roll(1, dims=2), t, ctx, mask, pooled)
    assert not torch.allclose(shifted, model(x, t, ctx, mask, pooled).roll(1, dims=2), atol=1e-4)


def test_attention_crosses_frames():
    """Full spacetime attention: changing the last latent frame changes the prediction for the first."""
    model = awake()
    x, t, ctx, mask, pooled = inputs()
    y = x.clone()
    y[:, :, -1] += 1
    assert not torch.allclose(model(x, t, ctx, mask, pooled)[:, :, 0], model(y, t, ctx, mask, pooled)[:, :, 0])


def test_it_learns_a_fixed_target():
    torch.manual_seed(0)
    model = VideoDiT.from_preset("cpu-tiny")
    x, t, ctx, mask, pooled = inputs()
    target = torch.randn_like(x)
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    losses = []
    for _ in range(60):
        loss = (model(x, t, ctx, mask, pooled) - target).pow(2).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0]


@pytest.mark.parametrize("change, message", [
    (lambda a: (a[0][..., :7, :],) + a[1:], "divide by the patch size"),
    (lambda a: (a[0][:, :4],) + a[1:], "latent clip"),
    (lambda a: (a[0][0],) + a[1:], "latent clip"),
    (lambda a: (a[0], torch.rand(3)) + a[2:], "t must be"),
    (lambda a: a[:2] + (a[2][..., :32],) + a[3:], "context must be"),
    (lambda a: a[:2] + (None,) + a[3:], "context must be"),
    (lambda a: a[:3] + (torch.zeros_like(a[3]),) + a[4:], "hides every token"),
    (lambda a: a[:3] + (a[3].float(),) + a[4:], "context_mask must be bool"),
    (lambda a: a[:4] + (a[4][:, :10],), "pooled must have"),
])
def test_clear_errors(change, message):
    with pytest.raises(ValueError, match=message):
        VideoDiT.from_preset("cpu-tiny")(*change(inputs()))


def test_config_errors():
    with pytest.raises(ValueError, match="multiple of 6"):
        VideoDiTConfig(width=64)
    with pytest.raises(ValueError, match="patch_size"):
        VideoDiTConfig(patch_size=(1, 2))
    with pytest.raises(ValueError, match="unknown video DiT preset"):
        VideoDiT.from_preset("huge")
    assert set(PRESETS) == {"cpu-tiny", "cpu", "gpu"}
    assert VideoDiTConfig(patch_size=[1, 2, 2]).patch_size == (1, 2, 2)        # from a JSON manifest
