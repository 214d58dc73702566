"""The U-Net: shapes, conditioning hooks, zero-init, clear errors, presets, and that it can learn."""
import pytest
import torch
import torch.nn.functional as F

from toolkit.models.unet import PRESETS, Attention, UNet, UNetConfig, timestep_embedding


pytestmark = pytest.mark.usefixtures("one_thread")


D = 12  # context width for the text hooks


def wake(model: UNet) -> UNet:
    """Give the zero-initialised layers random weights, so that every path shows in the output."""
    with torch.no_grad():
        for p in model.parameters():
            if not p.any():
                p.normal_(0, 0.1, generator=torch.Generator().manual_seed(p.numel()))
    return model.eval()


def tiny(**overrides) -> UNet:
    torch.manual_seed(0)
    return UNet.from_preset("cpu-tiny", **overrides)


@pytest.mark.parametrize("hooks", ["none", "class", "text", "class+text"])
@pytest.mark.parametrize("size", [(16, 16), (8, 24)])
def test_output_shape_and_exact_zero_at_init(hooks, size):
    net = tiny(num_classes=5 if "class" in hooks else None, context_dim=D if "text" in hooks else None)
    x, t = torch.randn(3, 3, *size), torch.rand(3) * 1000
    kwargs = {}
    if "class" in hooks:
        kwargs["class_labels"] = torch.tensor([0, 4, net.null_class])
    if "text" in hooks:
        kwargs |= dict(context=torch.randn(3, 7, D), context_mask=torch.rand(3, 7) < 0.8, pooled=torch.randn(3, D))
        kwargs["context_mask"][:, 0] = True
    out = net(x, t, **kwargs)
    assert out.shape == x.shape and out.is_contiguous()
    assert torch.equal(out, torch.zeros_like(out))            # zero-init output convolution
    assert wake(net)(x, t, **kwargs).abs().min() > 0


def test_zero_init_blocks_are_identities_and_gradients_reach_the_output_layer():
    net = tiny()
    for name, p in net.named_parameters():
        if name.endswith(("res.conv2.weight", "attn.out.weight")) or name.startswith("out.2"):
            assert not p.any(), name
    x = torch.randn(2, 3, 16, 16)
    net(x, torch.tensor([1.0, 500.0])).sum().backward()
    assert net.out[2].weight.grad.abs().sum() > 0


def test_each_sample_is_computed_on_its_own_and_scalar_t_broadcasts():
    net = wake(tiny(context_dim=D))
    x, t, ctx = torch.randn(4, 3, 16, 16), torch.full((4,), 300.0), torch.randn(4, 5, D)
    together = net(x, t, context=ctx)
    alone = torch.cat([net(x[i:i + 1], t[i:i + 1], context=ctx[i:i + 1]) for i in range(4)])
    torch.testing.assert_close(together, alone, rtol=1e-4, atol=1e-5)
    torch.testing.assert_close(net(x, torch.tensor(300.0), context=ctx), together)


def test_class_hook_null_class_and_text_hooks_change_the_output_where_they_should():
    net = wake(tiny(num_classes=3, context_dim=D))
    x, t = torch.randn(1, 3, 16, 16).expand(2, -1, -1, -1), torch.full((2,), 10.0)
    a, b = net(x, t, class_labels=torch.tensor([0, 1])).unbind(0)
    assert not torch.allclose(a, b)
    torch.testing.assert_close(net(x, t), net(x, t, class_labels=torch.full((2,), net.null_class)))

    ctx, mask = torch.randn(2, 6, D), torch.tensor([[True] * 4 + [False] * 2] * 2)
    base = net(x, t, context=ctx, context_mask=mask)
    padded = ctx.clone()
    padded[:, 4:] = 100.0                                      # change only the masked (padding) tokens
    torch.testing.assert_close(net(x, t, context=padded, context_mask=mask), base)
    assert not torch.allclose(net(x, t, context=padded), base)  # without the mask they are seen
    assert not torch.allclose(net(x, t, context=ctx, context_mask=mask, pooled=torch.randn(2, D)), base)


def test_cross_attention_matches_a_written_out_softmax():
    torch.manual_seed(0)
    attn = Attention(channels=32, head_channels=16, groups=4, context_dim=D)
    torch.nn.init.normal_(attn.out.weight, std=0.1)
    x, ctx = torch.randn(2, 32, 4, 4), torch.randn(2, 5, D)
    mask = torch.tensor([[True, True, True, False, False], [True] * 5])
    tokens = attn.norm(x).flatten(2).transpose(1, 2)                               # (B, 16, 32)
    q = attn.q(tokens).unflatten(-1, (2, 16)).transpose(1, 2)                       # (B, 2, 16, 16)
    k, v = (z.unflatten(-1, (2, 16)).transpose(1, 2) for z in attn.kv(ctx).chunk(2, -1))
    scores = (q @ k.transpose(-1, -2)) / 16 ** 0.5                                  # (B, 2, 16, 5)
    scores = scores.masked_fill(~mask[:, None, None, :], float("-inf"))
    h = (scores.softmax(-1) @ v).transpose(1, 2).flatten(2)                         # (B, 16, 32)
    expected = x + attn.out(h).transpose(1, 2).reshape(2, 32, 4, 4)
    torch.testing.assert_close(attn(x, ctx, mask), expected, rtol=1e-4, atol=1e-5)


