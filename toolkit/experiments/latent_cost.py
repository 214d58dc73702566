"""Writes assets/metrics/latent_cost.json, the table of notebook 06.

FLOPs, time and adherence of pixel against latent text-to-image.

    python -m toolkit.experiments.latent_cost --out assets/metrics/latent_cost.json
"""
import argparse
import sys
from pathlib import Path

import torch

from ..checkpoints import write_json
from ..eval.cost import compare_pipelines, recount_flops
from ..pipelines import TextToImagePipeline
from ..pipelines.text_to_image import DEFAULT_GUIDANCE
from ..runtime import pick


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m toolkit.experiments.latent_cost", description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="assets/metrics/latent_cost.json", help="where the table goes (JSON)")
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--guidance-scale", type=float, default=DEFAULT_GUIDANCE)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--flops-only", action="store_true",
                        help="count the FLOPs again and keep the table's measured times and adherence")
    args = parser.parse_args(argv)
    pipes = {"pixel": TextToImagePipeline.from_pretrained(classifier=False),
             "latent": TextToImagePipeline.from_pretrained("shapes_latent_text_unet")}
    if args.flops_only:
        return recount_flops(pipes, Path(args.out), args.steps)
    per = pick({"wording": 10, "combination": 25}, {"wording": 1, "combination": 2})
    rows = compare_pipelines(pipes, args.steps, args.guidance_scale, repeats=args.repeats, per_combination=per)
    pixel, latent = rows["pixel"], rows["latent"]
    ratios = {"flops": pixel["flops_per_picture"] / latent["flops_per_picture"],
              "seconds_batched": pixel["seconds_per_picture_batched"] / latent["seconds_per_picture_batched"],
              "seconds_single": pixel["seconds_single_picture"] / latent["seconds_single_picture"],
              **{f"joint_points_{kind}": 100 * (latent["adherence"][kind]["joint"] - pixel["adherence"][kind]["joint"])
                 for kind in pixel["adherence"]}}
    for name, row in rows.items():
        print(f"{name:7s} {row['flops_per_picture'] / 1e9:7.2f} GFLOP/picture  "
              f"{1000 * row['seconds_per_picture_batched']:7.1f} ms/picture (batch 16)  "
              f"{1000 * row['seconds_single_picture']:7.1f} ms (one picture)  adherence {row['adherence']}")
    print("pixel / latent:", {k: round(v, 2) for k, v in ratios.items()})
    write_json(args.out, {"command": "python -m toolkit.experiments.latent_cost --out " + str(args.out),
                          "steps": args.steps, "sampler": "flow_heun", "guidance_scale": args.guidance_scale,
                          "threads": torch.get_num_threads(), "rows": rows, "pixel_over_latent": ratios})
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
