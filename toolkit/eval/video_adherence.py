"""The text-to-video scoreboard: does each clip show what its prompt asked, and is it one consistent clip?

    python -m toolkit.eval.video_adherence --out assets/metrics/text_to_video.json

Two fixed prompt sets, in wordings training never showed (toolkit.eval.adherence.heldout_prompts):
    "wording"      one prompt for each of the 220 (shape, colour, motion) combinations of the training split
    "combination"  three for each of the 68 held-out combinations (held-out (colour, shape) and (shape, motion)
                   pairs): compositional generalisation
Prompt batch k is generated from seed k. Each row gives adherence per attribute and joint (all that the prompt
names right: colour, shape, size, motion), judged by the attribute reader, and temporal consistency
(toolkit.eval.temporal). Beside the models: real clips with the prompts' attributes (the reader's own ceiling
and the consistency of real motion), and the per-frame baseline (the latent text-to-image model run once per
frame) on the first `--baseline` prompts of each set.
"""
import argparse
import json
import sys
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


def evaluate(models: dict, sets=tuple(SETS), baseline: int = 0, image_pipe=None, batch: int = 32,
             limit: int | None = None, progress: bool = True) -> list[dict]:
    """One row per (model, prompt set). models: name -> generate(prompts, seed). With image_pipe and
    baseline > 0, the per-frame baseline on the first `baseline` prompts of each set. limit: only the first
    `limit` prompts of each set (for quick looks; the recorded table uses them all)."""
    from ..pipelines import per_frame_video
    rows = []
    for set_name in sets:
        prompts, truths = prompt_set(set_name)
        prompts, truths = prompts[:limit], truths[:limit]
        baseline = min(baseline, len(prompts))
        contenders = dict(models)
        if image_pipe is not None and baseline > 0:
            contenders["per-frame baseline"] = lambda p, seed: per_frame_video(image_pipe, p, seed=seed)
        for name, generate in contenders.items():
            n = baseline if name == "per-frame baseline" else len(prompts)
            start = time.perf_counter()
            videos = run(generate, prompts[:n], batch, f"{name} ({set_name})", progress)
            rows.append({"model": name, "prompts": set_name, "n": n, **score(videos, truths[:n]),
                         "seconds": round(time.perf_counter() - start, 1)})
        rows.append({"model": "real clips", "prompts": set_name, "n": len(prompts),
                     **score(real_clips(truths), truths), "seconds": 0.0})
    return rows


def main(argv=None) -> int:
    from ..pipelines import TextToImagePipeline, TextToVideoPipeline
    parser = argparse.ArgumentParser(prog="python -m toolkit.eval.video_adherence", description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="assets/metrics/text_to_video.json", help="where the table goes (JSON)")
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--scales", type=float, nargs="+", default=[2.0], help="classifier-free guidance scales")
    parser.add_argument("--baseline", type=int, default=64, help="prompts per set for the per-frame baseline")
    parser.add_argument("--limit", type=int, default=None, help="only the first N prompts of each set (a quick look)")
    args = parser.parse_args(argv)
    video = TextToVideoPipeline.from_pretrained()
    models = {f"video transformer, s={s:g}": (lambda p, seed, s=s: video(p, seed=seed, steps=args.steps,
                                                                          guidance_scale=s).videos)
              for s in args.scales}
    image_pipe = TextToImagePipeline.from_pretrained(latent=True)
    rows = evaluate(models, tuple(SETS), args.baseline, image_pipe, limit=args.limit)
    for r in rows:
        print(" ".join(f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}" for k, v in r.items()))
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp")
    command = "python -m toolkit.eval.video_adherence " + " ".join(sys.argv[1:] if argv is None else argv)
    tmp.write_text(json.dumps({"command": command.strip(), "steps": args.steps, "sampler": "flow_heun",
                               "rows": rows}, indent=1) + "\n")
    tmp.replace(out)
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
