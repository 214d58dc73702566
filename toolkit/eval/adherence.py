"""Does the picture show what the prompt asked for? Prompt adherence and diversity, judged by the reader.

    prompts, truths = heldout_prompts("wording", per_combination=10)   # 200 prompts never read in training
    images = pipe(prompts, guidance_scale=3.0).images
    adherence(images, truths)     # {"colour": 0.99, "shape": 0.95, "size": 0.97, "joint": 0.93}
    diversity(images)             # {"position_spread": ...}: how differently the same prompt is drawn

    python -m toolkit.experiments.text_to_image --out assets/metrics/text_to_image.json     # the guidance-scale sweep

The judge is the hand-written attribute reader (toolkit.eval.reader): it shares nothing with the text
encoder, the U-Net or the contrastive model that guides sampling, so guidance cannot game it (GLIDE, sec. 5:
a CLIP-guided model scores well on CLIP itself). Two prompt sets, both in wordings training never showed:
    "wording"      (colour, shape) pairs seen in training, e.g. "a huge golden disc"
    "combination"  the four (colour, shape) pairs held out of training (compositional generalisation)
"""
import time

import torch
from tqdm.auto import tqdm

from .. import zoo
from ..data import ShapesWorld, WorldConfig, caption, parse_caption, vocab
from .frechet import features, frechet_distance
from .reader import read_clips, read_images

KINDS = ("wording", "combination")
ATTRIBUTES = ("shape", "colour", "size", "motion")


def heldout_prompts(kind: str = "wording", per_combination: int = 10, seed: int = 0,
                    with_motion: bool = False) -> tuple[list[str], list[dict]]:
    """Prompts in held-out wordings and their truths: per_combination for every (shape, colour[, motion])
    of the training split ("wording") or of the held-out split ("combination"); sizes drawn at random.
    A truth names only what its prompt says: one word order leaves the size out ("a golden disc")."""
    vocab.check_choice("kind", kind, KINDS)
    if not isinstance(per_combination, int) or per_combination < 1:
        raise ValueError(f"per_combination must be a positive integer, got {per_combination!r}")
    combos = vocab.combinations("train" if kind == "wording" else "heldout", with_motion=with_motion)
    g = torch.Generator().manual_seed(seed)
    prompts, truths = [], []
    for combo in combos:
        for _ in range(per_combination):
            size = vocab.SIZE_NAMES[int(torch.randint(len(vocab.SIZE_NAMES), (1,), generator=g))]
            obj = {"shape": combo[0], "colour": combo[1], "size": size, "motion": combo[2] if with_motion else None}
            prompts.append(caption([obj], g, wording="heldout"))
            said = parse_caption(prompts[-1])[0][0]
            truths.append({k: v for k, v in obj.items() if v is not None and said[k] is not None})
    return prompts, truths


def adherence(pictures: torch.Tensor, truths: list[dict]) -> dict:
    """Per-attribute and joint agreement of the reader with the truths; pictures (B, 3, H, W) or (B, 3, T, H, W)."""
    readings = read_images(pictures) if pictures.ndim == 4 else read_clips(pictures)
    if len(readings) != len(truths):
        raise ValueError(f"{len(readings)} pictures but {len(truths)} truths; pass one truth per picture")
    right = [{k: r.as_dict()[k] == t[k] for k in t} for r, t in zip(readings, truths)]
    scores = {k: sum(r[k] for r in right if k in r) / sum(k in r for r in right)
              for k in ATTRIBUTES if any(k in r for r in right)}
    scores["joint"] = sum(all(r.values()) for r in right) / len(right)
    return scores


def diversity(pictures: torch.Tensor, truths: list[dict]) -> dict:
    """How differently the same prompt is drawn: the spread of the object's position in pixels (over the
    pictures of each distinct truth, the standard deviation of the centre, averaged over x, y and truths)."""
    readings = read_images(pictures) if pictures.ndim == 4 else read_clips(pictures)
    if len(readings) != len(truths):
        raise ValueError(f"{len(readings)} pictures but {len(truths)} truths; pass one truth per picture")
    groups = {}
    for r, t in zip(readings, truths):
        groups.setdefault(tuple(sorted(t.items())), []).append(r.path[0])
    spreads = [torch.stack(p).std(dim=0).nanmean() for p in groups.values() if len(p) > 1]
    spreads = [s for s in spreads if torch.isfinite(s)]
    return {"position_spread_px": float(torch.stack(spreads).mean()) if spreads else float("nan")}


def render(truths: list[dict], seed: int = 10**6, size: int = 32) -> torch.Tensor:
    """Real images with the truths' attributes (an unstated size drawn at random), for a Fréchet distance."""
    world, g = ShapesWorld(WorldConfig(frames=1, height=size, width=size)), torch.Generator().manual_seed(seed)
    pick = lambda t: t.get("size") or vocab.SIZE_NAMES[int(torch.randint(2, (1,), generator=g))]  # noqa: E731
    return torch.cat([world.sample(1, seed=seed + i, split="all", shape=t["shape"], colour=t["colour"],
                                   size=pick(t)).images for i, t in enumerate(truths)])


def sweep(pipe, guidance_kind: str, scales, kinds=KINDS, per_combination: dict | None = None, steps: int = 20,
          sampler: str = "flow_heun", batch: int = 100, progress: bool = True) -> list[dict]:
    """Adherence and diversity of `pipe` at every guidance scale, for every prompt set: one row each.
    Batch k of prompts is drawn from seed k at every scale, so every scale starts from the same noise.
    "frechet" is the Fréchet distance (toolkit.eval.frechet) to real images of the same attributes: it grows
    when guidance trades variety (and realism) for adherence."""
    per_combination = per_combination or {"wording": 10, "combination": 25}
    classifier, rows = zoo.load("feature_classifier"), []
    for kind in kinds:
        prompts, truths = heldout_prompts(kind, per_combination[kind])
        real = features(classifier, render(truths))
        for scale in tqdm(scales, desc=f"{guidance_kind} ({kind} prompts)", disable=not progress):
            start = time.perf_counter()
            images = torch.cat([pipe(prompts[i:i + batch], seed=k, steps=steps, guidance_scale=scale,
                                     sampler=sampler, guidance_kind=guidance_kind).images
                                for k, i in enumerate(range(0, len(prompts), batch))])
            rows.append({"guidance": guidance_kind, "scale": scale, "prompts": kind, "n": len(prompts),
                         **adherence(images, truths), **diversity(images, truths),
                         "frechet": frechet_distance(features(classifier, images), real),
                         "seconds": round(time.perf_counter() - start, 1)})
    return rows


CFG_SCALES = (0.0, 1.0, 2.0, 3.0, 5.0, 8.0)
CLASSIFIER_SCALES = (0.0, 4.0, 8.0, 16.0, 32.0, 64.0)
