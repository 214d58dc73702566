"""Builds notebooks/02_diffusion_from_scratch.ipynb."""
from pathlib import Path

from nb import build

CELLS = [
("md", r"""
# 02 · Diffusion from scratch

In notebook 01 a network learned to remove noise of a *known* strength from a photo. A diffusion model
is that same denoiser, trained at every noise level from a whisper to pure static, and then run
backwards: start from static, remove a little noise, repeat, until an image is left that nobody drew.

**What you will build**
1. The **forward process**: how an image of the shapes world dissolves into noise, step by step, and
   the signal-to-noise ratio that measures it.
2. The **training objective**: predict the noise that was added. You train a U-Net on it, live.
3. **DDPM sampling** with the shipped model (trained with the same code for longer): the
   noise-to-image progression, animated, and a slider to scrub through it.
4. A **measurement** of what came out: does each sample read as one clean shape?
"""),
("code", r"""
import matplotlib.pyplot as plt
import torch

from toolkit import zoo
from toolkit.recipes import image_diffusion
from toolkit.data import ShapesWorld, WorldConfig
from toolkit.diffusion import ddpm_schedule, ddpm_sigmas, predict_x0, q_sample, sample_ddpm, snr
from toolkit.eval import read_images
from toolkit.runtime import mode, pick
from toolkit.viz import animation, show_images
from toolkit.viz.figures import to_numpy_image
from toolkit.viz.trajectory import progression_clip, progression_figure, timestep_scrubber

plt.rcParams["figure.dpi"] = 80
print(mode())
"""),
("md", r"""
## 1. The forward process: dissolving an image

DDPM (Ho et al., 2020) adds Gaussian noise in $T = 1000$ small steps with variances $\beta_1, \dots, \beta_T$
(a **linear schedule** from $10^{-4}$ to $0.02$). Because Gaussians add up, any step can be reached in one go:

$$x_t = \sqrt{\bar\alpha_t}\, x_0 + \sqrt{1 - \bar\alpha_t}\, \varepsilon, \qquad \bar\alpha_t = \prod_{s \le t} (1 - \beta_s), \quad \varepsilon \sim \mathcal N(0, I).$$

The image's share shrinks as $\sqrt{\bar\alpha_t}$ while the noise's grows as $\sqrt{1-\bar\alpha_t}$;
the variance stays one throughout ("variance preserving").
"""),
("code", r"""
world = ShapesWorld(WorldConfig(frames=1, height=32, width=32))
images = world.sample(4, seed=0).images                      # (4, 3, 32, 32) in [-1, 1]
schedule = ddpm_schedule("linear")                            # 1000 steps, beta from 1e-4 to 0.02
noise = torch.randn(images.shape, generator=torch.Generator().manual_seed(0))
times = [0, 50, 100, 200, 300, 500, 700, 999]

noisy = torch.stack([q_sample(images, t, schedule, noise=noise) for t in times], 1)   # (4, 8, 3, 32, 32)
show_images(noisy.flatten(0, 1).clamp(-1, 1), titles=[f"t = {t}" for t in times] * 4, columns=8,
            suptitle="The forward process q(x_t | x_0): the same noise, growing");
"""),
("md", r"""
By $t = 300$ the shape is barely visible; by $t = 500$ it is gone to the eye. The **signal-to-noise
ratio** $\mathrm{SNR}(t) = \bar\alpha_t / (1 - \bar\alpha_t)$ says how much: it falls by nine orders of
magnitude. The **cosine schedule** (Nichol & Dhariwal, 2021) spends fewer steps on hopeless noise.
"""),
("code", r"""
t = torch.arange(1000)
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 3.3))
for name in ("linear", "cosine"):
    s = ddpm_schedule(name)
    ax1.plot(t, s.alphas_cumprod.sqrt(), label=f"{name}: signal share sqrt(alpha_bar)")
    ax2.semilogy(t, snr(s, t.double()), label=name)
ax1.set(xlabel="timestep t", ylabel="coefficient of x_0", title="How much of the image is left")
ax2.set(xlabel="timestep t", ylabel="SNR (log scale)", title="Signal-to-noise ratio")
ax2.axhline(1, color="grey", linestyle=":", label="SNR = 1")
ax1.legend(), ax2.legend()
fig.tight_layout()
"""),
("md", r"""
## 2. The training objective: guess the noise

Pick an image $x_0$, a time $t$ and noise $\varepsilon$; make $x_t$; ask a network $\varepsilon_\theta(x_t, t)$
what noise was added. The loss is the mean squared error (Ho et al., 2020, eq. 14):

$$L = \mathbb E_{x_0, t, \varepsilon}\, \big\| \varepsilon - \varepsilon_\theta(x_t, t) \big\|^2 .$$

Knowing the noise is knowing the image: $\hat x_0 = (x_t - \sqrt{1-\bar\alpha_t}\,\hat\varepsilon) / \sqrt{\bar\alpha_t}$.
So this is notebook 01's denoiser again, told the noise level $t$, trained on every level at once.

The network is a small **U-Net** (`toolkit/models/unet.py`, about 1.7 M parameters): convolutions that
shrink the image to 8 x 8 and grow it back, with skip connections, self-attention at the bottom, and the
time $t$ fed in as an embedding. The loss is `toolkit.diffusion.epsilon_loss`; the loop,
`toolkit.recipes.train.train`, adds AdamW, an exponential moving average of the weights (EMA) and checkpoints.
"""),
("md", r"""
Here is that loss, as `toolkit.diffusion.losses` computes it for every objective of the course (the
`prediction_target` of the epsilon objective is the noise itself):
"""),
("code", r"""
import inspect

from toolkit.diffusion import losses

print(inspect.getsource(losses.diffusion_loss))
"""),
("md", r"""
### Training it, and watching it learn

The cell below trains the noise predictor live: the **first 150 steps of the shipped run** (its recipe, its
seed, its batches of 48 images; nothing in a run depends on how long it will be, so these 150 steps are exactly
the shipped run's first 150). Every few steps a callback samples the model, always from the same noise, so you
watch it learn. With `TOOLKIT_TRAIN=full` the cell runs all 3,000 steps instead (about an hour on 2 cores),
and the rest of the notebook uses your model in place of the shipped one.

The grey curve is what to expect: the loss of the shipped run, redone and recorded with samples along the way
by `python -m toolkit.experiments.training_curve` (`assets/metrics/training_curve.json`). On a CPU your curve
lies exactly on it; on a GPU it wanders a little around it. A curve far above it is a bug.
"""),
("code", r"""
from toolkit import checkpoints
from toolkit.recipes.retrain import expected_minutes
from toolkit.runtime import train_full

reference = checkpoints.metrics("training_curve")
config = image_diffusion.ImageDiffusionConfig(objective="epsilon", **({} if train_full() else {"steps": pick(150, 8)}))
LOOKS = [s for s in (25, 50, 100, 150, 400, 800, 1600, 3000) if s <= config.steps] or [config.steps]
looks, guesses = {}, {}
test_images = world.sample(8, seed=99).images                   # pictures the run never trains on
test_noise = torch.randn(test_images.shape, generator=torch.Generator().manual_seed(1))
test_noisy = q_sample(test_images, 300, schedule, noise=test_noise)


@torch.no_grad()
def look(step, ema_model):                       # called by the training loop after every step
    if step in LOOKS:
        # Its one-step guess of the clean picture from a noisy one (t = 300), as in notebook 01: a sign of learning
        # long before its samples show one. Then 8 samples from the same static, x0 clipped to [-1, 1].
        t = torch.full((8,), 300.0)
        guesses[step] = predict_x0(ema_model(test_noisy, t), "epsilon", test_noisy, *schedule.coefficients(t.double()))
        looks[step] = image_diffusion.generate(ema_model, "epsilon", n=8, steps=20, seed=0, clip=True)


if train_full():
    print(f"The whole shipped run: {config.steps} steps, about {expected_minutes('shapes_epsilon_unet'):.0f} min "
          "on 2 cores (the time its manifest records).")
live = image_diffusion.train_model(config, callback=look)
"""),
("code", r"""
losses = torch.tensor(live.losses)
block = reference["loss_block"]
mine = losses[: len(losses) // block * block].view(-1, block).mean(1)
fig, ax = plt.subplots(figsize=(8, 3.2))
ax.plot((torch.arange(len(reference["loss"])) + 0.5) * block, reference["loss"], color="grey", lw=4, alpha=0.5,
        label=f"expected: the shipped run's first {reference['steps']} steps (means of {block})")
ax.axhline(reference["shipped_final_loss_mean_last_100"], color="grey", ls=":",
           label=f"where the shipped run ends ({reference['shipped_steps']} steps)")
ax.plot(losses, alpha=0.3, color="C0", label="your run, per step")
ax.plot((torch.arange(len(mine)) + 0.5) * block, mine, color="C0", label=f"your run, means of {block} steps")
ax.set(xlabel="training step", ylabel="MSE between true and predicted noise", yscale="log",
       xlim=(0, max(reference["steps"], config.steps)),
       title=f"Training the noise predictor (batches of {config.batch_size} images)")
ax.legend(fontsize=8);
"""),
("md", r"""
The loss falls fast at first (the network learns to say "mostly noise" at large $t$), then slowly, as it
learns what shapes look like. Two views of your model along the way: on the left its one-step guess of the
clean pictures from noisy ones (eight test pictures it never trains on, at $t = 300$), whose error (the mean
squared difference from the clean pictures) falls within a hundred steps; on the right its samples from pure static, beside the reference's measure of 64 samples at
the same step (the share the attribute reader sees as one clean shape), which take thousands:
"""),
("code", r"""
snapshots = {r["step"]: r for r in reference["snapshots"]}
steps_seen = sorted(looks)
fig, axes = plt.subplots(len(steps_seen) + 1, 2, figsize=(12, 1.1 * (len(steps_seen) + 1)), squeeze=False)
strip = lambda batch: to_numpy_image(torch.cat(list(batch.clamp(-1, 1)), -1))               # noqa: E731
error = lambda guess: f"error {(guess - test_images).pow(2).mean():.3f}"                   # noqa: E731
for ax, picture, label in ((axes[0, 0], test_noisy, f"noisy input\n(t = 300)\n{error(test_noisy)}"),
                           (axes[0, 1], test_images, "what it\nshould find")):
    ax.imshow(strip(picture), interpolation="nearest")
    ax.set_ylabel(label, rotation=0, ha="right", va="center", fontsize=8)
for row, step in enumerate(steps_seen, start=1):
    known = f"reference: {snapshots[step]['valid_clipped']:.0%} valid" if step in snapshots else ""
    axes[row, 0].imshow(strip(guesses[step]), interpolation="nearest")
    axes[row, 0].set_ylabel(f"step {step}\n{error(guesses[step])}", rotation=0, ha="right", va="center", fontsize=8)
    axes[row, 1].imshow(strip(looks[step]), interpolation="nearest")
    axes[row, 1].set_ylabel(f"step {step}\n{known}", rotation=0, ha="right", va="center", fontsize=8)
for ax in axes.flat:
    ax.set_xticks([]), ax.set_yticks([])
axes[0, 0].set_title("its guess of the clean picture from a noisy one: learnt early", fontsize=9)
axes[0, 1].set_title("samples from pure static (20 steps, x0 clipped): learnt late", fontsize=9)
fig.suptitle("Your model as it trains (the same pictures and the same noise each time)", fontsize=10)
fig.tight_layout()
"""),
("code", r'''
# The prose of the reference table, formatted from it.
from IPython.display import Markdown, display

from toolkit import checkpoints

reference = checkpoints.metrics("training_curve")
rows = ["| step | valid shapes, x0 clipped | valid, not clipped | pixel spread, not clipped |", "|---|---|---|---|"]
rows += [f"| {r['step']} | {r['valid_clipped']:.0%} | {r['valid_unclipped']:.0%} | {r['std_unclipped']:.2g} |"
         for r in reference["snapshots"]]
shipped = reference["shipped"]
rows.append(f"| {reference['shipped_steps']} (shipped) | {shipped['valid_clipped']:.0%} | "
            f"{shipped['valid_unclipped']:.0%} | {shipped['std_unclipped']:.2g} |")
early = next(r for r in reference["snapshots"] if r["step"] >= 150)
last = reference["snapshots"][-1]
display(Markdown("\n".join(rows) + f"""

*{reference['sampler']}; images live in [-1, 1], so their pixel spread is at most 1.*

**Samples of static after a short run are expected, not a bug.** A young model's guesses of the noise are off
by a little, and the sampler starts from noise of standard deviation $\\sigma_{{\\max}} = 157$ (section 3 says
why): a small error in the noise is then an error of many times the whole image. Unclipped, the samples after
{early['step']} steps have a pixel spread of {early['std_unclipped']:.2g}: static. Clipping the model's $\\hat x_0$
to the image range at every step (as diffusers' DDPM does by default) keeps them images, which is why the
samples above are clipped. Only training fixes the model, and slowly: after {last['step']} steps,
{last['valid_clipped']:.0%} of the samples are valid shapes; the shipped model, after {reference['shipped_steps']},
draws {shipped['valid_clipped']:.0%} with this fast sampler, clipped or not ({shipped['valid_unclipped']:.0%}), and
DDPM with many more steps does better (section 4).
"""))
''', ["measured-prose"]),
("md", r"""
## 3. DDPM sampling with the shipped model

The shipped checkpoint was trained with exactly this code for 3,000 steps of 48 images
(`python -m toolkit.recipes.image_diffusion train --objective epsilon`; its
manifest in `assets/checkpoints/` records the command, the config and the measured quality).

**DDPM ancestral sampling** (Ho et al., 2020, Algorithm 2) walks the chain backwards. At each step the
network's guess $\hat x_0$ gives the mean of the previous, slightly less noisy state, and fresh noise of
the right size is added:

$$x_{t-1} = \frac{\sqrt{\bar\alpha_{t-1}}\,\beta_t}{1-\bar\alpha_t}\hat x_0 + \frac{\sqrt{\alpha_t}(1-\bar\alpha_{t-1})}{1-\bar\alpha_t} x_t + \sqrt{\tilde\beta_t}\, z .$$

**Why the samplers start from noise of standard deviation 157.** The toolkit's samplers all work in one set of
coordinates (Karras et al. 2022): divide $x_t$ by $\sqrt{\bar\alpha_t}$, and

$$\frac{x_t}{\sqrt{\bar\alpha_t}} = x_0 + \sigma_t\, \varepsilon, \qquad \sigma_t = \sqrt{\frac{1-\bar\alpha_t}{\bar\alpha_t}} .$$

The image stays at its size and only the noise grows, from $\sigma_0 \approx 0.01$ to $\sigma_{999} \approx 157$
($\bar\alpha_{999} \approx 4 \cdot 10^{-5}$). It is the same chain, scaled: DDPM's update above becomes the
three lines of `sample_ddpm` below, and notebook 03's samplers drop into the same loop.
"""),
("code", r"""
from toolkit.diffusion import samplers

print(f"sigma at t = 0: {ddpm_sigmas(schedule, 1000)[-2]:.4f}, at t = 999: {ddpm_sigmas(schedule, 1000)[0]:.1f}")
print(inspect.getsource(samplers.sample_ddpm))
"""),
("code", r"""
# The shipped model, or yours with TOOLKIT_TRAIN=full (the same recipe, run here to the end).
model = live.ema_model if train_full() else zoo.load("shapes_epsilon_unet")   # hash-checked against its manifest
D = image_diffusion.denoiser(model, "epsilon")                # D(x, sigma) -> predicted x0
steps = pick(1000, 25)
sigmas = ddpm_sigmas(schedule, steps)                         # the noise levels the sampler visits
g = torch.Generator().manual_seed(1)
start = torch.randn(8, 3, 32, 32, generator=g) * sigmas[0]
with torch.no_grad():
    final, trajectory = sample_ddpm(D, start, sigmas, generator=g, return_trajectory=True, progress=True)
show_images(final, columns=8, suptitle=f"DDPM, {steps} steps, from pure noise");
"""),
("md", r"""
### The noise-to-image progression

Top row: the state $x_t$ as the sampler sees it. Middle: the network's guess of the final image,
$\hat x_0$, at that step. Bottom: the noise it thinks it sees. The guess is a blurry average of all
possible shapes at first, commits to a colour and a place early, and to a crisp outline late.
"""),
("code", r"""
progression_figure(trajectory, index=0, columns=9, title="x_t, predicted x0 and predicted noise along the chain");
"""),
("code", r"""
animation.inline(progression_clip(trajectory, indices=range(4), frames=60), fps=12, scale=5,
                 title="left: x_t   right: predicted x0")
"""),
("md", r"""
Scrub through the steps yourself (this needs a running kernel; on a repository page only the figures
above show):
"""),
("code", r"""
timestep_scrubber(trajectory, index=0)
"""),
("md", r"""
## 4. Is it any good? Ask the reader

Eyeballing is not measuring. The attribute reader from notebook 01 judges each sample: a sample is
**valid** when the reader finds one shape whose drawn template overlaps it by at least 80%.
"""),
("code", r"""
n = pick(64, 16)                                              # about 3 minutes on 2 cores
eval_steps = pick(250, 10)
g = torch.Generator().manual_seed(2)
eval_sigmas = ddpm_sigmas(schedule, eval_steps)
with torch.no_grad():
    batch = sample_ddpm(D, torch.randn(n, 3, 32, 32, generator=g) * eval_sigmas[0], eval_sigmas,
                        generator=g, progress=True)
rate = image_diffusion.valid_shape_rate(batch)
real_rate = image_diffusion.valid_shape_rate(world.sample(n, seed=3).images)
error = (rate * (1 - rate) / n) ** 0.5                       # the standard error of a share of n
print(f"valid single shapes: {rate:.0%} ± {error:.0%} of {n} DDPM samples ({eval_steps} steps); "
      f"{real_rate:.0%} of real images")
"""),
("code", r"""
readings = read_images(batch)
order = sorted(range(n), key=lambda i: readings[i].match)
worst, best = order[:8], order[-8:]
titles = [f"{readings[i].colour} {readings[i].shape}\nmatch {readings[i].match:.2f}" for i in worst + best]
show_images(batch[worst + best], titles=titles, columns=8,
            suptitle="The reader's verdict: 8 worst samples (top) and 8 best (bottom)");
"""),
("code", r"""
from toolkit.data import vocab

fig, axes = plt.subplots(1, 2, figsize=(10, 3))
for ax, key, names in zip(axes, ("shape", "colour"), (vocab.SHAPES, vocab.COLOUR_NAMES)):
    counts = torch.tensor([sum(getattr(r, key) == name for r in readings) for name in names], dtype=torch.float)
    ax.bar(names, counts / n, label="generated")
    ax.axhline(1 / len(names), color="grey", linestyle=":", label="uniform (roughly the training mix)")
    ax.set(ylabel="fraction of samples", title=f"Which {key}s the model draws")
    ax.legend(fontsize=8)
fig.tight_layout()
"""),
("md", r"""
The model has no prompt yet, so it draws whatever it likes; a healthy model draws every shape and colour
about as often as the training data has them. Notebook 04 adds the prompt.

## Where this shows up in production
Every image and video diffusion model, from DDPM to Stable Diffusion, Sora, Veo and Wan, trains some
version of this objective: noise the data at a random level, predict the noise (or a related target,
notebook 03), minimise the squared error. What changes is the data (latents instead of pixels, notebook
05), the network (transformers, notebook 08), and the guidance (notebook 04).

## Exercises
**1.** Compute $\bar\alpha_{500}$ for the linear schedule from `schedule.betas` yourself (hint:
`torch.cumprod`).
"""),
("code", r"""
from toolkit.exercise_answers import check_exercise

alpha_bar_500 = None   # your code here
check_exercise("02.1", alpha_bar_500, schedule=schedule)
"""),
("md", r"""
**2.** Noise `images` to $t = 250$ by hand with the formula of section 1 and the fixed `noise`, and
compare with `q_sample`.
"""),
("code", r"""
x_250 = None   # your code here
check_exercise("02.2", x_250, images=images, noise=noise, schedule=schedule)
"""),
("md", r"""
**3.** Sample `n` images with only 50 DDPM steps (`ddpm_sigmas(schedule, 50)`) as section 4 does (the same
`D`, a generator seeded with 2 for the start and the sampler), and measure their valid-shape rate with
`image_diffusion.valid_shape_rate`. How much worse is it than with `eval_steps` steps? Notebook 03 shows how
better samplers need far fewer steps.
"""),
("code", r"""
rate_50 = None   # your code here
check_exercise("02.3", rate_50, D=D, schedule=schedule, n=n)
"""),
]

if __name__ == "__main__":
    build(Path(__file__).resolve().parents[1] / "02_diffusion_from_scratch.ipynb", CELLS)
