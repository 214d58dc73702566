"""Writes assets/metrics/energy.json, the table of notebook 10.

FLOPs, time and energy of one clip here, and the estimate for a production model.

    python -m toolkit.experiments.energy --out assets/metrics/energy.json
"""
import argparse
import sys
from pathlib import Path

from ..checkpoints import write_json
from ..eval.energy import (
    DEFAULT_WATTS,
    GPU,
    PRODUCTION,
    PUBLISHED,
    clip_flops,
    measure,
    production_estimate,
    video_cost,
)
from ..pipelines import TextToVideoPipeline


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m toolkit.experiments.energy", description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="assets/metrics/energy.json")
    parser.add_argument("--watts", type=float, default=DEFAULT_WATTS, help="assumed power where RAPL is missing")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    pipe = TextToVideoPipeline.from_pretrained()
    here = measure(pipe, repeats=args.repeats, watts=args.watts)
    result = {"command": "python -m toolkit.experiments.energy " + " ".join(sys.argv[1:] if argv is None else argv),
              "clip": clip_flops(pipe), "this_machine": here, "video_cost": video_cost(),
              "production": production_estimate(),
              "production_assumptions": {"model": PRODUCTION, "gpu": GPU}, "published_joules": PUBLISHED}
    for key, value in result.items():
        print(f"{key}: {value}")
    write_json(Path(args.out), result)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
