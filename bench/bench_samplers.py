"""Steps to quality: the fewest steps at which DPM-Solver++ or Heun reaches 95% of the 250-step quality.

    python bench/bench_samplers.py [--n 48] [--steps 4,6,8,10,12,16,20,25,32,50,100,250] [--batch 48]

Target: at most 20 steps. The shipped epsilon model (DDPM, linear schedule) is sampled with DDPM, DDIM,
Heun and DPM-Solver++(2M) on the schedule's own "trailing" σ grid (`ddpm_sigmas`), and the shipped velocity
model (flow matching) with flow Euler and flow Heun on evenly spaced flow times (`flow_times`). Every
sampler and step count starts from the same noise, so differences are the samplers', not the seeds'.

Quality, two ways:
* valid-shape rate: the share of samples the attribute reader sees as one clean shape;
* FD: the Frechet distance between features (the shipped shape classifier's) of the samples and of
  2,000 real training-split images. FD shrinks as N grows, so compare it only at equal N; the FD of N
  real images (the mean of 5 draws) is printed as the floor.

"Reaches" means: from that step count on, every larger one in the list stays within the tolerance of the
reference (a dip at more steps would otherwise count as reached). Two references: the sampler's own result
at the most steps (how fast it converges), and the best result at the most steps of any sampler of the
same model (whether it gets there at all: an ODE sampler can converge to less than DDPM reaches). A step
of Heun costs two network evaluations (NFE), one for the others; the tables give both.
"""
import argparse
import time

import torch
from tqdm.auto import tqdm

from toolkit import zoo
from toolkit.recipes import image_diffusion
from toolkit.data import ShapesWorld, WorldConfig
from toolkit.diffusion import (FlowDenoiser, ddpm_sigmas, flow_times, sample_ddim, sample_ddpm, sample_dpmpp_2m,
                               sample_flow_euler, sample_flow_heun, sample_heun)
from toolkit.eval.frechet import features, frechet_distance

# name: (model objective, sampler, network evaluations for n steps)
SAMPLERS = {
    "DDPM": ("epsilon", sample_ddpm, lambda n: n),
    "DDIM": ("epsilon", sample_ddim, lambda n: n),
    "Heun": ("epsilon", sample_heun, lambda n: 2 * n - 1),
    "DPM-Solver++(2M)": ("epsilon", sample_dpmpp_2m, lambda n: n),
    "flow Euler": ("velocity", sample_flow_euler, lambda n: n),
    "flow Heun": ("velocity", sample_flow_heun, lambda n: 2 * n - 1),
}
DEFAULT_STEPS = "4,6,8,10,12,16,20,25,32,50,100,250"
REAL_IMAGES = 2000


@torch.inference_mode()
def sample(name, models, noise, steps, batch, seed, bar):
    """Samples (N, 3, H, W) of one sampler at one step count, in batches, from the shared noise."""
    objective, sampler, nfe = SAMPLERS[name]
    model = models[objective]
    if objective == "epsilon":
        D, grid = image_diffusion.denoiser(model, "epsilon"), ddpm_sigmas(image_diffusion.schedule("epsilon"), steps)
    else:
        D, grid = FlowDenoiser(model, "velocity"), flow_times(steps)
    out = []
    for i in range(0, len(noise), batch):
        z = noise[i:i + batch]
        g = torch.Generator().manual_seed(seed + i)           # fresh noise of DDPM, the same for every run
        out.append(sampler(D, z * grid[0], grid, generator=g))
        bar.update(len(z) * nfe(steps))
    return torch.cat(out).clamp(-1, 1)


def reached(values, steps, good):
    """The fewest steps from which every larger step count satisfies good(value), or None."""
    best = None
    for s, v in sorted(zip(steps, values), reverse=True):
        if not good(v):
            break
        best = s
    return best