def test_timestep_embedding():
    e = timestep_embedding(torch.tensor([0.0, 1.0, 999.5]), 16)
    assert e.shape == (3, 16)
    torch.testing.assert_close(e[0], torch.cat([torch.ones(8), torch.zeros(8)]))
    torch.testing.assert_close(e[1, 0], torch.cos(torch.tensor(1.0)))


@pytest.mark.parametrize("call, message", [
    (lambda n: n(torch.randn(3, 16, 16), torch.zeros(3)), r"\(B, C, H, W\)"),
    (lambda n: n(torch.randn(2, 1, 16, 16), torch.zeros(2)), "in_channels=3"),
    (lambda n: n(torch.randn(2, 3, 16, 15), torch.zeros(2)), "divide by 2"),
    (lambda n: n(torch.randn(2, 3, 16, 16), torch.zeros(3)), "t must be"),
    (lambda n: n(torch.randn(2, 3, 16, 16), torch.zeros(2), class_labels=torch.zeros(2)), "integers"),
    (lambda n: n(torch.randn(2, 3, 16, 16), torch.zeros(2), context=torch.randn(2, 4, D + 1)), r"\(2, L, 12\)"),
    (lambda n: n(torch.randn(2, 3, 16, 16), torch.zeros(2), pooled=torch.randn(2, 4, D)), r"\(2, 12\)"),
    (lambda n: n(torch.randn(2, 3, 16, 16), torch.zeros(2), context=torch.randn(2, 4, D),
                 context_mask=torch.ones(2, 4)), "bool"),
    (lambda n: n(torch.randn(2, 3, 16, 16), torch.zeros(2), context=torch.randn(2, 4, D),
                 context_mask=torch.tensor([[True] * 4, [False] * 4])), "every token"),
    (lambda n: n(torch.randn(2, 3, 16, 16), torch.zeros(2), context_mask=torch.ones(2, 4, dtype=torch.bool)),
     "without context"),
])
def test_bad_inputs_say_what_is_wrong(call, message):
    with pytest.raises(ValueError, match=message):
        call(tiny(num_classes=4, context_dim=D))


def test_hooks_missing_from_the_config_are_refused():
    net = tiny()
    x, t = torch.randn(2, 3, 16, 16), torch.zeros(2)
    with pytest.raises(ValueError, match="num_classes=None"):
        net(x, t, class_labels=torch.zeros(2, dtype=torch.long))
    with pytest.raises(ValueError, match="context_dim=None"):
        net(x, t, context=torch.randn(2, 3, D))
    with pytest.raises(ValueError, match="no class conditioning"):
        net.null_class


def test_presets_and_config_errors():
    sizes = {name: sum(p.numel() for p in UNet(config).parameters()) for name, config in PRESETS.items()}
    assert sizes["cpu-tiny"] < 300_000 and 1e6 < sizes["cpu"] < 3e6 and 30e6 < sizes["gpu"] < 45e6, sizes
    assert 1e6 < sizes["latent-cpu"] < 3e6 and PRESETS["latent-cpu"].in_channels == 4       # the pixel model's size
    assert UNet.from_preset("cpu", in_channels=4).config.in_channels == 4
    with pytest.raises(ValueError, match=r"\['cpu', 'cpu-tiny', 'gpu', 'latent-cpu'\]"):
        UNet.from_preset("huge")
    with pytest.raises(ValueError, match="unknown UNetConfig fields"):
        UNet.from_preset("cpu", width=3)
    with pytest.raises(ValueError, match="norm_groups"):
        UNetConfig(channels=30)
    with pytest.raises(ValueError, match="head_channels"):
        UNetConfig(head_channels=48)


def test_a_few_dozen_steps_overfit_a_fixed_denoising_batch():
    net = tiny(num_classes=2)
    g = torch.Generator().manual_seed(0)
    x0 = torch.randn(4, 3, 16, 16, generator=g).clamp(-1, 1)
    eps = torch.randn(x0.shape, generator=g)
    t = torch.tensor([100.0, 300.0, 600.0, 900.0])
    alpha = torch.cos(t / 1000 * torch.pi / 2)[:, None, None, None]
    xt, labels = alpha * x0 + (1 - alpha ** 2).sqrt() * eps, torch.tensor([0, 1, 0, 1])
    optimizer = torch.optim.Adam(net.parameters(), lr=3e-3)
    losses = []
    for _ in range(40):
        loss = F.mse_loss(net(xt, t, class_labels=labels), eps)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[0] == pytest.approx(eps.square().mean().item())  # zero output at the start
    assert losses[-1] < 0.5 * losses[0], losses
