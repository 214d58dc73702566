"""How long does the main job take? `generate` for a 16-frame clip with the shipped model, on this CPU.

    python bench/bench_generate.py [--repeats 5] [--threads N] [--steps 20]

Target (issue 6): a 16-frame 32 x 32 clip within 10 s wall on 2 cores, from the prompt to the files.
Measured in one run, each the median of `--repeats`:
    load        building the pipeline from assets/ (text encoder, video transformer, video VAE; hashes checked)
    sample      the prompt to the clip: text encoding, the guided sampler, the VAE decoder
    write       the mp4, the GIF and the progression PNG
    generate    all of it through toolkit.generate.generate (what `python -m toolkit generate` runs)
and, for scale, the same clip through the pixel space-time U-Net (shapes_spacetime_unet) when it is shipped.
The load average is printed so that a reader can tell a quiet machine from a busy one.
"""
import argparse
import os
import statistics
import tempfile
import time

import torch

from toolkit import generate, zoo
from toolkit.pipelines import TextToVideoPipeline

PROMPT = "a small green triangle moving up then down"


def timed(fn) -> tuple[float, object]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's choice)")
    parser.add_argument("--steps", type=int, default=20)
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    print(f"threads {torch.get_num_threads()}, load average {os.getloadavg()[0]:.2f}, {args.steps} flow-Heun steps")

    times = {"load": [], "sample": [], "write": [], "generate": []}
    with tempfile.TemporaryDirectory() as out:
        generate.generate(PROMPT, out=out, steps=args.steps, progress=False)                    # warm-up
        for _ in range(args.repeats):
            seconds, pipe = timed(TextToVideoPipeline.from_pretrained)
            times["load"].append(seconds)
            seconds, result = timed(lambda: pipe(PROMPT, steps=args.steps, return_trajectory=True))
            times["sample"].append(seconds)
            stem = os.path.join(out, "bench")
            seconds, _ = timed(lambda: (generate.animation.save(result.videos[0], stem + ".mp4"),
                                        generate.animation.save(result.videos[0], stem + ".gif"),
                                        generate.save_figure(generate.progression_figure(pipe, result.trajectory),
                                                             generate.Path(stem + "-progression.png"))))
            times["write"].append(seconds)
            seconds, _ = timed(lambda: generate.generate(PROMPT, out=out, steps=args.steps, progress=False))
            times["generate"].append(seconds)
    for name, values in times.items():
        print(f"{name:9s} {statistics.median(values):6.2f} s   (min {min(values):.2f}, max {max(values):.2f})")
    total = statistics.median(times["generate"])
    print(f"generate: {total:.2f} s for a 16-frame clip; target 10 s: {'met' if total <= 10 else 'NOT met'}")

    if "shapes_spacetime_unet" in zoo.names():
        from toolkit.diffusion import FlowDenoiser, flow_times, sample_flow_heun
        from toolkit.diffusion.guidance import classifier_free_guidance
        model, text = zoo.load("shapes_spacetime_unet"), pipe.text
        cond = text([PROMPT])
        denoiser = classifier_free_guidance(FlowDenoiser(model), 2.0, text.null(1))
        noise = torch.randn(1, 3, 16, 32, 32, generator=torch.Generator().manual_seed(0))
        seconds, _ = timed(lambda: sample_flow_heun(denoiser, noise, flow_times(args.steps), cond=cond))
        print(f"the same clip from the pixel space-time U-Net: {seconds:.2f} s "
              f"({seconds / statistics.median(times['sample']):.0f}x the latent transformer's sampling)")


if __name__ == "__main__":
    with torch.no_grad():
        main()
