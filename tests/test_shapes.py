"""The shapes world: determinism, geometry, captions, the held-out split, bad input."""
import pytest
import torch

from toolkit.data import (COLOUR_NAMES, MOTION_NAMES, SHAPES, ShapesDataset, ShapesStream, ShapesWorld,
                          WorldConfig, combinations, is_held_out, parse_caption)
from toolkit.data.vocab import BOUNCES, HELD_OUT_COLOUR_SHAPE, HELD_OUT_SHAPE_MOTION


def test_same_seed_same_bytes_and_other_seed_differs():
    world = ShapesWorld(WorldConfig(textured=True))
    a, b, c = world.sample(16, seed=7), world.sample(16, seed=7), world.sample(16, seed=8)
    assert torch.equal(a.video, b.video) and a.captions == b.captions
    assert not torch.equal(a.video, c.video)


@pytest.mark.parametrize("config", [WorldConfig(), WorldConfig(frames=1), WorldConfig(frames=5, height=24, width=40),
                                    WorldConfig(objects=2, textured=True)])
def test_shapes_ranges_and_objects_inside_the_frame(config):
    batch = ShapesWorld(config).sample(64, seed=0, split="all")
    assert batch.video.shape == (64, 3, config.frames, config.height, config.width)
    assert batch.video.min() >= -1 and batch.video.max() <= 1
    assert batch.position.shape == (64, config.objects, config.frames, 2)
    x, y = batch.position[..., 0], batch.position[..., 1]
    assert x.min() > 0 and y.min() > 0 and x.max() < config.width and y.max() < config.height
    if config.objects == 2:
        assert (batch.colour[:, 0] != batch.colour[:, 1]).all()


def test_motion_follows_its_name():
    batch = ShapesWorld().sample(400, seed=1, split="all")
    step = batch.position[:, 0, 1:] - batch.position[:, 0, :-1]        # (B, T-1, 2)
    for i in range(len(batch)):
        name = MOTION_NAMES[batch.motion[i, 0]]
        first = name.split(" then ")[0]
        dx, dy = step[i, 0]
        assert (dx < 0) == ("left" in first) and (dx > 0) == ("right" in first), name
        assert (dy < 0) == ("up" in first) and (dy > 0) == ("down" in first), name
        k = int(batch.bounce_frame[i, 0])
        assert (k >= 0) == (name in BOUNCES)
        if k >= 0:  # after the bounce the object comes back along the same axis
            assert torch.allclose(step[i, k], -step[i, 0]), name


def test_split_is_disjoint_and_heldout_samples_are_heldout():
    train, held = set(combinations("train")), set(combinations("heldout"))
    assert train and held and not train & held
    assert train | held == set(combinations("all"))
    assert all(not is_held_out(*t) for t in train)
    # every held-out pair really never occurs in training, yet each part of it does
    for colour, shape in HELD_OUT_COLOUR_SHAPE:
        assert not any(s == shape and c == colour for s, c, _ in train)
        assert any(c == colour for _, c, _ in train) and any(s == shape for s, _, _ in train)
    for shape, motion in HELD_OUT_SHAPE_MOTION:
        assert not any(s == shape and m == motion for s, _, m in train)
    batch = ShapesWorld().sample(500, seed=2, split="train")
    for i in range(len(batch)):
        o = batch.objects(i)[0]
        assert not is_held_out(o["shape"], o["colour"], o["motion"])
    batch = ShapesWorld().sample(200, seed=2, split="heldout")
    assert all(is_held_out(o["shape"], o["colour"], o["motion"]) for i in range(200) for o in batch.objects(i))


def test_captions_say_what_the_clip_shows():
    batch = ShapesWorld(WorldConfig(objects=2)).sample(300, seed=3, split="all")
    wordings = set()
    for i in range(len(batch)):
        objects, unknown = parse_caption(batch.captions[i])
        assert unknown == [], batch.captions[i]
        truth = batch.objects(i)
        for said, o in zip(objects, truth, strict=True):
            for key in ("shape", "colour", "size", "motion"):
                assert said[key] in (None, o[key]), (batch.captions[i], key)
            assert said["shape"] == o["shape"] and said["colour"] == o["colour"] and said["motion"] == o["motion"]
        wordings.add(batch.captions[i].split()[1])
    assert len(wordings) > 10  # synonyms and word orders vary


