"""Writes assets/metrics/sound_video.json, the table of notebook 09.

Click-bounce synchrony, pitch and motion adherence of the joint model against its baselines.

    python -m toolkit.experiments.sound_video --out assets/metrics/sound_video.json
"""
import argparse
import sys
from pathlib import Path

from ..checkpoints import write_json
from ..eval.sync import TOLERANCE, evaluate


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m toolkit.experiments.sound_video", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("assets/metrics/sound_video.json"))
    parser.add_argument("--limit", type=int, default=None, help="only the first N prompts of each set")
    parser.add_argument("--scales", type=float, nargs="+", default=[2.0, 4.0], help="classifier-free guidance scales")
    args = parser.parse_args(argv)
    rows = evaluate(limit=args.limit, scales=args.scales)
    write_json(args.out, {"command": "python -m toolkit.experiments.sound_video " + " ".join(sys.argv[1:] if argv is None else argv),
                          "tolerance_frames": TOLERANCE, "steps": 20, "sampler": "flow_heun (video-to-audio: flow Euler)",
                          "rows": rows})
    for r in rows:
        print(f"{r['model']:62s} {r['set']:12s} precision {r['precision']:.3f} recall {r['recall']:.3f} "
              f"offset {r['offset_frames']} pitch {r['pitch_adherence']:.3f} motion {r['motion_adherence']:.3f}")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
