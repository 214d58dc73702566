"""Builds notebooks/03_samplers_and_flow_matching.ipynb."""
from pathlib import Path

from nb import build

CELLS = [
("md", r"""
# 03 · Samplers and flow matching

Notebook 02 drew images with DDPM: a thousand small steps, each a call of the network. But the network
is just a denoiser $D(x, \sigma) \approx \mathbb E[x_0 \mid x]$; *how* to walk from noise to an image
with it is a separate choice, the **sampler**, and a good one needs twenty steps, not a thousand. A
second choice is made at training time: what path from data to noise the network learns. **Flow
matching** picks a straight one.

**What you will build**
1. Four samplers as update rules on the same trained denoiser: DDPM, DDIM, Heun and DPM-Solver++.
2. The same noise through each of them at 4 to 100 steps, side by side.
3. A measurement of **quality against steps**: the valid-shape rate from the attribute reader, and a
   Fréchet distance in the feature space of a small classifier trained on clean images.
4. **Flow matching**: the same network trained on the straight path to predict a velocity (live, briefly),
   then the shipped velocity model sampled with Euler and Heun, its curves beside the DDPM model's.
5. **Straight against curved**: on a 2-D toy whose ideal denoiser is known exactly, the paths a sampler
   follows, seen in DDPM's coordinates and in flow matching's, and why straight paths need fewer steps.
"""),
("code", r"""
import inspect

import matplotlib.pyplot as plt
import torch
from matplotlib.ticker import LogFormatter
from tqdm.auto import tqdm

from toolkit import zoo
from toolkit.recipes import image_diffusion
from toolkit.data import ShapesWorld, WorldConfig
from toolkit.diffusion import (FlowDenoiser, FlowSchedule, GaussianData, ddpm_sigmas, flow_times,
                               prediction_target, sample_ddim, sample_ddpm, sample_dpmpp_2m, sample_euler,
                               sample_flow_euler, sample_flow_heun, sample_heun, sigmas_from_flow_times)
from toolkit.diffusion.toy import (GaussianMixture, bend, flow_coordinates, sample_vp_euler, straightness,
                                   vp_coordinates)
from toolkit.eval.frechet import features, frechet_distance
from toolkit.runtime import mode, pick, train_full
from toolkit.viz import to_numpy_image

plt.rcParams["figure.dpi"] = 72
print(mode())
"""),
("md", r"""
## 1. One denoiser, four update rules

Every sampler here works in the coordinates of Karras et al. (2022): $x = x_0 + \sigma\varepsilon$, where the
noise level $\sigma$ runs from about 157 (the last step of the DDPM schedule) down to 0. DDPM's $x_t$ is
the same point rescaled, $x_t = x/\sqrt{1+\sigma^2}$. The network, wrapped as a denoiser, returns
$\hat x_0 = D(x, \sigma)$, and with it the noise it implies, $\hat\varepsilon = (x - \hat x_0)/\sigma$.
One step goes from $\sigma$ to the next, smaller $\sigma'$:

| sampler | one step $\sigma \to \sigma'$ | network calls |
|---|---|---|
| **DDPM** (Ho et al. 2020) | $x' = \hat x_0 + \frac{\sigma'^2}{\sigma^2}(x - \hat x_0) + \sigma'\sqrt{1 - \sigma'^2/\sigma^2}\; z$, fresh noise $z$ | 1 |
| **DDIM** (Song et al. 2021) | $x' = \hat x_0 + \sigma'\,\hat\varepsilon$: keep the predicted noise, shrink it to $\sigma'$ | 1 |
| **Heun** (Karras et al. 2022) | DDIM to $\sigma'$, ask again there, and step with the average of the two slopes $\hat\varepsilon$ | 2 |
| **DPM-Solver++(2M)** (Lu et al. 2022) | $x' = \frac{\sigma'}{\sigma}x + (1 - e^{-h})\,\tilde x_0$, $h = \ln\frac{\sigma}{\sigma'}$, $\tilde x_0 = (1 + \tfrac{1}{2r})\hat x_0 - \tfrac{1}{2r}\hat x_0^{\text{prev}}$ | 1 |

DDPM is a random walk; the other three solve the **probability-flow ODE** $\frac{dx}{d\sigma} = \hat\varepsilon(x, \sigma)$,
whose solution carries each noise image to one clean image, deterministically. DDIM is Euler's method on
it; Heun is second order at twice the cost; DPM-Solver++ is second order at the cost of one call, by
reusing the previous step's $\hat x_0$ ($r$ is the ratio of the last two step sizes in $\ln\sigma$).
All four are plain functions of the denoiser in `toolkit/diffusion/samplers.py`. Their loops, read from it
(`steps` walks the σ's, calls the denoiser and records the trajectory; DDIM's `eta` > 0 would add
fresh noise, DDPM-like, and is 0 here):
"""),
("code", r"""
for sampler in (sample_ddim, sample_heun, sample_dpmpp_2m):
    source = inspect.getsource(sampler)
    print(source[source.index("    for i, "):source.index("    return steps.result")])
"""),
("code", r"""
# NBVAL_CHECK_OUTPUT
schedule = image_diffusion.schedule("epsilon")               # DDPM's linear schedule, 1000 steps
for steps in (4, 10):
    print(f"{steps:>2} steps visit sigma =", [round(s, 3) for s in ddpm_sigmas(schedule, steps).tolist()])
"""),
("md", r"""
## 2. The same noise through every sampler

The shipped model of notebook 02 (an ε-predicting U-Net, `python -m toolkit.recipes.image_diffusion train
--objective epsilon`). Every sampler and every number of steps starts from the **same** noise, so what
differs between two pictures is the sampler alone. This cell does all the sampling for sections 2 and 3
(the progress bar counts network calls times images).
"""),
("code", r"""
N = pick(16, 8)                                               # images per sampler and step count
STEPS = pick([4, 6, 8, 12, 16, 25, 50, 100], [4, 8, 25])
SAMPLERS = {"DDPM": sample_ddpm, "DDIM": sample_ddim, "Heun": sample_heun, "DPM-Solver++(2M)": sample_dpmpp_2m}
CALLS = {"DDPM": lambda n: n, "DDIM": lambda n: n, "Heun": lambda n: 2 * n - 1,   # network calls for n steps
         "DPM-Solver++(2M)": lambda n: n, "flow Euler": lambda n: n, "flow Heun": lambda n: 2 * n - 1}

model = zoo.load("shapes_epsilon_unet")                       # hash-checked against its manifest
D = image_diffusion.denoiser(model, "epsilon")                # D(x, sigma) -> predicted x0
noise = torch.randn(N, 3, 32, 32, generator=torch.Generator().manual_seed(0))

samples = {}
bar = tqdm(total=N * sum(CALLS[name](s) for name in SAMPLERS for s in STEPS), desc="sampling", unit="img")
with torch.inference_mode():
    for name, sampler in SAMPLERS.items():
        for steps in STEPS:
            sigmas = ddpm_sigmas(schedule, steps)
            g = torch.Generator().manual_seed(1)              # DDPM's fresh noise, also shared
            samples[name, steps] = sampler(D, noise * sigmas[0], sigmas, generator=g).clamp(-1, 1)
            bar.update(N * CALLS[name](steps))
bar.close()
"""),
("code", r"""
SHOW = pick([4, 8, 25, 100], [4, 8, 25])
fig, axes = plt.subplots(len(SAMPLERS), len(SHOW), figsize=(2.9 * len(SHOW), 1.15 * len(SAMPLERS) + 0.6), squeeze=False)
for row, name in enumerate(SAMPLERS):
    for col, s in enumerate(SHOW):
        axes[row, col].imshow(to_numpy_image(torch.cat(list(samples[name, s][:3]), -1)), interpolation="nearest")
        axes[row, col].set_xticks([]), axes[row, col].set_yticks([])
        axes[0, col].set_title(f"{s} steps", fontsize=10)
    axes[row, 0].set_ylabel(name, fontsize=9)
fig.suptitle("The same three noise images through each sampler")
fig.tight_layout()
"""),
("md", r"""
At 100 steps DDIM, Heun and DPM-Solver++ draw *the same* images: they solve the same ODE, and with
enough steps any solver finds its solution. DDPM draws different ones, because it adds fresh noise at every
step. With few steps the samplers part ways: at 4 steps DDPM's images are dim and DDIM's blurred, and Heun
breaks down altogether (its first step jumps from $\sigma = 157$ to 17, too far for the averaged slope to be
trusted); by 8 steps the two second-order solvers are close to their 100-step images. Look also at what
the three ODE solvers agree on at 100 steps and DDPM does not: grainy backgrounds, a dark image with a
small shape. Section 3 measures it.

## 3. Quality against steps

Two measurements for each sampler and step count, on all the samples just drawn:

* **valid-shape rate**: the share of samples the attribute reader (notebook 01) reads as one clean shape;
* **Fréchet distance (FD)**: fit a Gaussian to the features of the samples and another to those of real
  training images, and measure how far apart they are (the recipe of FID, Heusel et al. 2017). FID's
  Inception network knows nothing of this world, so the features come from a small CNN trained on clean
  rendered images to name shape, colour and size (`python -m toolkit.recipes.feature_classifier train`, 90 seconds on one core).
  FD shrinks as the number of samples grows, so the dotted line shows the FD of the same number of
  *real* images (the average of five draws): the best this measurement can say at this sample size.
"""),
("code", r"""
classifier = zoo.load("feature_classifier")
world = ShapesWorld(WorldConfig(frames=1))
real = features(classifier, world.sample(2000, seed=10**6, split="train").images)     # (2000, 128)
floor = sum(frechet_distance(features(classifier, world.sample(N, seed=10**6 + k, split="train").images), real)
            for k in range(1, 6)) / 5                                                # N real images against real

rate = {key: image_diffusion.valid_shape_rate(images) for key, images in samples.items()}
fd = {key: frechet_distance(features(classifier, images), real) for key, images in samples.items()}

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 3.8))
for name in SAMPLERS:
    ax1.plot(STEPS, [rate[name, s] for s in STEPS], "o-", label=name)
    ax2.plot(STEPS, [fd[name, s] for s in STEPS], "o-", label=name)
ax2.axhline(floor, color="grey", linestyle=":", label=f"{N} real images")
ax1.set(xscale="log", xlabel="sampling steps", ylabel="valid-shape rate", title="Reader: one clean shape?", ylim=(0, 1.02))
ax2.set(xscale="log", yscale="log", xlabel="sampling steps", ylabel="Fréchet distance (lower is better)",
        title="Feature statistics against real images")
ax2.yaxis.set_major_formatter(LogFormatter()), ax2.yaxis.set_minor_formatter(LogFormatter(minor_thresholds=(2, 0.4)))
for ax in (ax1, ax2):
    ax.set_xticks(STEPS, [str(s) for s in STEPS])
    ax.set_xticks([], minor=True)
    ax.legend(fontsize=8)
fig.suptitle(f"The shipped ε-model, {N} samples per point, the same noise for every point")
fig.tight_layout()
"""),
("md", r"""
Two things to read here. With 16 samples a point a rate is uncertain by about ±12 points (its standard error),
so read the trends; the rates quoted below were measured on 64 samples.

**How fast each sampler converges.** The second-order solvers reach their final quality in few steps:
Heun by about 6 steps (11 network calls), DPM-Solver++ by 10 to 12. DDIM, first order, needs 25 to 50,
and DDPM's random walk 100 or more. This is the rule of thumb behind "20 steps of DPM-Solver++".

**What each converges to.** The three ODE solvers converge to the *same* images, and with this model
those are worse than DDPM's: about two thirds valid (67% of 64 samples of DPM-Solver++ at 20 steps,
`assets/metrics/training_curve.json`) against DDPM's 97% at 250 steps (notebook 02), and a higher FD.
The ODE follows the network's errors faithfully from the first step to the last; DDPM's
fresh noise at every step washes out part of what earlier steps got wrong. Karras et al. (2022, Sec. 4)
found the same: stochastic sampling helps most when the denoiser is imperfect, and it costs steps. So
with this model "few steps" has a price: the ODE's quality takes 6 to 12 steps, but that is two thirds valid
shapes; 97% takes DDPM and 250 steps.
"""),
("md", r"""
## 4. Flow matching: a straight path and a velocity

DDPM's forward process shrinks the image while it adds noise, $x_t = \sqrt{\bar\alpha_t}\,x_0 + \sqrt{1-\bar\alpha_t}\,\varepsilon$,
so the path from an image to its noise is an arc. **Rectified flow** (Liu et al. 2022) and **flow
matching** (Lipman et al. 2023) use the straight line between them instead, for $t$ from 0 (data) to 1 (noise):

$$x_t = (1 - t)\,x_0 + t\,\varepsilon, \qquad \frac{dx_t}{dt} = \varepsilon - x_0 =: u .$$

The network learns the velocity $u$ with the same squared error as before,
$\; L = \mathbb E\,\| u_\theta(x_t, t) - (\varepsilon - x_0) \|^2$, and sampling integrates
$dx/dt = u_\theta(x, t)$ from $t = 1$ to $0$, with Euler ($x' = x + (t' - t)\,u$) or Heun. In the library
the two objectives are the same loss function with another target and another path:
"""),
("code", r"""
# NBVAL_CHECK_OUTPUT
x0 = world.sample(2, seed=0).images
eps = torch.randn(x0.shape, generator=torch.Generator().manual_seed(0))
for objective in ("epsilon", "velocity"):
    path = image_diffusion.schedule(objective)
    target = prediction_target(x0, eps, objective, *path.coefficients(torch.tensor([0.3, 0.3])))
    print(f"{objective:>8} on {type(path).__name__:>16}: target = "
          f"{'eps' if torch.equal(target, eps) else 'eps - x0' if torch.equal(target, eps - x0) else '?'}")
"""),
("md", r"""
Training it is the code of notebook 02 with `objective="velocity"`: a few hundred steps live here (a
handful in fast mode), to watch the loss fall.
"""),
("code", r"""
# A short run by default; TOOLKIT_TRAIN=full: the shipped run (3,000 steps of 48 images, about an hour).
short = {"steps": pick(120, 4), "batch_size": 32}
config = image_diffusion.ImageDiffusionConfig(objective="velocity", **({} if train_full() else short))
live = image_diffusion.train_model(config)

losses = torch.tensor(live.losses)
fig, ax = plt.subplots(figsize=(7, 3))
ax.plot(losses, alpha=0.4, label="loss per step")
ax.plot(losses.cummin(0).values, label="lowest so far")
ax.set(xlabel="training step", ylabel="MSE to the velocity eps - x0",
       title=f"Training the velocity predictor ({config.steps} steps of {config.batch_size} images)")
ax.legend()
fig.tight_layout()
"""),
("md", r"""
The velocity loss starts higher than the noise loss of notebook 02 did (the target $\varepsilon - x_0$ carries the
image as well as the noise) and falls the same way. The shipped velocity model was trained exactly like the ε-model (same U-Net, same
3,000 steps of 48 images; `python -m toolkit.recipes.image_diffusion train --objective velocity`). Sample it with
flow Euler and flow Heun, on evenly spaced times, from the same noise as before:
"""),
("code", r"""
velocity_model = live.ema_model if train_full() else zoo.load("shapes_velocity_unet")
Dv = FlowDenoiser(velocity_model, "velocity")                 # D(x, t) = x - t * u(x, t)
FLOW_SAMPLERS = {"flow Euler": sample_flow_euler, "flow Heun": sample_flow_heun}

bar = tqdm(total=N * sum(CALLS[name](s) for name in FLOW_SAMPLERS for s in STEPS), desc="sampling", unit="img")
with torch.inference_mode():
    for name, sampler in FLOW_SAMPLERS.items():
        for steps in STEPS:
            samples[name, steps] = sampler(Dv, noise, flow_times(steps)).clamp(-1, 1)   # t = 1: pure noise
            bar.update(N * CALLS[name](steps))
bar.close()
for key in samples.keys() - rate.keys():
    rate[key] = image_diffusion.valid_shape_rate(samples[key])
    fd[key] = frechet_distance(features(classifier, samples[key]), real)

fig, axes = plt.subplots(2, len(SHOW), figsize=(2.9 * len(SHOW), 2.9), squeeze=False)
for row, name in enumerate(FLOW_SAMPLERS):
    for col, s in enumerate(SHOW):
        axes[row, col].imshow(to_numpy_image(torch.cat(list(samples[name, s][:3]), -1)), interpolation="nearest")
        axes[row, col].set_xticks([]), axes[row, col].set_yticks([])
        axes[0, col].set_title(f"{s} steps", fontsize=10)
    axes[row, 0].set_ylabel(name, fontsize=9)
fig.suptitle("The velocity model, from the same three noise images")
fig.tight_layout()
"""),
("md", r"""
Now all six curves together. Heun calls the network twice per step (once in its last), so the
horizontal axis is what sampling costs: **network calls** per image.
"""),
("code", r"""
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 3.8))
for name in CALLS:
    style = "s--" if name.startswith("flow") else "o-"
    calls = [CALLS[name](s) for s in STEPS]
    ax1.plot(calls, [rate[name, s] for s in STEPS], style, label=name)
    ax2.plot(calls, [fd[name, s] for s in STEPS], style, label=name)
ax2.axhline(floor, color="grey", linestyle=":", label=f"{N} real images")
ax1.set(xscale="log", xlabel="network calls per image", ylabel="valid-shape rate", ylim=(0, 1.02),
        title="Reader: one clean shape?")
ax2.set(xscale="log", yscale="log", xlabel="network calls per image", ylabel="Fréchet distance",
        title="Feature statistics against real images")
for axis in (ax1.xaxis, ax2.xaxis):                           # plain numbers on the log axes
    axis.set_major_formatter(LogFormatter()), axis.set_minor_formatter(LogFormatter())
ax2.yaxis.set_major_formatter(LogFormatter()), ax2.yaxis.set_minor_formatter(LogFormatter(minor_thresholds=(2, 0.4)))
ax1.legend(fontsize=8), ax2.legend(fontsize=8)
fig.suptitle("ε-model (solid) against velocity model (dashed): quality against cost")
fig.tight_layout()
"""),
("md", r"""
The velocity model (same U-Net, same training budget) does not share the ε-model's weakness: sampled
through its ODE it is about as good as DDPM at the most steps, and flow Heun gets there in a handful of steps,
flow Euler in a dozen or more. The fewest steps from which each sampler stays within 95% of its
own valid-shape rate at 100 steps, and of the best 100-step rate of its model
(`bench/bench_samplers.py` measures the same with more step counts, and FD thresholds too):
"""),
("code", r"""
top = STEPS[-1]
print(f"{'':>18} {f'valid at {top}':>12} {'95% of own':>11} {'95% of best':>12}")
for name in CALLS:
    family = [n for n in CALLS if n.startswith("flow") == name.startswith("flow")]   # samplers of one model
    best = max(rate[n, top] for n in family)
    own_ok = [s for s in STEPS if all(rate[name, t] >= 0.95 * rate[name, top] for t in STEPS if t >= s)]
    best_ok = [s for s in STEPS if all(rate[name, t] >= 0.95 * best for t in STEPS if t >= s)]
    print(f"{name:>18} {rate[name, top]:>12.0%} {min(own_ok):>11} {min(best_ok, default='never'):>12}")
"""),
("md", r"""
Two things differ between the two families: the training path and target, and the sampling grid (the
DDPM schedule's steps for the ε-model, even steps in $t$ for the flow model); and each is one training
run. So this compares the recipes as they are used, not the path alone. The next section isolates the
path, on a problem small enough to solve exactly.

## 5. Straight against curved, on a 2-D toy

Eight narrow Gaussian blobs on a circle: a distribution in two dimensions whose ideal denoiser
$\mathbb E[x_0 \mid x]$ is known in closed form (`toolkit/diffusion/toy.py`), so any sampler can run on it
with no network and no training error, and every path can be drawn.

First, the paths **training** uses: one image $x_0$ (here, one point), one noise $\varepsilon$, all noise
levels in between. The same points $x = x_0 + \sigma\varepsilon$ are shown in DDPM's coordinates,
$x_t = x/\sqrt{1+\sigma^2}$, and in flow matching's, $x_t = x/(1+\sigma)$ at $t = \sigma/(1+\sigma)$.
"""),
("code", r"""
toy = GaussianMixture.ring()                                  # 8 blobs of std 0.1 on a circle of radius 4
data = toy.sample(800, torch.Generator().manual_seed(0))
x0, eps = toy.sample(12, torch.Generator().manual_seed(1)), torch.randn(12, 2, generator=torch.Generator().manual_seed(2))
sigmas = torch.cat([torch.logspace(3, -3, 200, dtype=torch.float64), torch.zeros(1, dtype=torch.float64)])
pairs = x0 + sigmas[:, None, None].float() * eps               # (201, 12, 2) points x = x0 + sigma * eps

fig, axes = plt.subplots(1, 2, figsize=(10, 4.8))
for ax, (title, view) in zip(axes, [("DDPM / VP view: arcs", vp_coordinates), ("flow view: straight lines", flow_coordinates)]):
    ax.scatter(*data.T, s=2, color="lightgrey")
    path = view(pairs, sigmas)
    for b in range(12):
        ax.plot(path[:, b, 0], path[:, b, 1], lw=1.2)
    ax.scatter(*path[0].T, s=12, color="black", zorder=3, label="noise (start)")
    ax.set(title=title, aspect="equal", xlim=(-5, 5), ylim=(-5, 5))
axes[0].legend(loc="lower left", fontsize=8)
fig.suptitle("Training paths from one noise to one data point");
"""),
("md", r"""
Training pairs each data point with *random* noise, so what the network learns at a point $x$ is the
average over every pair whose path passes there. The paths a **sampler** follows are the solutions of
the probability-flow ODE that this average defines, and they are not the training paths. Below, 60 of
them, solved finely (Heun, 200 steps) and shown in both views, with two measures of bending:
"""),
("code", r"""
# NBVAL_CHECK_OUTPUT
fine = torch.cat([torch.logspace(2.3, -3, 200, dtype=torch.float64), torch.zeros(1, dtype=torch.float64)])
z = torch.randn(400, 2, generator=torch.Generator().manual_seed(3))
exact, ode = sample_heun(toy.denoise, z * fine[0], fine, return_trajectory=True)
views = {"DDPM / VP view": vp_coordinates(ode.x, fine), "flow view": flow_coordinates(ode.x, fine)}
for title, path in views.items():
    print(f"{title:>15}: largest distance from the straight chord {bend(path).median():.3f} x its length, "
          f"path length {straightness(path).median():.3f} x the chord (medians over 400 paths)")
"""),
("code", r"""
fig, axes = plt.subplots(1, 2, figsize=(10, 4.8))
for ax, (title, path) in zip(axes, views.items()):
    ax.scatter(*data.T, s=2, color="lightgrey")
    for b in range(60):
        ax.plot(path[:, b, 0], path[:, b, 1], lw=0.9)
    ax.scatter(*path[0, :60].T, s=8, color="black", zorder=3)
    ax.set(title=title, aspect="equal", xlim=(-5, 5), ylim=(-5, 5))
fig.suptitle("Sampling paths: the probability-flow ODE of the exact denoiser, from noise (black dots)");
"""),
("md", r"""
In both views a path first heads for the middle (with that much noise, the best guess of $x_0$ is the mean
of the data), then turns to the blob it ends in. Straight-line training does not make the sampling paths
perfectly straight: the turn, where the sample "decides", remains. But in the flow view the paths are
straight lines *between* decisions, and bend about half as far from their chords as in the VP view. (The
path-length ratio barely differs here, because the early run towards the middle and back, which the flow
view has, counts as length but not as bending.)

Why does straight matter? Euler's method steps along the current direction. On a straight line that
is exact, whatever the step size; on an arc it overshoots. Below, 4 Euler steps on the *same* ODE, the same
exact denoiser and the same noise levels, once in each view. (Euler in the flow view is `sample_flow_euler`,
and it is also DDIM: same points, other coordinates. Euler in the VP view is `toy.sample_vp_euler`.)
"""),
("code", r"""
few = sigmas_from_flow_times(flow_times(4) * fine[0] / (1 + fine[0]))    # 4 even steps in t, from the same start
_, straight_euler = sample_euler(toy.denoise, z * few[0], few, return_trajectory=True)   # = DDIM = flow Euler
_, vp_euler = sample_vp_euler(toy.denoise, z * few[0], few, return_trajectory=True)

fig, axes = plt.subplots(1, 2, figsize=(10, 4.8))
for ax, (title, view, euler) in zip(axes, [("Euler in the VP view", vp_coordinates, vp_euler),
                                           ("Euler in the flow view (= DDIM)", flow_coordinates, straight_euler)]):
    ax.scatter(*data.T, s=2, color="lightgrey")
    path, steps = view(ode.x, fine), view(euler.x, few)
    for b in range(12):
        line, = ax.plot(path[:, b, 0], path[:, b, 1], lw=0.8, alpha=0.6)
        ax.plot(steps[:, b, 0], steps[:, b, 1], "o--", color=line.get_color(), ms=4, lw=1.2)
    ax.set(title=title, aspect="equal", xlim=(-5, 5), ylim=(-5, 5))
fig.suptitle("4 Euler steps (dashed) beside the exact paths (thin), from the same noise")
fig.tight_layout()
"""),
("code", r"""
# NBVAL_CHECK_OUTPUT
print("mean distance from the exact endpoint (the blobs are 3 apart, their std is 0.1)")
print(f"{'steps':>6} {'VP view':>8} {'flow view':>10}")
for steps in (2, 3, 4, 6, 8, 16):
    grid = sigmas_from_flow_times(flow_times(steps) * fine[0] / (1 + fine[0]))
    errors = [(sampler(toy.denoise, z * grid[0], grid) - exact).norm(dim=1).mean() for sampler in (sample_vp_euler, sample_euler)]
    print(f"{steps:>6} {errors[0]:>8.3f} {errors[1]:>10.3f}")
"""),
("md", r"""
From 3 to 8 steps, Euler in the straight view lands closer, twice as close at 4 steps; by 16 steps
both have converged. With 2 steps both miss (the VP view by a little less), because no choice of
coordinates straightens the turn where a sample picks its blob. The same holds for images, where the
toy's blobs are the many different pictures the model can draw: straight paths between decisions make
cheap solvers accurate, and the decisions themselves are what still costs steps. Making *those* straight
needs more than a loss: rectified flow's "reflow" retrains on the model's own (noise, image) pairs, and
distillation teaches a student to jump in one step.

## Where this shows up in production
- **Samplers are interchangeable parts.** The Stable Diffusion pipelines in `diffusers` take any scheduler:
  DDIM, Euler, Heun, DPM-Solver++ (`DPMSolverMultistepScheduler`, "DPM++ 2M" in the popular UIs) turn
  a model trained on 1,000 DDPM steps into one that samples in 20 to 30. `toolkit.diffusion` has a
  `diffusers` adapter, and its schedulers are tested against these.
- **Flow matching is the training objective of the current generation**: Stable Diffusion 3
  (Esser et al. 2024, "Scaling rectified flow transformers", with a timestep shift, `FlowSchedule(shift=3)`
  here), FLUX.1, and video models such as Wan, HunyuanVideo and Movie Gen. They are sampled with flow
  Euler (`FlowMatchEulerDiscreteScheduler`, the default of the SD3 and FLUX pipelines) or with multistep
  solvers of the DPM-Solver family (Wan's pipeline uses UniPC), typically in 20 to 50 steps, with
  guidance (notebook 04).
- **Few-step generation** goes further with distillation (progressive distillation, consistency models,
  adversarial distillation as in SDXL-Turbo), trading training compute for one- to four-step sampling.

## Exercises
**1. One DDIM step by hand.** For Gaussian data the ideal denoiser is exact (`GaussianData`). Take one
DDIM step from $\sigma = 2$ to $\sigma' = 0.5$: $\hat x_0 = D(x, \sigma)$, $\hat\varepsilon = (x - \hat x_0)/\sigma$,
$x' = \hat x_0 + \sigma'\hat\varepsilon$.
"""),
("code", r"""
from toolkit.exercise_answers import check_exercise

gauss = GaussianData(mean=torch.tensor([1.0, -1.0]), std=torch.tensor([0.5, 2.0]))
x = torch.randn(4, 2, generator=torch.Generator().manual_seed(0)) * 2.0     # a batch at sigma = 2
x_next = None   # your code here, with gauss.denoise(x, 2.0)
check_exercise("03.1", x_next, gauss=gauss, x=x)
"""),
("md", r"""
**2. One flow Euler step by hand.** In flow coordinates a denoiser gives the velocity $u = (x - \hat x_0)/t$.
Take one Euler step from $t = 0.8$ to $t' = 0.6$ on the toy, with `toy.denoise_flow(x, t)`.
"""),
("code", r"""
x = torch.randn(4, 2, generator=torch.Generator().manual_seed(1))           # a batch at t = 0.8
x_flow_next = None   # your code here: x + (t' - t) * u
check_exercise("03.2", x_flow_next, toy=toy, x=x)
"""),
("md", r"""
**3. DDIM is flow Euler.** Run `sample_ddim` on the toy with `toy.denoise`, starting from `z[:8] * few[0]`
on the grid `few`, and show that it ends exactly where flow Euler does, started from the same point in
flow coordinates (`x / (1 + sigma)`) on the times $t = \sigma/(1+\sigma)$. Why must the endpoints agree?
(Hint: where is $\sigma = 0$ in the flow view?)
"""),
("code", r"""
ddim_end = None   # your code here: sample_ddim(toy.denoise, ...)
check_exercise("03.3", ddim_end, toy=toy, z=z, few=few)
"""),
]

if __name__ == "__main__":
    build(Path(__file__).resolve().parents[1] / "03_samplers_and_flow_matching.ipynb", CELLS)
