"""Writes assets/metrics/beyond.json, the table of notebook 11.

Image to video, SDEdit and extension on the shipped latent video transformer (toolkit.eval.beyond).

    python -m toolkit.experiments.beyond --out assets/metrics/beyond.json
"""
import argparse
import json
import sys
from pathlib import Path

import torch

from ..checkpoints import write_json
from ..eval.beyond import PATH_KEPT_PX, animate_rows, edit_rows, extend_rows
from ..pipelines.beyond import DEFAULT_OVERLAP, BeyondPromptPipeline
from ..pipelines.text_to_video import DEFAULT_GUIDANCE

TASKS = ("animate", "edit", "extend")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m toolkit.experiments.beyond", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("assets/metrics/beyond.json"))
    parser.add_argument("--tasks", nargs="+", choices=TASKS, default=list(TASKS),
                        help="measure these and keep the other tasks' rows of --out")
    parser.add_argument("--animate", type=int, default=120, help="pictures (prompts) for image to video")
    parser.add_argument("--edit", type=int, default=100, help="clips to edit, half colour and half shape")
    parser.add_argument("--extend", type=int, default=60, help="prompts to extend")
    parser.add_argument("--strengths", type=float, nargs="+", default=[0.2, 0.4, 0.6, 0.8, 1.0])
    parser.add_argument("--lengths", type=int, nargs="+", default=[16, 32, 48, 64])
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--threads", type=int, default=1, help="torch threads (1 is fastest on a busy 2-core CPU)")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    pipe = BeyondPromptPipeline.from_pretrained()
    measure = {"animate": lambda: animate_rows(pipe, args.animate, steps=args.steps),
               "edit": lambda: edit_rows(pipe, args.edit, args.strengths, steps=args.steps),
               "extend": lambda: extend_rows(pipe, args.extend, args.lengths, steps=args.steps)}
    rows = [row for task in args.tasks for row in measure[task]()]
    for r in rows:
        print(" ".join(f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}" for k, v in r.items()))
    old = [r for r in read_rows(args.out) if r["task"] not in args.tasks]
    write_json(args.out, {"command": "python -m toolkit.experiments.beyond  (--tasks to measure some)",
                          "model": "shapes_video_dit", "steps": args.steps, "sampler": "flow_heun",
                          "guidance_scale": DEFAULT_GUIDANCE, "extend_overlap_latent_frames": DEFAULT_OVERLAP,
                          "edit_path_kept_px": PATH_KEPT_PX,
                          "sizes": {"animate": args.animate, "edit": args.edit, "extend": args.extend},
                          "rows": old + rows})
    print(f"wrote {args.out}")
    return 0


def read_rows(path: Path) -> list[dict]:
    return json.loads(path.read_text())["rows"] if path.exists() else []


if __name__ == "__main__":
    sys.exit(main())
