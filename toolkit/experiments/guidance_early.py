"""Writes assets/metrics/guidance_early.json: where classifier-free guidance matters (notebook 04).

The shipped text-to-image model follows its prompts 99-100% of the time without guidance, so in notebook 04
guidance shows only its cost. Guidance helps a model whose conditional prediction is still weak. This reruns
the first steps of the shipped model's recorded run (TextToImageConfig(): 48 pictures a step, seed 0, a
constant learning rate after warm-up, so its first N steps are exactly a run of N steps), keeps its EMA model
at a few early steps, and sweeps the classifier-free scale on each, judged by the attribute reader on the
(colour, shape) pairs held out of training (toolkit.eval.adherence.sweep: 20 flow-Heun steps, the same noise
at every scale). The shipped model's rows are in text_to_image.json.

    python -m toolkit.experiments.guidance_early        # about 25 minutes on 2 cores; rerun to resume
"""
import argparse
import copy
import json
import sys
from pathlib import Path

from ..checkpoints import write_json
from ..eval.adherence import sweep
from ..pipelines import TextToImagePipeline
from ..recipes import text_to_image as recipe
from ..runtime import pick
from ..text import TextConditioner

SNAPSHOTS = pick((250, 500, 1000), (2, 4))     # training steps at which the EMA model is swept
SCALES = (0.0, 1.0, 2.0, 3.0, 5.0)
PER_COMBINATION = pick(25, 1)                  # prompts per held-out (colour, shape) pair


def measure(model, text: TextConditioner) -> list[dict]:
    pipe = TextToImagePipeline(model, text)
    return sweep(pipe, "cfg", SCALES, kinds=("combination",), per_combination={"combination": PER_COMBINATION})


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m toolkit.experiments.guidance_early",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("assets/metrics/guidance_early.json"))
    parser.add_argument("--runs", type=Path, default=Path("outputs/runs/guidance_early"),
                        help="resumable training checkpoints, and the sweeps measured so far")
    args = parser.parse_args(argv)
    text = TextConditioner.from_pretrained()
    config = recipe.TextToImageConfig(steps=max(SNAPSHOTS))
    done_file = args.runs / "sweeps.json"
    sweeps = {int(k): v for k, v in json.loads(done_file.read_text()).items()} if done_file.exists() else {}

    def look(step: int, ema_model) -> None:
        if step in SNAPSHOTS and step not in sweeps:
            sweeps[step] = measure(copy.deepcopy(ema_model).eval(), text)
            write_json(done_file, {str(k): v for k, v in sorted(sweeps.items())})
            print(f"step {step}: joint " + ", ".join(f"s={r['scale']:g} {r['joint']:.0%}" for r in sweeps[step]))

    args.runs.mkdir(parents=True, exist_ok=True)
    recipe.train_model(config, text, out_dir=args.runs, callback=look)
    write_json(args.out, {
        "command": " ".join(["python -m toolkit.experiments.guidance_early", *(argv or sys.argv[1:])]),
        "recipe": "python -m toolkit.recipes.text_to_image train", "shipped_steps": recipe.TextToImageConfig().steps,
        "sampler": "flow_heun", "steps": 20, "prompts": "combination",
        "rows": [{"train_step": k, **row} for k, rows in sorted(sweeps.items()) for row in rows]})
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