def table(title, steps, rows, fmt):
    print(f"\n{title}")
    print(f"{'steps':>18} " + " ".join(f"{s:>6}" for s in steps))
    for name, values in rows.items():
        print(f"{name:>18} " + " ".join(f"{v:>6{fmt}}" for v in values))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=48, help="samples per sampler and step count")
    parser.add_argument("--steps", default=DEFAULT_STEPS, help="comma-separated step counts (the last is the reference)")
    parser.add_argument("--samplers", default=",".join(SAMPLERS), help="comma-separated names from: " + ", ".join(SAMPLERS))
    parser.add_argument("--batch", type=int, default=48)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--checkpoints", default=None, help="folder of the two diffusion models (default: the shipped ones)")
    parser.add_argument("--rate-tol", type=float, default=0.95, help="reached: valid rate >= this x the reference")
    parser.add_argument("--fd-tol", type=float, default=0.05, help="reached: FD <= (1 + this) x the reference")
    args = parser.parse_args()
    steps = sorted({int(s) for s in args.steps.split(",")})
    names = [s.strip() for s in args.samplers.split(",")]
    if unknown := set(names) - set(SAMPLERS):
        parser.error(f"unknown samplers {sorted(unknown)}; choose from {list(SAMPLERS)}")
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; N = {args.n}; steps {steps}")

    models = {objective: zoo.load(image_diffusion.name_of(objective), args.checkpoints) for objective in {SAMPLERS[n][0] for n in names}}
    classifier = zoo.load("feature_classifier")
    world = ShapesWorld(WorldConfig(frames=1))
    real = features(classifier, world.sample(REAL_IMAGES, seed=10**6, split="train").images)
    floor = sum(frechet_distance(features(classifier, world.sample(args.n, seed=10**6 + k, split="train").images), real)
                for k in range(1, 6)) / 5
    noise = torch.randn(args.n, 3, 32, 32, generator=torch.Generator().manual_seed(args.seed))

    rates, fds, start = {}, {}, time.perf_counter()
    total = args.n * sum(SAMPLERS[name][2](s) for name in names for s in steps)
    with tqdm(total=total, desc="network evaluations x images", unit="img", unit_scale=True) as bar:
        for name in names:
            rates[name], fds[name] = [], []
            for s in steps:
                images = sample(name, models, noise, s, args.batch, args.seed, bar)
                rates[name].append(image_diffusion.valid_shape_rate(images))
                fds[name].append(frechet_distance(features(classifier, images), real))
    minutes = (time.perf_counter() - start) / 60

    table("valid-shape rate (share of samples read as one clean shape)", steps, rates, ".2f")
    table(f"Frechet distance to {REAL_IMAGES} real images (lower is better; {args.n} real images: {floor:.2f})",
          steps, fds, ".2f")
    table("cost: denoiser calls per image (NFE)", steps, {n: [SAMPLERS[n][2](s) for s in steps] for n in names}, "d")

    print(f"\nsteps to reach the quality at {steps[-1]} steps, and stay there:")
    print(f"{'':>18} {'rate':>6} {f'{args.rate_tol:.0%} own':>8} {f'{args.rate_tol:.0%} best':>9}"
          f" {'FD':>7} {f'own+{args.fd_tol:.0%}':>8} {f'best+{args.fd_tol:.0%}':>9}")
    verdicts = {}
    for name in names:
        family = [n for n in names if SAMPLERS[n][0] == SAMPLERS[name][0]]      # samplers of the same model
        best_rate, best_fd = max(rates[n][-1] for n in family), min(fds[n][-1] for n in family)
        reach = (reached(rates[name], steps, lambda v: v >= args.rate_tol * rates[name][-1]),
                 reached(rates[name], steps, lambda v: v >= args.rate_tol * best_rate),
                 reached(fds[name], steps, lambda v: v <= (1 + args.fd_tol) * fds[name][-1]),
                 reached(fds[name], steps, lambda v: v <= (1 + args.fd_tol) * best_fd))
        verdicts[name] = reach
        print(f"{name:>18} {rates[name][-1]:>6.2f} {str(reach[0]):>8} {str(reach[1]):>9} {fds[name][-1]:>7.2f}"
              f" {str(reach[2]):>8} {str(reach[3]):>9}")
    for name in ("Heun", "DPM-Solver++(2M)"):
        if name in verdicts:
            own, best = verdicts[name][0], verdicts[name][1]
            print(f"{name}: {args.rate_tol:.0%} of its own {steps[-1]}-step valid-shape rate at {own} steps "
                  f"({'meets' if own is not None and own <= 20 else 'MISSES'} the target of at most 20); "
                  f"{args.rate_tol:.0%} of the best {steps[-1]}-step rate of its model: "
                  f"{'never' if best is None else f'at {best} steps'}.")
    print(f"({minutes:.1f} minutes)")


if __name__ == "__main__":
    main()
