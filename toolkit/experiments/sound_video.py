"""Writes assets/metrics/sound_video.json, the table of notebook 09.

Click-bounce synchrony, pitch and motion adherence of the joint model against its baselines, and the timing
swap (does video-to-audio move its click when the bounce moves?), kept under "timing_swap".

    python -m toolkit.experiments.sound_video --out assets/metrics/sound_video.json
    python -m toolkit.experiments.sound_video --swap-only     # the timing swap alone; the other rows are kept
"""
import argparse
import json
import sys
from pathlib import Path

from ..checkpoints import write_json
from ..eval.sync import SWAP_FRAMES, TOLERANCE, evaluate, evaluate_swap


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m toolkit.experiments.sound_video", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("assets/metrics/sound_video.json"))
    parser.add_argument("--limit", type=int, default=None, help="only the first N prompts of each set")
    parser.add_argument("--scales", type=float, nargs="+", default=[2.0, 4.0], help="classifier-free guidance scales")
    parser.add_argument("--swap-only", action="store_true",
                        help="measure only the timing swap and keep the other rows of --out")
    parser.add_argument("--pairs", type=int, default=None, help="timing-swap pairs (default all 210)")
    args = parser.parse_args(argv)
    command = "python -m toolkit.experiments.sound_video " + " ".join(sys.argv[1:] if argv is None else argv)
    if args.swap_only:
        if not args.out.exists():
            raise SystemExit(f"--swap-only keeps the other rows of {args.out}, which does not exist: run without it")
        table = json.loads(args.out.read_text())
    else:
        table = {"command": command, "tolerance_frames": TOLERANCE, "steps": 20,
                 "sampler": "flow_heun (video-to-audio: flow Euler)", "rows": evaluate(limit=args.limit, scales=args.scales)}
        for r in table["rows"]:
            print(f"{r['model']:62s} {r['set']:12s} precision {r['precision']:.3f} recall {r['recall']:.3f} "
                  f"offset {r['offset_frames']} pitch {r['pitch_adherence']:.3f} motion {r['motion_adherence']:.3f}")
    swap = evaluate_swap(args.pairs, scales=args.scales)
    table["timing_swap"] = {"command": command, "pairs": "toolkit.eval.sync.swap_pairs: the bouncing prompts of the "
                            f"wording set, bounce frames {SWAP_FRAMES}, same prompt and noise", "rows": swap}
    for r in swap:
        print(f"{r['model']:62s} timing swap, {r['pairs']} pairs: click shift / bounce shift "
              f"{r['click_shift_per_bounce_shift']:.3f}, follow share {r['follow_share']:.3f}")
    write_json(args.out, table)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