def test_fixed_attributes_and_their_errors():
    batch = ShapesWorld().sample(20, seed=0, shape="circle", colour="blue", size="small", motion="up then down",
                                 split="all")
    assert all(o["shape"] == "circle" and o["motion"] == "up then down" for i in range(20) for o in batch.objects(i))
    with pytest.raises(ValueError, match="choose one of: circle, square"):
        ShapesWorld().sample(2, seed=0, shape="hexagon")
    with pytest.raises(ValueError, match="held out"):
        ShapesWorld().sample(2, seed=0, shape="triangle", colour="red", split="train")
    with pytest.raises(ValueError, match="no motion"):
        ShapesWorld(WorldConfig(frames=1)).sample(2, seed=0, motion="left")
    with pytest.raises(ValueError, match="unknown attribute"):
        ShapesWorld().sample(2, seed=0, texture="dots")


def test_a_pinned_bounce_frame_changes_the_timing_and_nothing_else():
    world = ShapesWorld(WorldConfig(textured=True))
    early, late = (world.sample(40, seed=4, split="all", bounce_frame=k) for k in (5, 8))
    assert early.captions == late.captions
    for key in ("shape", "colour", "size", "motion"):
        assert torch.equal(getattr(early, key), getattr(late, key)), key
    bounces = torch.tensor([MOTION_NAMES[m] in BOUNCES for m in early.motion[:, 0].tolist()])
    assert 5 < bounces.sum() < 35
    assert (early.bounce_frame[bounces] == 5).all() and (late.bounce_frame[bounces] == 8).all()
    assert (early.bounce_frame[~bounces] == -1).all() and (late.bounce_frame[~bounces] == -1).all()
    # straight motions are untouched; a bounce is the same path three frames later, at its wall at its frame
    assert torch.equal(early.video[~bounces], late.video[~bounces])
    assert not torch.equal(early.video[bounces], late.video[bounces])
    a, b = early.position[bounces, 0], late.position[bounces, 0]                  # (n, T, 2)
    assert torch.allclose(a[:, :-3], b[:, 3:]) and torch.allclose(a[:, 5], b[:, 8])
    assert torch.allclose(early.video[bounces, :, :-3], late.video[bounces, :, 3:], atol=1e-6)
    drawn = world.sample(40, seed=4, split="all")                                 # the wall is the drawn one's
    assert torch.allclose(a[:, 5], drawn.position[bounces, 0][torch.arange(int(bounces.sum())),
                                                              drawn.bounce_frame[bounces, 0]])


@pytest.mark.parametrize("k", [4, 11, 7.0, "7", True])
def test_a_bounce_frame_outside_the_middle_third_is_refused(k):
    with pytest.raises(ValueError, match="bounce_frame must be an integer from 5 to 10"):
        ShapesWorld().sample(2, seed=0, bounce_frame=k)


def test_images_have_no_bounce_frame():
    with pytest.raises(ValueError, match="no bounce"):
        ShapesWorld(WorldConfig(frames=1)).sample(2, seed=0, bounce_frame=5)


@pytest.mark.parametrize("kwargs, message", [
    ({"frames": 0}, "frames must be 1"), ({"frames": 3}, "frames must be 1"),
    ({"height": 8}, "height must be an integer from 16"), ({"width": 100_000}, "width must be"),
    ({"objects": 3}, "objects must be 1 or 2"), ({"height": 32.0}, "height must be an integer"),
])
def test_impossible_configs_say_what_is_allowed(kwargs, message):
    with pytest.raises(ValueError, match=message):
        WorldConfig(**kwargs)


def test_bad_sample_requests():
    with pytest.raises(ValueError, match="positive integer"):
        ShapesWorld().sample(0, seed=0)
    with pytest.raises(ValueError, match="split"):
        ShapesWorld().sample(2, seed=0, split="test")
    with pytest.raises(ValueError, match="empty"):
        parse_caption("   ")
    with pytest.raises(TypeError):
        parse_caption(None)


def test_dataset_and_stream():
    data = ShapesDataset(300, seed=1, chunk=128)
    video, text = data[299]
    assert video.shape == (3, 16, 32, 32) and isinstance(text, str)
    assert torch.equal(data[5][0], ShapesDataset(300, seed=1, chunk=128)[5][0])
    with pytest.raises(IndexError):
        data[300]
    loader = torch.utils.data.DataLoader(data, batch_size=32, shuffle=True,
                                         generator=torch.Generator().manual_seed(0))
    videos, captions = next(iter(loader))
    assert videos.shape == (32, 3, 16, 32, 32) and len(captions) == 32
    first = next(iter(ShapesStream(4, seed=5)))
    assert len(first) == 4 and set(SHAPES) >= {o["shape"] for i in range(4) for o in first.objects(i)}
    assert COLOUR_NAMES[int(first.colour[0, 0])] == first.objects(0)[0]["colour"]
