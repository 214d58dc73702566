"""The text encoder and the conditioner around it: shapes, <eos> pooling, padding that changes nothing, clear errors."""
import pytest
import torch

from toolkit.models.text_encoder import TextEncoder, TextEncoderConfig
from toolkit.text import TextConditioner, Tokenizer

TOKENIZER = Tokenizer()
PROMPTS = ["a red circle", "a huge golden disc, moving left", "a small plus sign that is cyan", "box"]


pytestmark = pytest.mark.usefixtures("one_thread")


def encoder(**overrides) -> TextEncoder:
    torch.manual_seed(0)
    return TextEncoder(TextEncoderConfig(vocab_size=len(TOKENIZER), **overrides)).eval()


def test_output_shapes():
    tokens = TOKENIZER(PROMPTS)
    out, pooled = encoder()(tokens.ids, tokens.mask)
    assert out.shape == (4, 40, 64) and pooled.shape == (4, 64)
    assert torch.isfinite(out).all()


def test_pooled_is_the_eos_token_and_depends_on_the_words():
    tokens = TOKENIZER(PROMPTS)
    out, pooled = encoder()(tokens.ids, tokens.mask)
    eos = (tokens.ids == TOKENIZER.eos_id).nonzero()                    # (B, 2): row, position
    assert eos[:, 0].tolist() == [0, 1, 2, 3]
    assert torch.equal(pooled, out[eos[:, 0], eos[:, 1]])
    assert (torch.cdist(pooled, pooled) + torch.eye(4)).min() > 1e-3     # four prompts, four different vectors


def test_padding_changes_nothing():
    """Padding is masked out of attention: a prompt padded to 40 and cut to 12 positions reads the same."""
    net = encoder()
    tokens = TOKENIZER(PROMPTS)
    out, pooled = net(tokens.ids, tokens.mask)
    cut = int(tokens.mask.sum(dim=1).max()) + 1                          # the longest prompt and one pad
    out_cut, pooled_cut = net(tokens.ids[:, :cut], tokens.mask[:, :cut])
    assert out_cut.shape == (4, cut, 64)
    torch.testing.assert_close(pooled_cut, pooled, atol=1e-5, rtol=1e-5)
    real = tokens.mask[:, :cut]
    torch.testing.assert_close(out_cut[real], out[:, :cut][real], atol=1e-5, rtol=1e-5)
    # Changing what sits in the padded positions changes nothing either.
    ids = tokens.ids.clone()
    ids[~tokens.mask] = TOKENIZER.index["red"]
    torch.testing.assert_close(net(ids, tokens.mask)[1], pooled, atol=1e-5, rtol=1e-5)


def test_the_batch_does_not_leak_between_prompts():
    net = encoder()
    one = TOKENIZER(PROMPTS[1])
    batch = TOKENIZER(PROMPTS)
    torch.testing.assert_close(net(one.ids, one.mask)[1][0], net(batch.ids, batch.mask)[1][1], atol=1e-5, rtol=1e-5)


def bad_inputs():
    tokens = TOKENIZER(PROMPTS[:2])
    ids, mask = tokens.ids, tokens.mask
    no_bos = mask.clone()
    no_bos[1, 0] = False
    return {
        "int32 ids": (ids.int(), mask, "long"),
        "1-D ids": (ids[0], mask[0], "shape"),
        "too long": (torch.cat([ids, ids], 1), torch.cat([mask, mask], 1), "L <= 40"),
        "id too large": (ids.masked_fill(~mask, 70), mask, "0..69"),
        "negative id": (ids.masked_fill(~mask, -1), mask, "0..69"),
        "float mask": (ids, mask.float(), "bool"),
        "mask shape": (ids, mask[:, :10], "shaped like ids"),
        "mask without <bos>": (ids, no_bos, "<bos>"),
    }


@pytest.mark.parametrize("case", list(bad_inputs()))
def test_bad_inputs_raise(case):
    ids, mask, message = bad_inputs()[case]
    with pytest.raises(ValueError, match=message):
        encoder()(ids, mask)


def test_config_checks_heads():
    with pytest.raises(ValueError, match="heads"):
        TextEncoderConfig(width=30, heads=4)


def test_conditioner_outputs_and_null():
    text = TextConditioner(encoder())
    cond = text(PROMPTS)
    assert set(cond) == {"context", "context_mask", "pooled"}
    assert cond["context"].shape == (4, 40, 64) and cond["pooled"].shape == (4, 64) and text.width == 64
    assert torch.equal(cond["context_mask"], TOKENIZER(PROMPTS).mask)
    assert not cond["context"].requires_grad                           # frozen
    assert not any(p.requires_grad for p in text.encoder.parameters()) and not text.encoder.training
    null = text.null(3)
    assert null["context"].shape == (3, 40, 64) and null["context_mask"].sum().item() == 6
    torch.testing.assert_close(null["pooled"], null["pooled"][:1].expand(3, -1))       # every row alike


def test_conditioner_passes_on_unknown_word_handling():
    text = TextConditioner(encoder())
    with pytest.warns(UserWarning, match="zorp"):
        text("a zorp circle")
    with pytest.raises(ValueError, match="zorp"):
        text("a zorp circle", strict=True)


def test_conditioner_refuses_an_encoder_of_another_vocabulary():
    with pytest.raises(ValueError, match="retrain"):
        TextConditioner(TextEncoder(TextEncoderConfig(vocab_size=71)))
