"""Writes assets/metrics/training_curve.json: how the shipped noise predictor of notebook 02 learned, step by step.

    python -m toolkit.experiments.training_curve              # the first 800 steps: 20 minutes; rerun to resume
    python -m toolkit.experiments.training_curve --steps 3000 # the whole shipped run: over an hour

It reruns the recipe of shapes_epsilon_unet (ImageDiffusionConfig("epsilon"): 48 images a step, seed 0; the
shipped run is 3,000 steps, and its first N steps are exactly a run of N steps, since nothing in it depends on
the total), with a callback that samples the EMA model at a few steps along the way, and records:
* the loss, as means over blocks of 10 steps: the curve a learner's own run should follow;
* at each snapshot, 64 samples (DPM-Solver++(2M), 20 steps, the same noise each time): the share the attribute
  reader sees as one clean shape, with the model's estimate of x0 clipped to [-1, 1] at every step and without,
  and the pixel spread of the unclipped ones (early models blow up: sampling starts at sigma_max = 157, where
  a small error in the predicted noise is a huge error in the image);
* the same measures of the shipped model, at the end of the curve;
* for a run of all 3,000 steps, whether its weights are the shipped ones, bit for bit in the float16 they ship in.
"""
import argparse
import json
import sys
from pathlib import Path

import torch

from .. import zoo
from ..checkpoints import write_json
from ..recipes import image_diffusion as recipe

SNAPSHOTS = (25, 50, 100, 150, 200, 300, 400, 600, 800, 1200, 1600, 2400, 3000)
SAMPLES, SAMPLER_STEPS, BLOCK = 64, 20, 10


def measure(model) -> dict:
    clipped, raw = (recipe.generate(model, "epsilon", SAMPLES, SAMPLER_STEPS, seed=0, clip=c) for c in (True, False))
    return {"valid_clipped": recipe.valid_shape_rate(clipped.clamp(-1, 1)),
            "valid_unclipped": recipe.valid_shape_rate(raw.clamp(-1, 1)),
            "std_unclipped": float(raw.std()), "std_clipped": float(clipped.std())}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m toolkit.experiments.training_curve",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("assets/metrics/training_curve.json"))
    parser.add_argument("--runs", type=Path, default=Path("outputs/runs/training_curve"),
                        help="resumable training checkpoints, and the snapshots measured so far")
    parser.add_argument("--steps", type=int, default=800, help="steps of the shipped run to redo (it has 3000)")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (1 is fastest on a busy 2-core CPU)")
    args = parser.parse_args(argv)
    shipped_config = recipe.ImageDiffusionConfig(objective="epsilon")
    if not 1 <= args.steps <= shipped_config.steps:
        parser.error(f"--steps must be from 1 to the shipped run's {shipped_config.steps}, got {args.steps}")
    torch.set_num_threads(args.threads)
    config = recipe.ImageDiffusionConfig(objective="epsilon", steps=args.steps)
    done_file = args.runs / "snapshots.json"
    snapshots = {int(k): v for k, v in json.loads(done_file.read_text()).items()} if done_file.exists() else {}

    def look(step: int, ema_model) -> None:
        if step in SNAPSHOTS and step not in snapshots:
            snapshots[step] = measure(ema_model)
            write_json(done_file, {str(k): v for k, v in sorted(snapshots.items())})
            print(f"step {step}: {snapshots[step]}")

    args.runs.mkdir(parents=True, exist_ok=True)
    result = recipe.train_model(config, out_dir=args.runs, callback=look)
    losses = torch.tensor(result.losses)
    blocks = losses[: len(losses) // BLOCK * BLOCK].view(-1, BLOCK).mean(1)
    shipped_model = zoo.load(recipe.name_of("epsilon"))
    table = {
        "command": " ".join(["python -m toolkit.experiments.training_curve", *(argv or sys.argv[1:])]),
        "model": recipe.name_of("epsilon"), "recipe": "python -m toolkit.recipes.image_diffusion train --objective "
        "epsilon", "steps": config.steps, "shipped_steps": shipped_config.steps, "batch_size": config.batch_size,
        "threads": args.threads, "loss_block": BLOCK, "loss": [round(float(x), 6) for x in blocks],
        "shipped_final_loss_mean_last_100": zoo.manifest(recipe.name_of("epsilon"))["metrics"]
        ["final_loss_mean_last_100"],
        "sampler": f"DPM-Solver++(2M), {SAMPLER_STEPS} steps, {SAMPLES} samples from the same noise",
        "snapshots": [{"step": k, **v} for k, v in sorted(snapshots.items())],
        "shipped": measure(shipped_model)}
    if config.steps == shipped_config.steps:
        shipped, mine = shipped_model.state_dict(), result.ema_model.state_dict()
        table["final_max_abs_difference"] = max(float((mine[k].half() - shipped[k].half()).abs().max()) for k in mine)
    write_json(args.out, table)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
