"""Writes assets/metrics/rate_distortion.json, the table of notebook 05.

Bits per pixel against PSNR for JPEG, H.264 and the shipped VAEs.

    python -m toolkit.experiments.rate_distortion --out assets/metrics/rate_distortion.json
"""
import argparse
import sys
import time

from .. import checkpoints
from ..checkpoints import write_json
from ..data import ShapesWorld, WorldConfig
from ..eval.codecs import VAES, rate_distortion, shipped_vaes
from ..eval.reconstruction import HELDOUT_SEED
from ..runtime import pick


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m toolkit.experiments.rate_distortion", description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="assets/metrics/rate_distortion.json", help="where the rows go (JSON)")
    parser.add_argument("--clips", type=int, default=pick(32, 4), help="held-out clips (fast mode: 4)")
    args = parser.parse_args(argv)
    world = WorldConfig(frames=16, height=32, width=32)
    clips = ShapesWorld(world).sample(args.clips, seed=HELDOUT_SEED, split="heldout").video    # (B, 3, 16, 32, 32)
    start = time.perf_counter()
    vaes = shipped_vaes()
    for kind in VAES:
        if f"{kind}_vae" not in vaes:
            print(f"skipping {kind}_vae: no {VAES[kind]}.json in {checkpoints.resolve()} (not trained yet)")
    rows = rate_distortion(clips, vaes=vaes)
    for r in rows:
        print(f"{r['codec']:>18} {r['setting']:>3}  {r['bpp']:7.3f} bpp  {r['psnr_db']:5.2f} dB")
    report = {"command": "python -m toolkit.experiments.rate_distortion " + " ".join(sys.argv[1:] if argv is None else argv),
              "clips": args.clips, "clip_shape": [3, world.frames, world.height, world.width], "split": "heldout",
              "seed": HELDOUT_SEED, "seconds": round(time.perf_counter() - start, 1),
              "counting": "bpp = bits / (clips * frames * H * W); see toolkit/eval/codecs.py", "rows": rows}
    out = write_json(args.out, report)
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
