"""The contrastive text-image model (CLIP): unit vectors, the InfoNCE loss, noise awareness, learning, retrieval."""
import math

import pytest
import torch
import torch.nn.functional as F

from toolkit import zoo
from toolkit.recipes import contrastive
from toolkit.data import COLOUR_NAMES, SHAPES, SIZE_NAMES, parse_caption
from toolkit.eval.reader import read_images
from toolkit.models.clip import ContrastiveConfig, ContrastiveModel, contrastive_loss
from toolkit.models.text_encoder import TextEncoderConfig
from toolkit.text import Tokenizer

TOKENIZER = Tokenizer()
TEXT = TextEncoderConfig(vocab_size=len(TOKENIZER))
PROMPTS = ["a red circle", "a huge golden disc", "a small plus sign that is cyan", "a box"]


pytestmark = pytest.mark.usefixtures("one_thread")


def model(**overrides) -> ContrastiveModel:
    torch.manual_seed(0)
    return ContrastiveModel(ContrastiveConfig(text=TEXT, **overrides)).eval()


def images(n=4, seed=0):
    return torch.randn(n, 3, 32, 32, generator=torch.Generator().manual_seed(seed)).clamp(-1, 1)


def test_embeddings_are_unit_vectors_and_logits_are_scaled_cosines():
    net, tokens = model(), TOKENIZER(PROMPTS)
    text, vision = net.encode_text(tokens.ids, tokens.mask), net.encode_visual(images())
    assert text.shape == vision.shape == (4, 64)
    torch.testing.assert_close(text.norm(dim=1), torch.ones(4))
    torch.testing.assert_close(vision.norm(dim=1), torch.ones(4))
    logits = net(images(), tokens.ids, tokens.mask)
    assert logits.shape == (4, 4)
    torch.testing.assert_close(logits, (1 / 0.07) * vision @ text.T)     # CLIP's initial temperature
    assert logits.abs().max() <= 1 / 0.07 + 1e-4


def test_logit_scale_is_capped_at_100():
    net, tokens = model(), TOKENIZER(PROMPTS)
    with torch.no_grad():
        net.logit_scale.fill_(math.log(1000.0))
    cos = net.encode_visual(images()) @ net.encode_text(tokens.ids, tokens.mask).T
    torch.testing.assert_close(net(images(), tokens.ids, tokens.mask), 100 * cos)


@pytest.mark.parametrize("B", [1, 4, 16])
def test_loss_is_log_b_for_equal_logits_and_vanishes_on_a_sharp_diagonal(B):
    torch.testing.assert_close(contrastive_loss(torch.full((B, B), 3.7)), torch.tensor(math.log(B)))
    assert contrastive_loss(100 * torch.eye(B)) < 1e-6


def test_loss_is_symmetric_in_rows_and_columns():
    logits = torch.randn(5, 5, generator=torch.Generator().manual_seed(0))
    rows = F.cross_entropy(logits, torch.arange(5))
    cols = F.cross_entropy(logits.T, torch.arange(5))
    torch.testing.assert_close(contrastive_loss(logits), (rows + cols) / 2)
    torch.testing.assert_close(contrastive_loss(logits.T), contrastive_loss(logits))


def test_noise_aware_model_needs_and_uses_t():
    net = model(noise_aware=True)
    with pytest.raises(ValueError, match="flow time t"):
        net.encode_visual(images())
    clean, noisy = net.encode_visual(images(), 0.0), net.encode_visual(images(), torch.full((4,), 0.7))
    assert clean.shape == (4, 64) and (clean - noisy).abs().max() > 1e-4
    torch.testing.assert_close(net.encode_visual(images(), 0.7), noisy)  # a number or a (B,) tensor


@pytest.mark.parametrize("shape", [(4, 3, 1, 32, 32), (3, 32, 32), (4, 1, 32, 32)])
def test_image_model_refuses_other_layouts(shape):
    with pytest.raises(ValueError, match=r"\(B, 3, H, W\)"):
        model().encode_visual(torch.zeros(shape))


