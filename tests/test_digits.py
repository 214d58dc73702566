"""The bouncing-digits world, its Sync-DRAW split, and the judge that reads digits and motions back."""
import pytest
import torch

from toolkit.recipes import digits_video as dv
from toolkit.data import digits
from toolkit.eval import digits as ed
from toolkit.text import UnknownWordsError

pytestmark = pytest.mark.usefixtures("one_thread")


def test_split_holds_out_one_motion_per_digit_and_every_motion_is_seen_elsewhere():
    heldout, train = digits.combinations("heldout"), digits.combinations("train")
    assert len(heldout) == 10 and len(train) == 50 and not set(heldout) & set(train)
    assert sorted(d for d, _ in heldout) == list(digits.DIGITS)                 # one per digit
    assert {m for _, m in train} == set(digits.MOTION_NAMES)                    # each motion seen with other digits
    assert {d for d, _ in train} == set(digits.DIGITS)


def test_sprites_are_disjoint_samples_of_every_digit():
    train, train_labels = digits.sprites("train")
    evaluation, eval_labels = digits.sprites("eval")
    assert train.shape[1:] == evaluation.shape[1:] == (digits.SPRITE, digits.SPRITE)
    assert len(train) + len(evaluation) == 1797 and 0 <= train.min() and train.max() <= 1
    assert set(train_labels.tolist()) == set(eval_labels.tolist()) == set(range(10))
    # no eval sprite is a copy of a training sprite
    distance = torch.cdist(evaluation.flatten(1), train.flatten(1)).min(dim=1).values
    assert distance.min() > 0.1
    with pytest.raises(ValueError, match="sprite split"):
        digits.sprites("test")


def test_training_clips_use_training_pairs_and_sprites_and_are_deterministic():
    world = digits.DigitsWorld()
    batch = world.sample(40, seed=3, split="train")
    assert batch.video.shape == (40, 3, 16, 32, 32) and batch.video.min() >= -1 and batch.video.max() <= 1 + 1e-6
    pairs = {(o["digit"], o["motion"]) for i in range(40) for o in batch.objects(i)}
    assert pairs <= set(digits.combinations("train"))
    _, labels = digits.sprites("train")
    assert torch.equal(labels[batch.sprite[:, 0]], batch.digit[:, 0])
    assert torch.equal(world.sample(40, seed=3, split="train").video, batch.video)
    for text, (d, m) in zip(batch.captions, [(o["digit"], o["motion"]) for i in range(40) for o in batch.objects(i)]):
        assert f" {d} " in f" {text} " and text.endswith(m)


def test_held_out_pairs_only_on_request():
    world = digits.DigitsWorld()
    with pytest.raises(ValueError, match="held out"):
        world.sample(1, seed=0, split="train", digit="0", motion="up and down")
    clip = world.sample(2, seed=0, split="heldout", digit="0")
    assert clip.objects(0)[0]["motion"] == "up and down"
    with pytest.raises(ValueError, match="unknown digit"):
        world.sample(1, seed=0, digit="12")
    with pytest.raises(ValueError, match="fix digit or motion"):
        world.sample(1, seed=0, colour="red")
    with pytest.raises(ValueError, match="positive integer"):
        world.sample(0, seed=0)


def test_motions_turn_as_their_names_say_and_stay_inside_the_frame():
    g = torch.Generator().manual_seed(0)
    for m, name in enumerate(digits.MOTION_NAMES):
        corner = digits.paths(torch.full((50,), m), 16, 32, g)                   # (50, 16, 2)
        axis, first, turns = digits.MOTIONS[name]
        assert corner.min() >= 0 and corner.max() <= 32 - digits.SPRITE
        assert torch.allclose(corner[:, :, 1 - axis], corner[:, :1, 1 - axis].expand(-1, 16))   # the other axis stays
        step = corner[:, 1:, axis] - corner[:, :-1, axis]
        flips = ((step[:, 1:] * step[:, :-1]) < 0).sum(dim=1)
        if turns == 1:
            assert (flips == 1).all() and (torch.sign(step[:, 0]) == first).all()
        else:
            assert (flips >= 2).all()


def test_two_digit_clips_move_on_different_axes_with_sync_draw_captions():
    batch = digits.DigitsWorld(digits.DigitsConfig(digits=2)).sample(6, seed=1)
    assert batch.digit.shape == (6, 2) and batch.position.shape == (6, 2, 16, 2)
    for i, text in enumerate(batch.captions):
        (d1, m1), (d2, m2) = [(o["digit"], o["motion"]) for o in batch.objects(i)]
        assert text == f"digit {d1} is moving {m1} and digit {d2} is moving {m2}"
        assert digits.MOTIONS[m1][0] != digits.MOTIONS[m2][0]


@pytest.mark.parametrize("bad", [dict(frames=2), dict(size=20), dict(digits=3)])
def test_impossible_configs_say_what_is_allowed(bad):
    with pytest.raises(ValueError, match="must be"):
        digits.DigitsConfig(**bad)


def test_tokenizer_knows_every_caption_word_and_no_shape_words():
    tok = dv.tokenizer()
    world = digits.DigitsWorld(digits.DigitsConfig(digits=2))
    assert not any(tok(world.sample(20, seed=0, split="all").captions, warn=False).unknown)
    with pytest.raises(UnknownWordsError, match="the digit 7"):
        tok("a red circle moving left", strict=True)
    with pytest.raises(ValueError, match="the digit 7"):
        tok("   ")


def test_read_motion_counts_turns():
    t = torch.arange(16.0)
    still = torch.full((16,), 10.0)
    up_then_down = torch.stack([still, 10 + (t - 7).abs()], dim=1)              # y falls, then rises: up then down
    assert ed.read_motion(up_then_down) == "up then down"
    zigzag = torch.stack([3 + 18 - (3 * t % 36 - 18).abs(), still], dim=1)        # bounces between x = 3 and 21
    assert ed.read_motion(zigzag) == "left and right"
    straight = torch.stack([still, 3 + t], dim=1)
    assert ed.read_motion(straight) is None
    jitter = up_then_down + torch.tensor([0.0, 1.0]) * (t % 2)[:, None]          # 1 px wobbles are not turns
    assert ed.read_motion(jitter) == "up then down"
    assert ed.read_motion(torch.full((16, 2), float("nan"))) is None


def test_judge_reads_motions_of_real_clips_and_blank_clips_as_nothing():
    prompts, truths = ed.prompt_set("held-out")
    assert len(prompts) == 400 and {t for t in truths} == set(digits.combinations("heldout"))
    clips = ed.real_clips(truths[::10])
    untrained = dv.DigitClassifier()
    readings = ed.read_clips(clips, untrained)
    assert ed.accuracy(readings, truths[::10])["motion"] >= 0.95
    blank = ed.read_clips(-torch.ones(2, 3, 16, 32, 32), untrained)
    assert blank[0]["digit"] is None and blank[0]["motion"] is None
    assert ed.accuracy(blank, [("1", "up and down")] * 2) == {"digit": 0, "motion": 0, "joint": 0}
    with pytest.raises(ValueError, match="clips"):
        ed.read_clips(torch.zeros(2, 16, 32, 32), untrained)


def test_classifier_learns_from_training_sprites_and_reads_unseen_writers():
    model = dv.train_classifier(dv.ClassifierConfig(steps=150), progress=False)
    assert dv.classifier_accuracy(model, "eval") > 0.6                           # chance is 0.1
