"""Do the shipped video models train from scratch within the hour on 2 cores? Time a few steps of each recipe.

    python bench/bench_train.py [--steps 40] [--threads N]

For each shipped video checkpoint (the latent video transformer, the pixel space-time U-Net), runs
`--steps` training steps of its recorded recipe (after 5 unmeasured ones) and extrapolates to the recipe's
full length; the transformer also pays once for encoding its latent cache, timed here on 256 clips and
scaled to the recipe's count. Issue 6's goal: each under 60 minutes on a 2-core CPU. The load average is
printed: other work on the machine slows every figure.
"""
import argparse
import os
import tempfile
import time
from dataclasses import replace

import torch

from toolkit import zoo
from toolkit.recipes import text_to_video, video_diffusion
from toolkit.text import TextConditioner


def seconds_per_step(train_model, config, steps: int) -> float:
    """The mean time of a training step, from two runs of 5 and 5 + steps steps (the difference)."""
    times = []
    for n in (5, 5 + steps):
        with tempfile.TemporaryDirectory() as out:
            start = time.perf_counter()
            train_model(replace(config, steps=n), out_dir=out, progress=False)
            times.append(time.perf_counter() - start)
    return (times[1] - times[0]) / steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's choice)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    print(f"threads {torch.get_num_threads()}, load average {os.getloadavg()[0]:.2f}")

    dit = text_to_video.TextToVideoConfig()
    vae, sample = zoo.load("shapes_video_vae"), 256
    start = time.perf_counter()
    text_to_video.encode_clips(replace(dit, clips=sample, seed=dit.seed + 12345), vae, progress=False)
    encode = (time.perf_counter() - start) * dit.clips / sample
    text = TextConditioner.from_pretrained(dit.text)
    step = seconds_per_step(lambda c, **kw: text_to_video.train_model(c, text=text, **kw), dit, args.steps)
    total = encode + step * dit.steps
    print(f"{text_to_video.NAME:24s} {step:.3f} s/step x {dit.steps} steps + {encode / 60:.1f} min encoding "
          f"{dit.clips} clips = {total / 60:.1f} min  ({'within' if total <= 3600 else 'OVER'} 60 min)")

    unet = video_diffusion.VideoDiffusionConfig()
    step = seconds_per_step(video_diffusion.train_model, unet, max(4, args.steps // 8))
    total = step * unet.steps
    print(f"{video_diffusion.NAME:24s} {step:.3f} s/step x {unet.steps} steps = {total / 60:.1f} min  "
          f"({'within' if total <= 3600 else 'OVER'} 60 min)")


if __name__ == "__main__":
    main()
