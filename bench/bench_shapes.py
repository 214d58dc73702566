"""How fast does the shapes world render? Target: 10,000 clips of 16 x 32 x 32 in under 10 s.

    python bench/bench_shapes.py [--clips 10000] [--batch 128]

Also times the attribute reader, which later judges every generated clip.
"""
import argparse
import time

import torch

from toolkit.data import ShapesWorld, WorldConfig
from toolkit.eval import read_clips


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=128)
    args = parser.parse_args()
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    for textured in (False, True):
        world = ShapesWorld(WorldConfig(frames=16, height=32, width=32, textured=textured))
        world.sample(8, seed=0)  # warm-up
        start = time.perf_counter()
        made = 0
        for k in range(0, args.clips, args.batch):
            made += len(world.sample(min(args.batch, args.clips - k), seed=k))
        seconds = time.perf_counter() - start
        verdict = "meets" if seconds < 10 * made / 10_000 else "MISSES"
        print(f"render {'textured' if textured else 'plain   '}: {made} clips in {seconds:.2f} s "
              f"({made / seconds:,.0f} clips/s; {verdict} the 10,000-in-10-s target)")

    batch = ShapesWorld().sample(200, seed=1)
    start = time.perf_counter()
    read_clips(batch.video)
    print(f"reader: {(time.perf_counter() - start) / 200 * 1e3:.1f} ms per clip")


if __name__ == "__main__":
    main()
