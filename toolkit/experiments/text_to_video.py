"""Writes assets/metrics/text_to_video.json, the table of notebooks 07 and 08.

Prompt adherence and temporal consistency of every text-to-video contender.

    python -m toolkit.experiments.text_to_video --out assets/metrics/text_to_video.json
"""
import argparse
import sys
from pathlib import Path

from ..checkpoints import write_json
from ..eval.video_adherence import MODELS, SETS, contenders, evaluate, merge


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m toolkit.experiments.text_to_video", description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="assets/metrics/text_to_video.json", help="where the table goes (JSON)")
    parser.add_argument("--models", nargs="+", choices=MODELS, default=list(MODELS),
                        help="measure these and replace only their rows in --out")
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--scales", type=float, nargs="+", default=[2.0], help="the transformer's guidance scales")
    parser.add_argument("--slow-limit", type=int, default=64,
                        help="prompts per set for the slow contenders (per-frame baseline, pixel U-Net)")
    args = parser.parse_args(argv)
    models = contenders(args.models, args.steps, args.scales)
    limits = {name: args.slow_limit for name in models if not name.startswith("video transformer")}
    rows = evaluate(models, tuple(SETS), limits)
    for r in rows:
        print(" ".join(f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}" for k, v in r.items()))
    out = Path(args.out)
    write_json(out, {"command": "python -m toolkit.experiments.text_to_video  (--models to measure a subset)",
                     "steps": args.steps, "sampler": "flow_heun", "rows": merge(out, rows)})
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
