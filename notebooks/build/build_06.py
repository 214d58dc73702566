"""Builds notebooks/06_latent_diffusion.ipynb."""
from pathlib import Path

from nb import build

CELLS = [
("md", r"""
# 06 · Latent diffusion

Notebook 04 drew pictures from prompts with a U-Net that denoises **pixels**: every one of its 20 sampling
steps runs the whole network over 3 × 32 × 32 numbers, twice (classifier-free guidance). Notebook 05 built a
VAE that squeezes the same picture into a **latent** of 4 × 8 × 8 numbers and back, losing little. Latent
diffusion (Rombach et al. 2022, the paper behind Stable Diffusion) puts the two together: train the diffusion
model on latents, sample a latent, and run the decoder **once** at the end. Every production image and video
generator works this way. This notebook does it to the model of notebook 04 and measures what it saves.

**What you will build**
1. The **same text-to-image task on a smaller canvas**: what the denoiser sees in pixels and in latents.
2. The **latent U-Net trained live** for a moment, then the shipped one, drawing from the same prompts as
   the pixel model of notebook 04, side by side.
3. The **noise-to-image progression decoded from latents** at every step, as a figure and an animation,
   and the latent trajectory itself, channel by channel.
4. The **measured cost**: FLOPs and wall time per picture, pixel against latent, at the same prompt adherence,
   and a live re-count of the FLOPs.
"""),
("code", r"""
import inspect
import math

import matplotlib.pyplot as plt
import torch
from IPython.display import Markdown, display

from toolkit import checkpoints, zoo
from toolkit.recipes import text_to_image
from toolkit.data import ShapesWorld, WorldConfig
from toolkit.diffusion import FlowSchedule, Trajectory, q_sample
from toolkit.eval.cost import count_flops
from toolkit.pipelines import TextToImagePipeline
from toolkit.recipes.retrain import use_retrained
from toolkit.runtime import mode, pick
from toolkit.text import TextConditioner
from toolkit.viz import show_images, to_numpy_image
from toolkit.viz.animation import inline
from toolkit.viz.trajectory import progression_clip

plt.rcParams["figure.dpi"] = 72
print(mode())
# TOOLKIT_TRAIN=full retrains the shipped models this notebook loads (see its header); by default nothing.
use_retrained(["shapes_vae", "shapes_latent_text_unet"])
"""),
("md", r"""
## 1. Why latents: the same picture in fewer numbers

A diffusion model's cost is set by the size of what it denoises: every convolution and every attention layer
runs once per position, at every step. Two U-Nets of the same width and depth, one for pixels (the `cpu`
preset of notebooks 02 and 04: levels of 32, 16 and 8 pixels) and one for the shipped image VAE's latents
(the `latent-cpu` preset: levels of 8, 4 and 2 latent pixels):
"""),
("code", r"""
# NBVAL_CHECK_OUTPUT
vae = zoo.load("shapes_vae")                                   # the shipped image VAE of notebook 05, frozen
x_shape = (1, 3, 32, 32)
z_shape = vae.latent_shape(x_shape)                               # (1, 4, 8, 8)
for name, config, shape in (("pixel", text_to_image.TextToImageConfig(), x_shape),
                            ("latent", text_to_image.latent_config(), z_shape)):
    unet = text_to_image.make_model(config)                       # a fresh network: only its size matters here
    print(f"{name:>6} U-Net ({config.unet!r} preset): denoises {tuple(shape[1:])}, {math.prod(shape):,} numbers "
          f"per picture, with {sum(p.numel() for p in unet.parameters()):,} weights")
print(f"{math.prod(x_shape) / math.prod(z_shape):.0f} times fewer numbers; "
      f"{(32 * 32) // (8 * 8)} times fewer positions for every convolution")
"""),
("md", r"""
The two networks have about the same number of weights: the latent one is not smaller, it works on a
smaller canvas. A picture and its latent, and how the same ratio looks in production, where it matters far
more (a Wan 2.1 video of 81 frames at 480 × 832 is 97 million numbers in pixels):
"""),
("code", r"""
world = ShapesWorld(WorldConfig(frames=1))
x = world.sample(1, seed=3, split="all", shape="triangle", colour="green", size="large").images   # (1, 3, 32, 32)
z = vae.to_latent(x)                                              # (1, 4, 8, 8), scaled to about unit variance

left, middle, right = plt.figure(figsize=(13, 3.4), layout="constrained").subfigures(1, 3, width_ratios=[1, 1.1, 2.3])
ax = left.subplots()
ax.imshow(to_numpy_image(x[0]), interpolation="nearest")
ax.set_xticks([]), ax.set_yticks([])
left.suptitle("picture: 3 × 32 × 32 = 3,072 numbers", fontsize=10)
channels = middle.subplots(2, 2)
for c, ax in enumerate(channels.flat):
    shown = ax.imshow(z[0, c].numpy(), cmap="PuOr", vmin=-3, vmax=3, interpolation="nearest")
    ax.set_title(f"channel {c}", fontsize=8), ax.set_xticks([]), ax.set_yticks([])
middle.colorbar(shown, ax=channels, shrink=0.8, label="scaled latent value")
middle.suptitle("its latent: 4 × 8 × 8 = 256", fontsize=10)
ax = right.subplots()
sizes = {"ours, 32 × 32": (3 * 32 * 32, 4 * 8 * 8),
         "Stable Diffusion 1,\n512 × 512": (3 * 512 * 512, 4 * 64 * 64),
         "SD3 / Flux,\n1024 × 1024": (3 * 1024 * 1024, 16 * 128 * 128),
         "Wan 2.1 video,\n81 × 480 × 832": (3 * 81 * 480 * 832, 16 * 21 * 60 * 104)}
positions = torch.arange(len(sizes)).numpy()
ax.bar(positions - 0.2, [p for p, _ in sizes.values()], 0.4, label="pixels")
ax.bar(positions + 0.2, [l for _, l in sizes.values()], 0.4, label="latent")
for i, (p, l) in enumerate(sizes.values()):
    ax.text(i + 0.2, l * 1.3, f"{p / l:.0f}×", ha="center", fontsize=8)
ax.set_xticks(positions, list(sizes), fontsize=8)
ax.set(yscale="log", ylabel="numbers per sample", title="Numbers a denoiser works on (ratio above)")
ax.legend(fontsize=8);
"""),
("md", r"""
## 2. The recipe

Nothing in the diffusion code changes: the samplers of notebook 03 take a denoiser and a tensor of any shape.
What changes is *which* tensor. With the VAE's encoder $E$, decoder $D$ and scaling factor $s$ (notebook 05),
the text-conditioned flow-matching model of notebook 04 becomes

$$\text{training:}\quad z_0 = s\,E(x), \qquad z_t = (1 - t)\,z_0 + t\,\varepsilon, \qquad
L = \big\lVert v_\theta(z_t, t, c) - (\varepsilon - z_0)\big\rVert^2,$$

$$\text{sampling:}\quad z_1 \sim \mathcal N(0, I) \;\xrightarrow{\text{20 flow-Heun steps, guided by } c}\; z_0,
\qquad x = D(z_0 / s).$$

The VAE is frozen: it was trained first, on pictures alone, and the diffusion model never changes it. Each
training picture is encoded once per step and its latent drawn from $q(z \mid x)$, as LDM does
(`toolkit.recipes.text_to_image.batches`). The U-Net is the one of notebook 04 with two changes: 4 channels in and out,
and attention at every level, which at 8 × 8 and below is cheap (self-attention's cost grows with the square
of the number of positions: 64² against 1,024² at 32 × 32).

The key lines, read from the toolkit: a training batch is encoded by the frozen VAE (its `to_latent` samples
$q(z \mid x)$ and scales by $s$), and the loss is notebook 04's, unchanged, on the latent:
"""),
("code", r"""
source = inspect.getsource(text_to_image.batches)
print(source[source.index("    def batch(k)"):])
print(inspect.getsource(type(vae).to_latent))
source = inspect.getsource(text_to_image.loss_function)
print(source[source.index("    def loss("):])
"""),
("md", r"""
**What the denoiser sees.** One picture noised to the same flow times in pixels and in latents. The latent
row is decoded to be seen: noise in latent space is not per-pixel snow but coloured blobs, because every
latent value paints a 4 × 4 patch through the decoder.
"""),
("code", r"""
times = torch.tensor([0.0, 0.2, 0.4, 0.6, 0.8, 1.0])
g = torch.Generator().manual_seed(0)
x_t = q_sample(x.expand(len(times), -1, -1, -1), times, FlowSchedule(), generator=g)      # (6, 3, 32, 32)
z_t = q_sample(z.expand(len(times), -1, -1, -1), times, FlowSchedule(), generator=g)      # (6, 4, 8, 8)
with torch.no_grad():
    z_t_decoded = vae.from_latent(z_t).clamp(-1, 1)

fig, axes = plt.subplots(3, len(times), figsize=(1.5 * len(times) + 1, 5), layout="constrained")
for j, t in enumerate(times):
    axes[0, j].imshow(to_numpy_image(x_t[j]), interpolation="nearest")
    shown = axes[1, j].imshow(z_t[j, 0].numpy(), cmap="PuOr", vmin=-3, vmax=3, interpolation="nearest")
    axes[2, j].imshow(to_numpy_image(z_t_decoded[j]), interpolation="nearest")
    axes[0, j].set_title(f"t = {float(t):.1f}", fontsize=9)
fig.colorbar(shown, ax=axes[1], shrink=0.8, label="latent value")
for ax, name in zip(axes[:, 0], ("pixels x_t", "latent z_t,\nchannel 0", "decoded D(z_t / s)")):
    ax.set_ylabel(name, fontsize=9)
for ax in axes.flat:
    ax.set_xticks([]), ax.set_yticks([])
fig.suptitle("The forward process in pixels and in latents (same t, same picture)");
"""),
("md", r"""
## 3. Training it, live

A short run of the shipped recipe (`text_to_image.latent_config()`): fresh pictures of the training split and
their captions at every step, encoded by the frozen text encoder and the frozen VAE, one caption in ten
replaced by the empty prompt for classifier-free guidance. The shipped model ran the same loop for 4,000 steps
(`python -m toolkit.recipes.text_to_image train --latent`); its final loss is the dotted line.
"""),
("code", r"""
text = TextConditioner.from_pretrained()                          # the frozen text encoder of notebook 04
live_config = text_to_image.latent_config(steps=pick(150, 20))
result = text_to_image.train_model(live_config, text)
latent_manifest = zoo.manifest(text_to_image.LATENT_NAME)

fig, ax = plt.subplots(figsize=(6.5, 3.2))
ax.plot(result.losses, lw=1, label=f"live: {live_config.steps} steps")
ax.axhline(latent_manifest["metrics"]["final_loss_mean_last_100"], color="C1", ls=":",
           label=f"shipped: mean of its last 100 of {latent_manifest['config']['steps']:,} steps")
ax.set(ylim=(0, 2.4), xlabel="step", ylabel="loss: MSE to ε − z₀",
       title=f"Latent flow matching, batches of {live_config.batch_size} pictures")
ax.legend(fontsize=8)
fig.tight_layout()
"""),
("md", r"""
The loss starts near 2, the variance of the target $\varepsilon - z_0$ when the network knows nothing (both
have about unit variance: that is what the scaling factor is for). It is not comparable with notebook 04's
pixel loss, which ends ten times lower (0.026 against 0.27): most pixels of a picture are flat background and
easy to predict, while every latent value carries information about its 4 × 4 patch. What the live model draws
after its short run
(decoded by the same VAE):
"""),
("code", r"""
prompts = ["a large blue square", "a small yellow circle", "a big magenta cross", "a red triangle"]
live_pipe = TextToImagePipeline(result.ema_model, text, vae=vae)  # the live U-Net, the text encoder and the VAE
steps = pick(20, 6)
show_images(live_pipe(prompts, seed=0, steps=steps).images, titles=prompts, columns=4, size=1.7,
            suptitle=f"The live latent model after {live_config.steps} steps");
"""),
("md", r"""
After so short a run the model has learnt the easy part, a dark background with one blob of colour on it, and
sometimes the colour the prompt asks for; shapes, sizes and the right colour every time come with the rest of
the shipped model's 4,000 steps.

## 4. The shipped model: pixels and latents from the same prompts

Both shipped pipelines, reading the prompt with the same frozen text encoder, 20 flow-Heun
steps, classifier-free guidance at $s = 2$. The last prompt names a (colour, shape) pair held out of training:
neither model ever saw a red triangle.
"""),
("code", r"""
pixel_pipe = TextToImagePipeline.from_pretrained(classifier=False)   # notebook 04's model
latent_pipe = TextToImagePipeline.from_pretrained("shapes_latent_text_unet")       # shapes_latent_text_unet + shapes_vae
pipes = {"pixel U-Net (notebook 04)": pixel_pipe, "latent U-Net + VAE decoder": latent_pipe}
show = ["a large blue square", "a small yellow circle", "a big magenta cross", "a tiny cyan triangle",
        "a green square", "a red triangle"]
grid = {name: pipe(show, seed=0, steps=steps, num_images=4).images for name, pipe in pipes.items()}

fig, axes = plt.subplots(len(show), 2, figsize=(10, 1.25 * len(show) + 0.6), squeeze=False)
for col, (name, images) in enumerate(grid.items()):
    for row, prompt in enumerate(show):
        strip = torch.cat([torch.nn.functional.pad(im, (1, 1), value=1.0) for im in images[4 * row:4 * row + 4]], -1)
        axes[row, col].imshow(to_numpy_image(strip), interpolation="nearest")
        axes[row, col].set_xticks([]), axes[row, col].set_yticks([])
        axes[row, 0].set_ylabel(prompt, fontsize=8, rotation=0, ha="right", va="center")
    axes[0, col].set_title(name, fontsize=10)
fig.suptitle(f"Four pictures per prompt, {steps} steps, s = 2 "
             "(the noise differs: pixels and latents have different shapes)")
fig.tight_layout()
"""),
("md", r"""
Both draw what is asked, including the held-out pair. Whether they do so equally often is measured in
section 7, over 300 prompts in wordings neither model ever read.

## 5. From noise to picture, decoded at every step

The latent pipeline's trajectory lives in latent space: `out.trajectory.x` holds the state $z_t$ at every
step and `out.trajectory.denoised` the model's current guess of the finished latent, $\hat z_0$. Neither is a
picture until the decoder makes it one. Decoding every step (two batched decoder calls) shows the progression;
the pixel model's, from the same prompt, above it for comparison:
"""),
("code", r"""
prompt = "a large green triangle"
pixel_path = pixel_pipe(prompt, seed=3, steps=steps, return_trajectory=True).trajectory   # x: (steps + 1, 1, 3, 32, 32)
latent_path = latent_pipe(prompt, seed=3, steps=steps, return_trajectory=True).trajectory # x: (steps + 1, 1, 4, 8, 8)
# (N, B, 4, 8, 8) latents -> (N, B, 3, 32, 32) pictures, all N steps in one decoder call
decode_all = lambda zs: latent_pipe.decode(zs.flatten(0, 1)).unflatten(0, zs.shape[:2])
decoded_path = Trajectory(latent_path.sigmas, decode_all(latent_path.x), decode_all(latent_path.denoised), flow=True)

rows = {"pixels: x_t": pixel_path.x, "pixels: x̂₀": pixel_path.denoised,
        "latents: D(z_t)": decoded_path.x, "latents: D(ẑ₀)": decoded_path.denoised}
fig, axes = plt.subplots(4, steps + 1, figsize=(0.5 * (steps + 1) + 1.1, 3.0), squeeze=False)
for r, (name, images) in enumerate(rows.items()):
    for j in range(steps + 1):
        ax = axes[r, j]
        ax.set_xticks([]), ax.set_yticks([])
        if j < len(images):
            ax.imshow(to_numpy_image(images[j, 0]), interpolation="nearest")
        else:
            ax.axis("off")
    axes[r, 0].set_ylabel(name, fontsize=8, rotation=0, ha="right", va="center")
for j in range(steps + 1):
    axes[0, j].set_title(f"{float(latent_path.sigmas[j]):.2f}", fontsize=7)
fig.suptitle(f"'{prompt}': every step (flow time t above; the guesses x̂₀, ẑ₀ are made at steps 0 to {steps - 1})",
             fontsize=10)
fig.subplots_adjust(left=0.1, right=0.99, top=0.84, bottom=0.02, wspace=0.05, hspace=0.08);
"""),
("code", r"""
clip = torch.cat([progression_clip(pixel_path), progression_clip(decoded_path)])   # (2, 3, steps + 2, 32, 65)
display(inline(clip, fps=4, scale=3, title="pixels: x_t | x̂₀        latents, decoded: D(z_t) | D(ẑ₀)"))
"""),
("md", r"""
The two agree on the broad course: the guess of the finished picture settles the colour and the place of the
shape within the first few steps (the latent model's first guesses are blurrier, and it commits a step or two
later), and the remaining steps refine it. They differ in what the noise looks like. In pixels, $x_t$ is the
picture under per-pixel snow that fades away. In latents, the decoded state $D(z_t)$ starts as a patchwork of
coloured strokes (the decoder was trained on clean latents only, so it paints random ones as the strokes
it knows), and from about $t = 0.4$ on it already looks finished: a little noise in the latent decodes to a
slightly shifted picture, not to snow.

## 6. The trajectory itself: latent channels

What the sampler actually moves are the 4 × 8 × 8 numbers below, drawn as in notebook 05 (orange and purple
are the two signs). The last column is the latent of a real picture of the same prompt, encoded by the VAE:
where the sampler is heading.
"""),
("code", r"""
picks = torch.linspace(0, steps, 6).round().long().tolist()
real = world.sample(1, seed=11, split="all", shape="triangle", colour="green", size="large").images
columns = [(f"step {i}, t = {float(latent_path.sigmas[i]):.2f}", latent_path.x[i, 0], decoded_path.x[i, 0])
           for i in picks]
columns.append(("a real picture's latent", vae.to_latent(real)[0], real[0]))

fig, axes = plt.subplots(5, len(columns), figsize=(1.45 * len(columns) + 0.8, 6.4), layout="constrained")
for j, (name, latent, picture) in enumerate(columns):
    for c in range(4):
        shown = axes[c, j].imshow(latent[c].numpy(), cmap="PuOr", vmin=-3, vmax=3, interpolation="nearest")
    axes[4, j].imshow(to_numpy_image(picture), interpolation="nearest")
    axes[0, j].set_title(name, fontsize=8)
for c in range(4):
    axes[c, 0].set_ylabel(f"channel {c}", fontsize=8)
axes[4, 0].set_ylabel("decoded", fontsize=8)
for ax in axes.flat:
    ax.set_xticks([]), ax.set_yticks([])
fig.colorbar(shown, ax=axes[:4], shrink=0.6, label="scaled latent value")
fig.suptitle(f"'{prompt}': the latent z_t the sampler moves, and its decoding");
"""),
("md", r"""
At $t = 1$ the channels are independent noise. As $t$ falls, the background settles to the flat values every
channel holds for an empty patch (about 0 in channels 0 and 1, a little below 0 in channels 2 and 3), and a
compact pattern grows where the shape will be: that pattern, spread
over the four channels, *is* the green triangle to the decoder. The generated latent and the encoded real
one share that structure. A network that denoises 8 × 8 maps of this kind needs fewer positions, not fewer
ideas: the layout is still spatial, which is why the same U-Net architecture works on both.

## 7. What it costs, measured

The promise of latent diffusion is cost, so it is measured, not assumed, by one script
(`python -m toolkit.experiments.latent_cost`, `toolkit/eval/cost.py`) that runs both pipelines side by side in one process:

* **FLOPs per picture**, counted by PyTorch's `torch.utils.flop_counter` over one whole call (text encoder,
  20 flow-Heun steps of the guided U-Net, and for latents the decoder), for a batch of 16 prompts, divided by 16;
* **wall time per picture**: the median of 5 calls of 16 prompts (throughput) and of one prompt (latency),
  the two pipelines' calls interleaved so that a change in the machine's load hits both alike;
* **prompt adherence** at the same setting, judged by the attribute reader on the held-out prompt sets of
  notebook 04: 200 prompts in unseen wordings and 100 naming held-out (colour, shape) pairs.
"""),
("code", r"""
cost = checkpoints.metrics("latent_cost")
measured, ratio = cost["rows"], cost["pixel_over_latent"]
names = list(measured)                                            # ["pixel", "latent"]

lines = ["| | GFLOP per picture | ms per picture (batch of 16) | ms for one picture "
         "| joint adherence, unseen wordings | joint adherence, held-out pairs |",
         "|---|---:|---:|---:|---:|---:|"]
for name in names:
    r = measured[name]
    lines.append(f"| **{name}** | {r['flops_per_picture'] / 1e9:.2f} | {1000 * r['seconds_per_picture_batched']:.1f} | "
                 f"{1000 * r['seconds_single_picture']:.0f} | {r['adherence']['wording']['joint']:.1%} | "
                 f"{r['adherence']['combination']['joint']:.1%} |")
lines.append(f"| **pixel / latent** | **{ratio['flops']:.1f}×** | **{ratio['seconds_batched']:.1f}×** | "
             f"**{ratio['seconds_single']:.1f}×** | latent {ratio['joint_points_wording']:+.1f} points | "
             f"latent {ratio['joint_points_combination']:+.1f} points |")
display(Markdown("\n".join(lines)))
print(f"{cost['steps']} {cost['sampler']} steps, classifier-free s = {cost['guidance_scale']}, "
      f"{cost['threads']} CPU thread(s); command: {cost['command']}")
for name in names:
    r = measured[name]
    print(f"{name:>6}: {r['flops_per_picture'] / r['seconds_per_picture_batched'] / 1e9:.0f} GFLOP/s in batches of 16, "
          f"{r['flops_per_picture'] / r['seconds_single_picture'] / 1e9:.1f} GFLOP/s for one picture")
"""),
("code", r"""
fig, axes = plt.subplots(1, 3, figsize=(14, 3.8))
parts = {"FlowTime": "U-Net (all steps)", "TextEncoder": "text encoder", "Decoder": "VAE decoder"}
bottom = torch.zeros(len(names))
for module, label in parts.items():
    gflop = torch.tensor([measured[n]["flops_by_module"].get(module, 0.0) / 1e9 for n in names])
    axes[0].bar(names, gflop, bottom=bottom, label=label)
    bottom += gflop
for i, total in enumerate(bottom):
    axes[0].text(i, float(total), f"{float(total):.1f}", ha="center", va="bottom", fontsize=8)
axes[0].set(ylabel="GFLOP per picture", ylim=(0, 1.15 * float(bottom.max())),
            title=f"Computation: {ratio['flops']:.1f}× fewer FLOPs")
axes[0].legend(fontsize=8)

width, at = 0.38, torch.arange(len(names)).numpy()
for k, (key, label) in enumerate((("seconds_per_picture_batched", "per picture, batch of 16"),
                                  ("seconds_single_picture", "one picture alone"))):
    bars = axes[1].bar(at + (k - 0.5) * width, [1000 * measured[n][key] for n in names], width, label=label)
    axes[1].bar_label(bars, fmt="%.0f", fontsize=8)
axes[1].set_xticks(at, names)
axes[1].set(ylabel="milliseconds",
            title=f"Wall time: {ratio['seconds_batched']:.1f}× / {ratio['seconds_single']:.1f}× faster")
axes[1].legend(fontsize=8)

for k, (kind, label) in enumerate((("wording", "unseen wordings"), ("combination", "held-out pairs"))):
    bars = axes[2].bar(at + (k - 0.5) * width, [100 * measured[n]["adherence"][kind]["joint"] for n in names], width,
                       label=label)
    axes[2].bar_label(bars, fmt="%.1f", fontsize=8)
axes[2].set_xticks(at, names)
axes[2].set(ylabel="joint adherence (%)", ylim=(0, 125), title="Quality: does it draw what was asked?")
axes[2].legend(fontsize=8, loc="upper center", ncols=2)
fig.suptitle("Pixel against latent text-to-image, measured in one run")
fig.tight_layout()
"""),
("code", r'''
# The prose of this section, its numbers formatted from the same table (typed numbers would drift from it).
cost = checkpoints.metrics("latent_cost")
pixel, latent, ratio = cost["rows"]["pixel"], cost["rows"]["latent"], cost["pixel_over_latent"]
unet_ratio = pixel["flops_by_module"]["FlowTime"] / latent["flops_by_module"]["FlowTime"]
decoder = latent["flops_by_module"]["Decoder"]
rate = {name: r["flops_per_picture"] / r["seconds_per_picture_batched"] for name, r in cost["rows"].items()}
gap = max(abs(ratio["joint_points_wording"]), abs(ratio["joint_points_combination"]))
display(Markdown(f"""
What the measurement says ({cost['threads']} CPU thread, on a machine busy with other work, which is why the script
interleaves the two pipelines and only the ratios mean anything):

* **{ratio['flops']:.0f} times fewer FLOPs, not 16.** The latent U-Net alone does {unet_ratio:.1f} times less work: its
  convolutions see 16 times fewer positions, but it attends at every level, where the pixel U-Net attends only at
  8 × 8 and below. The decoder, run once, adds {decoder / latent['flops_per_picture']:.0%} to the latent pipeline
  ({decoder / 1e9:.1f} of {latent['flops_per_picture'] / 1e9:.1f} GFLOP); the text encoder is negligible in both.
* **{ratio['seconds_batched']:.1f} times faster per picture in batches of 16**, not {ratio['flops']:.0f}: a CPU
  computes more slowly on small tensors (the rates under the table: the latent pipeline gets
  {rate['latent'] / rate['pixel']:.0%} of the pixel one's FLOPs per second).
* **Only {ratio['seconds_single']:.1f} times faster for a single picture.** One 4 × 8 × 8 latent (two, with guidance)
  is so little arithmetic that the latent U-Net's {2 * cost['steps'] - 1} evaluations are dominated by the fixed cost
  of each layer (Python, memory, dispatching every operation), and it has as many layers as the pixel one. Fewer
  FLOPs buy throughput at once; latency also needs batching, or a compiled and fused network (`torch.compile`,
  CUDA graphs on a GPU), which is what production servers add.
* **The same quality.** Joint adherence of the latent model is within {gap:.0f} point{'s' if round(gap) != 1 else ''} of
  the pixel model's on both prompt sets (the target was 3 points): the VAE loses nothing the attribute reader can see
  (notebook 05), and the diffusion model working in its latent loses nothing either.
"""))
''', ["measured-prose"]),
("md", r"""
**Counting again, live.** FLOPs do not depend on the machine, so they can be re-counted here in seconds and
must agree with the table: `count_flops` wraps one call of each pipeline in `torch.utils.flop_counter` and
reports the total and each top-level module's share.
"""),
("code", r"""
two = ["a small red circle", "a big blue square"]
recount = {name: count_flops(lambda: pipe(two, seed=0, steps=cost["steps"], guidance_scale=cost["guidance_scale"]))
           for name, pipe in zip(names, (pixel_pipe, latent_pipe))}
for name, counts in recount.items():
    per_picture = {module: flops / len(two) / 1e9 for module, flops in counts.items()}
    print(f"{name:>6}: {per_picture['total']:6.2f} GFLOP per picture (table: "
          f"{measured[name]['flops_per_picture'] / 1e9:.2f}); by module: "
          + ", ".join(f"{m} {v:.3f}" for m, v in per_picture.items() if m != "total"))
print(f"pixel / latent: {recount['pixel']['total'] / recount['latent']['total']:.1f}×")
"""),
("md", r"""
## Where this shows up in production

* **Stable Diffusion** (Rombach et al. 2022) is this notebook at scale: a VAE with $f = 8$ and 4 channels
  (512 × 512 × 3 → 64 × 64 × 4, 48 times fewer numbers), an 860 M-parameter U-Net with cross-attention to the
  prompt's CLIP tokens on the latents, and the decoder run once. The LDM paper measured the trade-off we
  measured: at $f = 1$ (pixels) training was slow and sampling costly; $f = 4$ to $16$ kept quality and cut the
  compute by an order of magnitude; $f = 32$ lost too much in the autoencoder.
* **Stable Diffusion 3 and Flux** keep the recipe and change its parts: a 16-channel latent, a transformer
  (MMDiT) instead of the U-Net, and rectified flow, the same flow-matching objective as ours, in place of DDPM.
* **The video models** (CogVideoX, Wan, HunyuanVideo, Open-Sora, and Sora's "video compression network")
  diffuse in the latent of a causal video VAE like notebook 05's, 4× in time and 8 × 8 in space: a
  five-second 720p clip shrinks from about 330 million numbers to a few million, and only that makes
  fifty denoising steps of a multi-billion-parameter transformer affordable. There the decoder is no longer
  negligible (decoding a long high-resolution clip is itself heavy), so it is run in tiles and chunks, once.

Notebook 07 moves from pictures to clips, and notebook 08 replaces the U-Net with the latent video
transformer those models use.

## Exercises

**1. Why 16 times.** A 3 × 3 convolution with $C_\text{in}$ input and $C_\text{out}$ output channels, applied
at every position of an $H \times W$ map, does $C_\text{in} C_\text{out} \cdot 9$ multiply-adds per position, and
`flop_counter` counts 2 FLOPs per multiply-add. Compute the FLOPs of the convolution below on a 32 × 32 map
and on an 8 × 8 map (one picture each), and their ratio.
"""),
("code", r"""
from toolkit.exercise_answers import check_exercise

conv = torch.nn.Conv2d(64, 64, kernel_size=3, padding=1)
flops_32 = None   # your code here
flops_8 = None    # your code here
check_exercise("06.1a", flops_32, conv=conv)
check_exercise("06.1b", flops_8, conv=conv)
"""),
("md", r"""
**2. One training example, by hand.** Latent diffusion's training step of section 2, for the pictures `x`
at flow times `t` with the noise `eps`: encode with the VAE (use `vae.to_latent(x)` without a generator,
which returns the posterior's mean, already scaled), noise the latent to $z_t$, and compute the velocity
target the U-Net must predict.
"""),
("code", r"""
x = world.sample(3, seed=7).images                                # (3, 3, 32, 32) training pictures
t = torch.tensor([0.1, 0.5, 0.9])
eps = torch.randn(3, 4, 8, 8, generator=torch.Generator().manual_seed(0))
z_t = None      # your code here
target = None   # your code here
check_exercise("06.2a", z_t, vae=vae, x=x, t=t, eps=eps)
check_exercise("06.2b", target, vae=vae, x=x, t=t, eps=eps)
"""),
("md", r"""
**3. How many latent steps for the price of the pixel model?** From the measured table's FLOPs
(`measured[...]["flops_by_module"]`), work out how many sampling steps the latent pipeline could take for the
FLOPs the pixel pipeline spends on its 20 steps. Count the latent U-Net's cost per step as its FLOPs over
`cost["steps"]`, and its text encoder and decoder as paid once, whatever the number of steps.
"""),
("code", r"""
break_even_steps = None   # your code here
check_exercise("06.3", break_even_steps, measured=measured, cost=cost)
"""),
]

if __name__ == "__main__":
    build(Path(__file__).resolve().parents[1] / "06_latent_diffusion.ipynb", CELLS)
