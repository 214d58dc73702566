"""The wording split: one caption in eight is never shown in training, and choosing a side changes nothing else."""
import pytest
import torch

from toolkit.data import ShapesWorld, WorldConfig, caption, is_held_out_wording, parse_caption
from toolkit.data import shapes as shapes_module

OBJECTS = [
    [{"shape": "circle", "colour": "red", "size": "small", "motion": "left"}],
    [{"shape": "cross", "colour": "cyan", "size": "large", "motion": None}],
    [{"shape": "square", "colour": "blue", "size": "large", "motion": "up then down"},
     {"shape": "triangle", "colour": "yellow", "size": "small", "motion": "down-right"}],
]


@pytest.mark.parametrize("objects", OBJECTS)
def test_each_side_keeps_only_its_wordings_and_says_the_same_thing(objects):
    g = torch.Generator().manual_seed(0)
    for _ in range(200):
        train, heldout = caption(objects, g, wording="train"), caption(objects, g, wording="heldout")
        assert not is_held_out_wording(train) and is_held_out_wording(heldout)
        for text in (train, heldout):
            parsed, unknown = parse_caption(text)
            assert unknown == [] and len(parsed) == len(objects)
            for p, o in zip(parsed, objects):                  # one template leaves the size out
                assert p["size"] in (o["size"], None) and p | {"size": o["size"]} == o


@pytest.mark.parametrize("wording", ["train", "heldout"])
@pytest.mark.parametrize("objects", OBJECTS)
def test_the_generator_advances_as_with_any_wording(objects, wording):
    redrawn = 0
    for seed in range(40):
        g_any, g_side = torch.Generator().manual_seed(seed), torch.Generator().manual_seed(seed)
        text_any, text_side = caption(objects, g_any), caption(objects, g_side, wording=wording)
        redrawn += text_any != text_side
        if is_held_out_wording(text_any) == (wording == "heldout"):
            assert text_side == text_any                       # already on the right side: kept as drawn
        assert torch.equal(torch.rand(4, generator=g_any), torch.rand(4, generator=g_side))
    assert redrawn > 0                                         # the redraw path was exercised


def test_any_wording_is_the_default_and_unknown_wordings_raise():
    texts = {caption(OBJECTS[0], torch.Generator().manual_seed(s)) for s in range(400)}
    assert any(is_held_out_wording(t) for t in texts) and not all(is_held_out_wording(t) for t in texts)
    with pytest.raises(ValueError, match="wording"):
        caption(OBJECTS[0], torch.Generator(), wording="test")


@pytest.mark.parametrize("config", [WorldConfig(frames=1), WorldConfig(frames=16, objects=2)])
def test_the_world_hides_held_out_wordings_from_training_only(config):
    world = ShapesWorld(config)
    held = [is_held_out_wording(c) for c in world.sample(600, seed=1, split="all").captions]
    assert 0.05 < sum(held) / len(held) < 0.20                 # about one in eight
    assert not any(is_held_out_wording(c) for c in world.sample(600, seed=1, split="train").captions)


def test_the_training_split_changes_captions_only(monkeypatch):
    """Render split='train' as it is and with the wording split switched off: the pixels, attributes and
    every caption that was not a held-out wording must be identical."""
    world = ShapesWorld(WorldConfig(frames=4))
    real = world.sample(300, seed=5, split="train")
    monkeypatch.setattr(shapes_module, "caption", lambda objects, g, wording: caption(objects, g, "any"))
    plain = world.sample(300, seed=5, split="train")
    assert torch.equal(real.video, plain.video) and torch.equal(real.position, plain.position)
    changed = [(a, b) for a, b in zip(real.captions, plain.captions) if a != b]
    assert changed and all(is_held_out_wording(b) for a, b in changed)
    assert len(changed) == sum(is_held_out_wording(b) for b in plain.captions)
