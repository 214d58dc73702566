"""The text-to-video scoreboard: does each clip show what its prompt asked, and is it one consistent clip?

    python -m toolkit.experiments.text_to_video --out assets/metrics/text_to_video.json

Two fixed prompt sets, in wordings training never showed (toolkit.eval.adherence.heldout_prompts):
    "wording"      one prompt for each of the 220 (shape, colour, motion) combinations of the training split
    "combination"  three for each of the 68 held-out combinations (held-out (colour, shape) and (shape, motion)
                   pairs): compositional generalisation
Prompt batch k is generated from seed k. Each row gives adherence per attribute and joint (all that the prompt
names right: colour, shape, size, motion), judged by the attribute reader, and temporal consistency
(toolkit.eval.temporal). Beside the models: real clips with the prompts' attributes (the reader's own ceiling
and the consistency of real motion). The slow contenders (the per-frame baseline, which draws 16 pictures per
clip, and the pixel space-time U-Net, ~50 times the transformer's FLOPs) get the first `--slow-limit` prompts
of each set; `--models` measures some models and keeps the other rows of the table.
"""
import json
import time
from pathlib import Path

import torch
from tqdm.auto import tqdm

from ..data import ShapesWorld, WorldConfig, vocab
from .adherence import adherence, heldout_prompts
from .temporal import consistency

SETS = {"wording": ("wording", 1), "combination": ("combination", 3)}      # kind, prompts per combination


def prompt_set(name: str) -> tuple[list[str], list[dict]]:
    """The fixed prompts of a set and their truths (what each prompt names)."""
    kind, per = SETS[name]
    return heldout_prompts(kind, per_combination=per, with_motion=True)


def real_clips(truths: list[dict], seed: int = 10**6, frames: int = 16, size: int = 32) -> torch.Tensor:
    """Real clips with the truths' attributes (a size the prompt leaves open drawn at random)."""
    world, g = ShapesWorld(WorldConfig(frames=frames, height=size, width=size)), torch.Generator().manual_seed(seed)
    pick = lambda t: t.get("size") or vocab.SIZE_NAMES[int(torch.randint(2, (1,), generator=g))]  # noqa: E731
    return torch.cat([world.sample(1, seed=seed + i, split="all", shape=t["shape"], colour=t["colour"],
                                   motion=t["motion"], size=pick(t)).video for i, t in enumerate(truths)])


def score(videos: torch.Tensor, truths: list[dict]) -> dict:
    return {**adherence(videos, truths), **consistency(videos)}


def run(generate, prompts: list[str], batch: int = 32, desc: str = "generate", progress: bool = True) -> torch.Tensor:
    """generate(prompts, seed) -> (B, 3, T, H, W), over batches of prompts; batch k uses seed k."""
    chunks = range(0, len(prompts), batch)
    return torch.cat([generate(prompts[i:i + batch], k)
                      for k, i in enumerate(tqdm(chunks, desc=desc, disable=not progress))])


def evaluate(models: dict, sets=tuple(SETS), limits: dict | None = None, batch: int = 32,
             progress: bool = True) -> list[dict]:
    """One row per (model, prompt set), and one for real clips with the same prompts. models: name ->
    generate(prompts, seed) -> (B, 3, T, H, W); limits: name -> how many of each set's prompts it gets
    (default all; the slow ones measure the first N)."""
    limits, rows = limits or {}, []
    for set_name in sets:
        prompts, truths = prompt_set(set_name)
        for name, generate in models.items():
            n = min(limits.get(name) or len(prompts), len(prompts))
            start = time.perf_counter()
            videos = run(generate, prompts[:n], batch, f"{name} ({set_name})", progress)
            rows.append({"model": name, "prompts": set_name, "n": n, **score(videos, truths[:n]),
                         "seconds": round(time.perf_counter() - start, 1)})
        n = max([min(limits.get(name) or len(prompts), len(prompts)) for name in models] or [len(prompts)])
        rows.append({"model": "real clips", "prompts": set_name, "n": n,
                     **score(real_clips(truths[:n]), truths[:n]), "seconds": 0.0})
    return rows


MODELS = ("transformer", "per-frame", "spacetime-unet")


def contenders(names, steps: int, scales) -> dict:
    """name -> generate(prompts, seed) for the shipped models: the latent video transformer (one entry per
    guidance scale), the per-frame baseline (the latent text-to-image model, once per frame), and the pixel
    space-time U-Net of notebook 07."""
    from ..pipelines import TextToImagePipeline, TextToVideoPipeline, per_frame_video
    models = {}
    if "transformer" in names:
        video = TextToVideoPipeline.from_pretrained()
        for s in scales:
            models[f"video transformer, s={s:g}"] = \
                lambda p, seed, s=s: video(p, seed=seed, steps=steps, guidance_scale=s).videos
    if "per-frame" in names:
        image = TextToImagePipeline.from_pretrained("shapes_latent_text_unet")
        models["per-frame baseline"] = lambda p, seed: per_frame_video(image, p, seed=seed, steps=steps)
    if "spacetime-unet" in names:
        unet = TextToVideoPipeline.from_pretrained("shapes_spacetime_unet")
        models["space-time U-Net"] = lambda p, seed: unet(p, seed=seed, steps=steps).videos
    return models


def merge(out: Path, rows: list[dict]) -> list[dict]:
    """The table in `out` with `rows` replacing its rows of the same (model, prompts); of the real-clip rows
    of a set, the one over more prompts is kept (every run measures them on its own prompts)."""
    old = json.loads(out.read_text())["rows"] if out.exists() else []
    measured = {(r["model"], r["prompts"]) for r in rows if r["model"] != "real clips"}
    merged = [r for r in old if (r["model"], r["prompts"]) not in measured] + rows
    real = {}
    for r in merged:
        if r["model"] == "real clips" and r["n"] >= real.get(r["prompts"], {"n": -1})["n"]:
            real[r["prompts"]] = r
    return [r for r in merged if r["model"] != "real clips"] + list(real.values())
