"""Prompt adherence: held-out prompts say what their truths say, and the reader scores true pictures 1.0."""
import math
from types import SimpleNamespace

import pytest
import torch

from toolkit.data import ShapesWorld, WorldConfig, is_held_out, is_held_out_wording, parse_caption, vocab
from toolkit.eval.adherence import adherence, diversity, heldout_prompts, sweep

WORLD = ShapesWorld(WorldConfig(frames=1))


def render(truths: list[dict], seed: int = 0, world: ShapesWorld = WORLD) -> torch.Tensor:
    """One true picture per truth (a size the truth leaves open is drawn at random)."""
    batches = [world.sample(1, seed=seed + i, split="all", **truth) for i, truth in enumerate(truths)]
    return torch.cat([b.images if world.config.is_image else b.video for b in batches])


@pytest.mark.parametrize("with_motion", [False, True])
@pytest.mark.parametrize("kind", ["wording", "combination"])
def test_prompts_are_held_out_wordings_that_say_their_truths(kind, with_motion):
    prompts, truths = heldout_prompts(kind, per_combination=2, with_motion=with_motion)
    combos = vocab.combinations("train" if kind == "wording" else "heldout", with_motion=with_motion)
    assert len(prompts) == len(truths) == 2 * len(combos)
    assert all(is_held_out_wording(p) for p in prompts)
    for prompt, truth in zip(prompts, truths):
        (said,), unknown = parse_caption(prompt)
        assert unknown == []
        assert {k: v for k, v in said.items() if v is not None} == truth     # nothing more, nothing less
        assert {"shape", "colour"} <= truth.keys() and ("motion" in truth) == with_motion
    held = [is_held_out(t["shape"], t["colour"], t.get("motion")) for t in truths]
    pairs = {(t["colour"], t["shape"]) for t in truths}
    if kind == "wording":
        assert not any(held) and len(pairs) == 20                        # every training (colour, shape) pair
    else:
        assert all(held)
        if not with_motion:
            assert pairs == set(vocab.HELD_OUT_COLOUR_SHAPE)
    assert any("size" in t for t in truths)


def test_prompts_depend_on_the_seed_only():
    assert heldout_prompts("wording", 2, seed=1) == heldout_prompts("wording", 2, seed=1)
    assert heldout_prompts("wording", 2, seed=1)[0] != heldout_prompts("wording", 2, seed=2)[0]


def test_bad_arguments():
    with pytest.raises(ValueError, match="kind"):
        heldout_prompts("synonyms")
    with pytest.raises(ValueError, match="per_combination"):
        heldout_prompts("wording", per_combination=0)


@pytest.mark.parametrize("kind", ["wording", "combination"])
def test_true_pictures_adhere_perfectly_and_shuffled_ones_do_not(kind):
    _, truths = heldout_prompts(kind, per_combination=3)
    pictures = render(truths)
    scores = adherence(pictures, truths)
    assert scores == {"shape": 1.0, "colour": 1.0, "size": 1.0, "joint": 1.0}
    shuffled = adherence(pictures.roll(3, dims=0), truths)                 # each picture of the next combination
    assert shuffled["joint"] < 0.5 and shuffled["colour"] < 0.5


def test_clips_adhere_in_motion_too():
    _, truths = heldout_prompts("wording", per_combination=1, with_motion=True)
    truths = truths[::9]                                                  # a spread of 25 motions and shapes
    clips = render(truths, world=ShapesWorld(WorldConfig(frames=16)))
    scores = adherence(clips, truths)
    assert set(scores) == {"shape", "colour", "size", "motion", "joint"}
    assert scores["joint"] == 1.0
    assert adherence(clips.roll(1, dims=0), truths)["motion"] < 0.5


def test_a_size_left_open_is_not_scored():
    truths = [{"shape": "circle", "colour": "red"}, {"shape": "square", "colour": "blue", "size": "large"}]
    pictures = render([truths[0] | {"size": "small"}, truths[1]])
    assert adherence(pictures, truths) == {"shape": 1.0, "colour": 1.0, "size": 1.0, "joint": 1.0}
    wrong = render([truths[0] | {"size": "small"}, truths[1] | {"size": "small"}])
    assert adherence(wrong, truths) == {"shape": 1.0, "colour": 1.0, "size": 0.0, "joint": 0.5}


def test_mismatched_lengths_raise():
    _, truths = heldout_prompts("wording", per_combination=1)
    with pytest.raises(ValueError, match="truths"):
        adherence(render(truths[:3]), truths[:4])
    with pytest.raises(ValueError, match="truths"):
        diversity(render(truths[:3]), truths[:4])


def test_diversity_measures_the_spread_of_positions():
    truth = {"shape": "square", "colour": "yellow", "size": "small"}
    pictures = render([truth] * 8)
    spread = diversity(pictures, [truth] * 8)["position_spread_px"]
    assert math.isfinite(spread) and spread > 1.0                        # placed anywhere in 32 x 32
    same = diversity(pictures[:1].expand(8, -1, -1, -1), [truth] * 8)["position_spread_px"]
    assert same == 0.0
    # Two prompts, each drawn once: no prompt has a spread.
    assert math.isnan(diversity(pictures[:2], [truth, truth | {"colour": "red"}])["position_spread_px"])


def test_sweep_with_a_perfect_pipeline():
    """A stand-in pipeline that draws exactly what each prompt says scores 1.0 at every scale."""
    calls = []

    def pipe(prompts, seed, steps, guidance_scale, sampler, guidance_kind):
        calls.append((len(prompts), seed, guidance_scale))
        truths = [{k: v for k, v in parse_caption(p)[0][0].items() if v is not None} for p in prompts]
        return SimpleNamespace(images=render(truths, seed=100 * seed))

    rows = sweep(pipe, "cfg", (0.0, 2.0), per_combination={"wording": 2, "combination": 3}, batch=16, progress=False)
    assert [(r["prompts"], r["scale"], r["n"]) for r in rows] == [
        ("wording", 0.0, 40), ("wording", 2.0, 40), ("combination", 0.0, 12), ("combination", 2.0, 12)]
    assert all(r["joint"] == 1.0 and r["guidance"] == "cfg" for r in rows)
    assert calls[:3] == [(16, 0, 0.0), (16, 1, 0.0), (8, 2, 0.0)]               # batch k from seed k