def test_video_model_shapes_and_errors():
    net = model(visual="video", frames=4)
    clips = torch.randn(2, 3, 4, 32, 32, generator=torch.Generator().manual_seed(0))
    v = net.encode_visual(clips)
    assert v.shape == (2, 64)
    torch.testing.assert_close(v.norm(dim=1), torch.ones(2))
    with pytest.raises(ValueError, match=r"\(B, 3, T, H, W\)"):
        net.encode_visual(clips[:, :, 0])
    with pytest.raises(ValueError, match="up to 4 frames"):
        net.encode_visual(torch.zeros(2, 3, 5, 32, 32))


def test_config_checks():
    with pytest.raises(ValueError, match="visual"):
        ContrastiveConfig(visual="audio")
    with pytest.raises(ValueError, match="images only"):
        contrastive.make_config("video", noise_aware=True)
    with pytest.raises(ValueError, match="unknown shipped model"):
        zoo.load("shapes_clip_large")
    from_json = ContrastiveConfig(text={"vocab_size": 70}, channels=[8, 8, 8])
    assert from_json.text == TextEncoderConfig(vocab_size=70) and from_json.channels == (8, 8, 8)


def test_a_few_steps_overfit_one_batch():
    """30 Adam steps on one batch of 16 captioned images: the loss falls from about log 16 to near 0."""
    config = contrastive.make_config(batch_size=16)
    batch = contrastive.batches(config)(0)
    net = model().train()
    optimizer = torch.optim.Adam(net.parameters(), lr=3e-4)
    losses = []
    for _ in range(30):
        loss = contrastive_loss(net(batch["x"], batch["ids"], batch["mask"]))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[0] > 0.8 * math.log(16)
    assert sum(losses[-5:]) / 5 < 0.3 * math.log(16)


def test_noise_aware_loss_function_draws_from_the_generator():
    config = contrastive.make_config(batch_size=4)
    batch, net = contrastive.batches(config)(0), model(noise_aware=True)
    loss = contrastive.loss_function(noise_aware=True)
    a, b = (loss(net, batch, torch.Generator().manual_seed(s)) for s in (1, 1))
    c = loss(net, batch, torch.Generator().manual_seed(2))
    assert a.item() == b.item() != c.item()


def test_gallery_has_one_picture_per_attribute_combination():
    pictures, attributes = contrastive.gallery("image")
    assert pictures.shape == (48, 3, 32, 32) and len(attributes) == 48
    assert len({tuple(sorted(a.items())) for a in attributes}) == 48
    assert {a["shape"] for a in attributes} == set(SHAPES) and {a["size"] for a in attributes} == set(SIZE_NAMES)
    readings = [r.as_dict() for r in read_images(pictures)]
    assert all({k: r[k] for k in a} == a for r, a in zip(readings, attributes))   # each picture shows its attributes


def test_an_untrained_model_retrieves_little():
    result = contrastive.retrieval_accuracy(model(), "wording", per_combination=1)
    assert result["queries"] == 20 and result["gallery"] == 48
    assert result["top1"] < 0.3


class Oracle(torch.nn.Module):
    """A perfect "contrastive model": reads pictures with the attribute reader and prompts with the parser,
    and embeds both as one-hot attributes, so every query's best picture has every attribute it names."""
    config = ContrastiveConfig()
    tables = {"shape": SHAPES, "colour": COLOUR_NAMES, "size": SIZE_NAMES}

    def embed(self, attributes: dict) -> torch.Tensor:
        return torch.cat([F.one_hot(torch.tensor(names.index(attributes[k])), len(names)).float()
                          if attributes[k] is not None else torch.zeros(len(names))
                          for k, names in self.tables.items()])

    def encode_visual(self, x, t=None):
        return torch.stack([self.embed(r.as_dict()) for r in read_images(x)])

    def encode_text(self, ids, mask):
        return torch.stack([self.embed(parse_caption(TOKENIZER.decode(row))[0][0]) for row in ids])


@pytest.mark.parametrize("kind", ["wording", "combination"])
def test_a_perfect_model_retrieves_everything(kind):
    """Some held-out wordings leave the size out ("a golden disc"): either size is then a right answer."""
    assert contrastive.retrieval_accuracy(Oracle(), kind, per_combination=3)["top1"] == 1.0
