"""Builds notebooks/05_latent_compression.ipynb."""
from pathlib import Path

from nb import build

CELLS = [
("md", r"""
# 05 · Latent compression

Every model so far worked on pixels: 3,072 numbers for one 32×32 picture, 49,152 for a clip of 16 frames.
A five-second 720p video at 24 frames a second is 330 million. No one runs fifty denoising steps of a large
network over that many numbers. Production systems first **compress** the video with an autoencoder,
diffuse in the small **latent** it produces, and decode once at the end. The article this course follows
compares it to streaming: video travels compressed and is decoded on arrival. This notebook builds the
compressor and measures what it costs, including against real video codecs.

**What you will build**
1. A **variational autoencoder** (VAE) for images, trained live for a moment, then the shipped one:
   what it keeps, what it throws away, and how much (PSNR, error maps).
2. Its **latent space** seen directly: channels as images, what one channel does, why latents are rescaled
   to unit variance, and a walk between two pictures' latents.
3. A **video VAE** that compresses time as well (16 frames become 4 latent frames) with **causal**
   convolutions, and what compressing time costs.
4. The **rate-distortion** plot: the VAEs' latents against JPEG and H.264, in bits per pixel.
5. A **latent explorer**: encode a clip, push its latent channels, decode.
"""),
("code", r"""
import inspect
import math

import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F
from IPython.display import display

from toolkit import checkpoints, zoo
from toolkit.recipes import autoencoder
from toolkit.data import ShapesWorld, WorldConfig
from toolkit.data.photos import center_crop, load_photo
from toolkit.eval import attribute_accuracy, codecs, read_clips
from toolkit.recipes.retrain import use_retrained
from toolkit.runtime import mode, pick
from toolkit.viz import show_images, to_numpy_image
from toolkit.viz.animation import inline
from toolkit.viz.latent_explorer import explorer_figure, latent_explorer, perturb_and_decode

plt.rcParams["figure.dpi"] = 72
print(mode())
# TOOLKIT_TRAIN=full retrains the shipped models this notebook loads (see its header); by default nothing.
use_retrained(["shapes_vae", "shapes_video_vae"])
"""),
("md", r"""
## 1. Squeeze and rebuild

An **autoencoder** is two networks trained as one: an encoder $E$ that maps a picture $x$ to a smaller
tensor $z = E(x)$, and a decoder $D$ that maps it back, trained so that $D(E(x)) \approx x$. What fits
through the bottleneck is kept; what does not is thrown away, and the training pictures decide which is
which. Ours are convolutional towers (`toolkit/models/vae.py`, after Rombach et al. 2022): each level halves
the height and width, two levels take 32×32 to 8×8, and the last convolution sets the number of latent
**channels**. The shapes of the two models of this notebook:
"""),
("code", r"""
# NBVAL_CHECK_OUTPUT
for kind in autoencoder.KINDS:
    config = autoencoder.make_config(kind)
    x_shape = autoencoder.picture_shape(config, 1)                   # (1, 3, H, W) or (1, 3, T, H, W)
    z_shape = autoencoder.make_model(config).latent_shape(x_shape)   # a fresh model: only its shapes matter
    print(f"{kind:>5} VAE: {tuple(x_shape[1:])} -> {tuple(z_shape[1:])}: "
          f"{math.prod(x_shape):,} numbers -> {math.prod(z_shape):,}, "
          f"{math.prod(x_shape) / math.prod(z_shape):.0f}x fewer")
"""),
("md", r"""
A **variational** autoencoder (Kingma & Welling 2014) makes the encoder answer with a distribution, a mean
and a standard deviation for every latent value, $q(z \mid x) = \mathcal N(\mu(x), \sigma^2(x))$, decodes a
sample of it, and adds a penalty for straying from the standard normal:

$$L = \underbrace{\tfrac1n\,\lVert D(z) - x\rVert^2}_{\text{reconstruction (MSE)}}
\;+\; \beta\,\tfrac1n\,\mathrm{KL}\big(q(z \mid x)\,\Vert\,\mathcal N(0, I)\big),
\qquad z \sim q(z \mid x),$$

with $n$ the number of values in $x$. The noise in $z$ forces nearby latents to decode to similar
pictures: a smooth space, which is what a diffusion model will need. With $\beta = 10^{-5}$, as small as in
production VAEs, the KL term mostly keeps the latents from growing without bound (section 3).

Both pieces have a closed form. The sample is drawn by the **reparameterisation trick**, so that gradients
reach $\mu$ and $\sigma$ through it, and the KL of one Gaussian value from $\mathcal N(0, 1)$ is a formula
(Kingma & Welling 2014, app. B), summed over the $m$ latent values $j$ of a picture:

$$z = \mu(x) + \sigma(x) \odot \varepsilon,\quad \varepsilon \sim \mathcal N(0, I), \qquad
\mathrm{KL}\big(q(z \mid x)\,\Vert\,\mathcal N(0, I)\big) = \frac12 \sum_{j=1}^{m}
\big(\mu_j^2 + \sigma_j^2 - 1 - \log \sigma_j^2\big).$$

Each term is 0 exactly when $\mu_j = 0$ and $\sigma_j = 1$. The encoder outputs $\log \sigma^2$ rather than
$\sigma$, so that $\sigma$ is positive whatever the network says. The recipe's loss (`error` is the mean squared error;
`kl()` sums over a picture's latent values and `.mean()` averages over the batch), then the posterior's `sample`
and `kl`, read from `toolkit/recipes/autoencoder.py` and `toolkit/models/vae.py`:
"""),
("code", r"""
from toolkit.models.vae import DiagonalGaussian

source = inspect.getsource(autoencoder.loss_function)
print(source[source.index("    def loss"):])
source = inspect.getsource(DiagonalGaussian.sample)
print(source[source.index("        device"):])                  # z = μ + σ·ε
source = inspect.getsource(DiagonalGaussian.kl)
print(source[source.index("        per_value"):])               # ½ Σ (μ² + σ² − 1 − log σ²)
"""),
("md", r"""
Quality is measured by the **peak signal-to-noise ratio**: for pictures in $[-1, 1]$ (a range of 2),
$\mathrm{PSNR} = 10 \log_{10}\!\big(2^2 / \mathrm{MSE}\big)$ dB. Every 3 dB halves the squared error; above
about 35 dB errors are hard to see on these pictures. A short training run, live:
"""),
("code", r"""
config = autoencoder.make_config("image", steps=pick(300, 20))
result = autoencoder.train_model(config)                       # fresh pictures of the shapes world every step
live = result.ema_model.eval()

fig, ax = plt.subplots(figsize=(6, 3))
ax.plot(result.losses, lw=1)
ax.set(yscale="log", xlabel="step", ylabel="loss (MSE + β·KL / n)",
       title=f"Image VAE, live: {config.steps} steps of {config.batch_size} pictures")
fig.tight_layout()
"""),
("md", r"""
## 2. What it keeps and what it throws away

The shipped VAE trained the same way for 4,000 steps (`python -m toolkit.recipes.autoencoder train --kind image`,
about 17 minutes on 2 cores). Eight pictures it never saw, from attribute combinations held out of training,
through both models; under each reconstruction its error map, $|x - \hat x|$ averaged over colour:
"""),
("code", r"""
vae = zoo.load("shapes_vae")
image_manifest = zoo.manifest("shapes_vae")
x, _ = autoencoder.pictures(config, 8, seed=autoencoder.EVAL_SEED, split="heldout")
rows = {"original": x,
        f"live, {config.steps} steps": autoencoder.reconstruct(live, x),
        f"shipped, {image_manifest['config']['steps']:,} steps": autoencoder.reconstruct(vae, x)}

fig, axes = plt.subplots(5, 8, figsize=(10, 6.9), layout="constrained")
for row, (name, images) in enumerate(rows.items()):
    r = 0 if row == 0 else 2 * row - 1                          # original; then a reconstruction and its error
    for j in range(8):
        axes[r, j].imshow(to_numpy_image(images[j]), interpolation="nearest")
        if row:
            error = (images[j] - x[j]).abs().mean(0).numpy()
            shown = axes[r + 1, j].imshow(error, cmap="magma", vmin=0, vmax=0.5, interpolation="nearest")
            axes[r, j].set_title(f"{float(autoencoder.psnr(x[j:j + 1], images[j:j + 1])):.1f} dB", fontsize=8)
    axes[r, 0].set_ylabel(name, fontsize=9)
    if row:
        axes[r + 1, 0].set_ylabel("|error|", fontsize=9)
for ax in axes.flat:
    ax.set_xticks([]), ax.set_yticks([])
fig.colorbar(shown, ax=axes, shrink=0.4, label="|x − x̂| (pictures span −1 to 1)")
fig.suptitle("Held-out pictures and their reconstructions (PSNR above each)");
"""),
("md", r"""
A short run learns the easiest things first: roughly the right colour in roughly the right place, as a
blur (in fast mode, a grey smudge); sharp edges and small shapes come last. The shipped model's errors are small and sit on the **edges**, where a sharp step
between object and background has to be rebuilt from an 8×8 grid. Measured on many held-out pictures, with
the attribute reader of notebook 01 as a second judge (decoding must not change what a picture shows):
"""),
("code", r"""
n = pick(500, 16)
measured = autoencoder.evaluate(vae, config, n=n)
print(f"shipped image VAE, {n} held-out pictures: PSNR {measured['psnr_heldout_db']:.1f} dB "
      f"(worst picture {measured['psnr_heldout_db_worst']:.1f} dB)")
print("reader on the reconstructions:", measured["reader_accuracy_heldout"])
print("reader on the originals:      ", measured["reader_accuracy_heldout_originals"])
"""),
("md", r"""
**What it throws away: anything it never saw.** An autoencoder is a compressor for one world. The shipped
VAE saw plain dark backgrounds and one object at a time; here are pictures of the same world with a
textured background and two objects, and three real photographs shrunk to 32×32:
"""),
("code", r"""
unseen = ShapesWorld(WorldConfig(frames=1, objects=2, textured=True)).sample(3, seed=5, split="all").images
photos = torch.stack([F.interpolate(center_crop(load_photo(name), 256)[None], size=32, mode="area")[0] * 2 - 1
                      for name in ("astronaut", "coffee", "chelsea")])          # [0, 1] -> [-1, 1]
strange = torch.cat([unseen, photos])
decoded = autoencoder.reconstruct(vae, strange)
scores = autoencoder.psnr(strange, decoded)
show_images(torch.cat([strange, decoded]), columns=6, size=1.6,
            titles=["texture + 2 objects"] * 3 + ["photo"] * 3 + [f"{float(s):.1f} dB" for s in scores],
            suptitle="Top: pictures unlike the training set; bottom: through the shipped VAE");
"""),
("md", r"""
The shapes survive (though two touching objects start to merge); the background texture is gone, replaced
by the plain background the decoder knows. The photos come back as shapes-world colour blobs at 10–12 dB.
A latent diffusion model can only ever draw what its decoder can draw, which is why production VAEs are
trained on far more varied pictures than their diffusion models are.

## 3. Inside the latent space

The shipped VAE's latent has 4 channels of 8×8. Drawn as images, in the scaled units a diffusion model sees
(0 is white, orange and purple are the two signs):
"""),
("code", r"""
z = vae.to_latent(x)                                           # (8, 4, 8, 8), scaled: about unit variance
picks = [0, 3, 5, 6]
fig, axes = plt.subplots(len(picks), 5, figsize=(7.2, 1.3 * len(picks) + 0.6), layout="constrained")
for row, i in enumerate(picks):
    axes[row, 0].imshow(to_numpy_image(x[i]), interpolation="nearest")
    for c in range(4):
        shown = axes[row, c + 1].imshow(z[i, c].numpy(), cmap="PuOr", vmin=-3, vmax=3, interpolation="nearest")
        axes[0, c + 1].set_title(f"channel {c}", fontsize=9)
axes[0, 0].set_title("picture", fontsize=9)
for ax in axes.flat:
    ax.set_xticks([]), ax.set_yticks([])
fig.colorbar(shown, ax=axes, shrink=0.6, label="scaled latent value")
fig.suptitle("Four pictures and their latents (8 × 8 each)");
"""),
("md", r"""
The latent is still a picture, a coarse one: each latent pixel describes a 4×4 patch of the image, so the
object shows up where it is, as a pattern across the channels that encodes its colour and shape. That
locality is what lets a convolutional or transformer denoiser work on latents just as it did on pixels.

**What one channel does.** Add an offset to one channel everywhere and decode (the explorer of section 6
does this interactively):
"""),
("code", r"""
offsets = torch.linspace(-3, 3, 7)
sweep = []
for c in range(4):
    for o in offsets:
        shift = torch.zeros(4)
        shift[c] = o
        sweep.append(perturb_and_decode(vae, z[:1], shift)[0])
fig = show_images(torch.stack(sweep), columns=7, size=1.3,
                  titles=[f"channel {c}, {float(o):+.0f}" for c in range(4) for o in offsets],
                  suptitle="One channel shifted by −3 … +3 (the middle column is the plain reconstruction)");
"""),
("md", r"""
The channels are not tidy "colour" or "position" knobs (nothing in training asked for that), but they are
smooth: small offsets change the picture a little, large ones change hue and brightness, and the background,
which covers most of the latent, fills with colour. A diffusion model's job is exactly to move latents back
to where real pictures' latents lie.

**Why latents are rescaled.** Diffusion mixes data with noise of variance 1, and every schedule of notebooks
02 and 03 assumes data of about unit scale. Nothing makes an encoder's raw latents that size: Stable
Diffusion's have a standard deviation of about 5.5, so its pipelines multiply them by **0.18215** $= 1/5.49$,
a number measured once on training images. Ours is measured the same way
(`toolkit.models.vae.estimate_scaling_factor`) and stored with the weights:
"""),
("code", r"""
posterior = vae.encode(x)
raw = posterior.sample(torch.Generator().manual_seed(0))          # unscaled z ~ q(z | x)
scaled = raw * vae.scaling_factor
fig, ax = plt.subplots(figsize=(7.5, 3))
bins = torch.linspace(-5, 5, 61)
ax.hist(raw.flatten().numpy(), bins=bins.numpy(), alpha=0.6, density=True, label=f"raw z, std {float(raw.std()):.2f}")
ax.hist(scaled.flatten().numpy(), bins=bins.numpy(), alpha=0.6, density=True,
        label=f"scaled z, std {float(scaled.std()):.2f}")
grid = torch.linspace(-5, 5, 200)
ax.plot(grid.numpy(), (torch.exp(-grid**2 / 2) / math.sqrt(2 * math.pi)).numpy(), "k:", label="N(0, 1)")
ax.set(xlabel="latent value", ylabel="density", title=f"scaling_factor = {float(vae.scaling_factor):.3f}")
ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1))      # beside the histograms, not on them
fig.tight_layout()
print(f"posterior std σ(x): mean {float(posterior.std.mean()):.3f};  "
      f"spread of the means μ(x): std {float(posterior.mean.std()):.2f}")
print(f"KL per latent value (manifest, held-out pictures): {image_manifest['metrics']['kl_per_latent_value']:.2f} nats")
"""),
("md", r"""
Two things to read here. The scaled values have about unit spread, though not a bell shape: most latent
pixels are background and pile up near a few values. And the encoder is **almost certain**: each latent
value is known to about ±0.01 while the values spread over ±1, far from the $\mathcal N(0, 1)$ the KL term
pulls towards (about 5 nats per value). With production's tiny $\beta$ a VAE is nearly a plain autoencoder;
the KL term only keeps the latents' scale in check, and the rescaling does the rest. (Stable Diffusion 3
and Flux also subtract a mean, a *shift factor*; like Stable Diffusion 1, ours does not, and the diffusion
model learns the latents' nonzero mean along with everything else.)

**A walk between two latents.** Decode the straight line from one picture's latent to another's, beside
the same walk in pixels (a cross-fade):
"""),
("code", r"""
a, b = 0, 3
weights = torch.linspace(0, 1, 8).view(8, 1, 1, 1)                # (8, 1, 1, 1) against (4, 8, 8) and (3, 32, 32)
in_pixels = (1 - weights) * x[a] + weights * x[b]
with torch.no_grad():
    in_latents = vae.from_latent((1 - weights) * z[a] + weights * z[b]).clamp(-1, 1)
fig, axes = plt.subplots(2, 8, figsize=(10.5, 3.2), layout="constrained")
for j, w in enumerate(weights.flatten()):
    for row, images in enumerate((in_pixels, in_latents)):
        axes[row, j].imshow(to_numpy_image(images[j]), interpolation="nearest")
        axes[row, j].set_xticks([]), axes[row, j].set_yticks([])
    axes[0, j].set_title(f"{float(w):.2f} of the way", fontsize=8)
axes[0, 0].set_ylabel("mixing pixels", fontsize=9)
axes[1, 0].set_ylabel("mixing latents", fontsize=9)
fig.suptitle("From one held-out picture to another");
"""),
("md", r"""
Mixing pixels gives two ghosts. Mixing latents gives pictures the decoder believes in, which are not
always pictures of the world: halfway, the shapes overlap and the colours shift through hues neither picture
has. Straight lines through a latent space need not stay among real pictures; a diffusion model does not
walk straight lines, it walks towards the data.

## 4. A video VAE: compressing time too

Consecutive frames are nearly the same picture. An image VAE applied to each frame stores that sameness 16
times; a **video VAE** compresses time as well: here 4 frames become one latent frame, and 16 frames × 32 ×
32 pixels become 4 × 8 × 8 latent positions with 8 channels each (`toolkit/models/video_vae.py`). Its
convolutions are 3-D (time, height, width) and **causal**: each pads only the past, so

$$\text{latent frame } j \text{ depends on input frames } 0 \dots 4(j+1) - 1, \qquad
\text{output frame } t \text{ depends on latent frames } 0 \dots \lfloor t/4 \rfloor.$$

One causal convolution with kernel $k$ (3, or 1 on skip connections) and stride $s$ in time (2 where the
encoder halves time, else 1) pads the clip with $k - s$ copies of its first frame in front and nothing behind:

$$y_i = b + \sum_{\tau=0}^{k-1} W_\tau \star \tilde x_{\,i s + \tau}, \qquad
\tilde x_j = x_{\max(0,\; j - (k - s))},$$

where $W_\tau \star$ is an ordinary 2-D convolution over height and width for the time tap $\tau$. Output frame
$i$ therefore reads input frames $i s - (k - s)$ to $i s + s - 1$, never a later one; stacking such layers gives
the dependencies above. As the toolkit writes it, a `Conv3d` with no padding in time, and the padding done by hand:
"""),
("code", r"""
from toolkit.models.video_vae import CausalConv3d

source = inspect.getsource(CausalConv3d)
print(source[source.index("    def __init__"):])
"""),
("md", r"""
That is what lets CogVideoX and Wan encode and decode long videos chunk by chunk, carrying a cache of
the past. The shipped model (`python -m toolkit.recipes.autoencoder train --kind video`, under an hour on 2 cores) on
held-out clips, beside the image VAE applied frame by frame:
"""),
("code", r"""
video_vae = zoo.load("shapes_video_vae")
video_manifest = zoo.manifest("shapes_video_vae")
video_config = autoencoder.make_config("video")
clips, clip_batch = autoencoder.pictures(video_config, pick(32, 4), seed=autoencoder.EVAL_SEED, split="heldout")
by_frame, image_bits = codecs.vae_point(vae, clips, bits_per_value=16)       # the image VAE on every frame
by_clip, video_bits = codecs.vae_point(video_vae, clips, bits_per_value=16)  # the video VAE on whole clips
side_by_side = torch.stack([clips[:2], by_frame[:2], by_clip[:2]], 1).flatten(0, 1)   # (6, 3, 16, 32, 32)
display(inline(side_by_side, fps=6, scale=2.4,
               title="two clips: original | image VAE, frame by frame | video VAE"))
"""),
("md", r"""
**Causality, seen.** Paint a white square into frame 9 of a clip and encode both versions: which latent
frames change? Then leave the clip alone, push latent frame 1 and decode: which frames change?
"""),
("code", r"""
clip = clips[:1]
edited = clip.clone()
edited[:, :, 9, 4:10, 4:10] = 1.0                                 # a white square in frame 9 only
with torch.no_grad():
    z_clip, z_edited = video_vae.to_latent(clip), video_vae.to_latent(edited)       # (1, 8, 4, 8, 8)
    latent_change = (z_edited - z_clip).abs().mean(dim=(0, 1, 3, 4)).numpy()        # per latent frame
    pushed = z_clip.clone()
    pushed[:, :, 1] += 1.0                                        # latent frame 1, every channel, +1
    frame_change = (video_vae.from_latent(pushed) - video_vae.from_latent(z_clip)).abs().mean(dim=(0, 1, 3, 4)).numpy()

fig, axes = plt.subplots(1, 3, figsize=(13, 3.2), gridspec_kw={"width_ratios": [1.3, 1, 1.6]})
axes[0].imshow(to_numpy_image(torch.cat([clip[0, :, 9], torch.ones(3, 32, 2), edited[0, :, 9]], -1)),
               interpolation="nearest")
axes[0].set_title("frame 9: as it was | edited", fontsize=9), axes[0].axis("off")
for ax, change, name, where in ((axes[1], latent_change, "latent frame", "input frame 9 edited"),
                                (axes[2], frame_change, "output frame", "latent frame 1 pushed")):
    ax.bar(range(len(change)), change, color=["C7" if v == 0 else "C1" for v in change])
    for i, v in enumerate(change):
        if v == 0:
            ax.text(i, 0, "0", ha="center", va="bottom", fontsize=8)
    ax.set(xlabel=name, ylabel="mean |change|", title=f"{where}: what changes?", xticks=range(len(change)))
fig.tight_layout()
print("latent frames changed by editing frame 9:", [j for j, v in enumerate(latent_change) if v > 0])
print("output frames changed by pushing latent frame 1:", [t for t, v in enumerate(frame_change) if v > 0])
"""),
("md", r"""
Exactly as the formula says: frame 9 belongs to latent frame 2 (frames 8–11), so latent frames 0 and 1 are
untouched, bit for bit; latent frame 3 changes too, because it may look back at the past. And a change in
latent frame 1 reaches frames 4 to 15, never 0 to 3. The future never leaks into the past.

**What compressing time costs.** The two models, measured on the same held-out clips: quality per frame,
its position inside its group of four, the bits each latent takes as 16-bit floats, and whether the
attribute reader (shape, colour, size *and motion*) still reads the reconstructions right:
"""),
("code", r"""
fig, ax = plt.subplots(figsize=(7, 3.2))
for name, decoded in (("image VAE, frame by frame", by_frame), ("video VAE", by_clip)):
    mse = (decoded - clips).pow(2).mean(dim=(1, 3, 4))           # (B, T): every frame of every clip
    ax.plot((10 * torch.log10(4 / mse)).mean(0).numpy(), "o-", label=name)   # PSNR per frame, mean over clips
for start in range(0, 16, 4):
    ax.axvspan(start - 0.5, start + 3.5, color="grey", alpha=0.12 if start % 8 else 0.0)
ax.set(xlabel="frame (shaded: every other group of 4 frames = one latent frame)", ylabel="PSNR (dB)",
       title=f"Per-frame quality on {len(clips)} held-out clips", xticks=range(16))
ax.legend(fontsize=8)
fig.tight_layout()

keys = ("shape", "colour", "size", "motion")
truth = [{k: clip_batch.objects(i)[0][k] for k in keys} for i in range(len(clips))]
for name, decoded, bits in (("image VAE", by_frame, image_bits), ("video VAE", by_clip, video_bits)):
    reader = attribute_accuracy(read_clips(decoded), truth)
    print(f"{name}: {codecs.bits_per_pixel(bits, clips):.1f} bits per pixel, "
          f"PSNR {float(autoencoder.psnr(clips, decoded).mean()):.1f} dB, reader {reader}")
print("reader on the originals:", attribute_accuracy(read_clips(clips), truth))
print(f"video VAE manifest ({video_manifest['config']['steps']:,} training steps, "
      f"{video_manifest['metrics']['pictures']} held-out clips): "
      f"PSNR {video_manifest['metrics']['psnr_heldout_db']:.1f} dB, "
      f"reader {video_manifest['metrics']['reader_accuracy_heldout']}")
"""),
("md", r"""
Compressing time costs quality. Frame by frame the image VAE keeps 4 × 8 × 8 numbers for every frame; the
video VAE keeps 8 × 8 × 8 for every *four* frames, half the numbers in all, and its reconstructions are
several dB worse (the manifest's figure is measured on 200 held-out clips). Where the loss goes shows in the
animation: edges soften and fine detail, such as the arms of a small cross, gets rounded off, while the object, its colour and its
path survive, which is why the attribute reader, motion included, still reads every reconstruction right.
The per-frame curve has a pattern too: the first group of four frames is the worst. Latent frame 0 has no
past to lean on; every later latent frame (and the decoder, which sees all earlier latent frames) can
describe its four frames partly by what came before. Production video VAEs pay for time compression with
more latent channels (16 rather than 4) and far wider networks.

## 5. Rate and distortion: against JPEG and H.264

How good a compressor is the latent, measured the way codecs are? The script `python -m toolkit.experiments.rate_distortion`
sends 32 held-out clips through JPEG (every frame its own file, Pillow), H.264 (every clip one stream,
the ffmpeg bundled with imageio-ffmpeg) and both VAEs, and records **bits per pixel** (bpp: the size of
the compressed clip over frames × height × width; raw 8-bit RGB is 24 bpp) against PSNR. The latents are
counted as stored, at 16 bits (float16), 8 and 4 bits per value, with no entropy coding. Details of the
counting, which matter at 32×32, are in `toolkit/eval/codecs.py`. The shipped table:
"""),
("code", r"""
table = checkpoints.metrics("rate_distortion")
rd_rows = table["rows"]
fig, ax = plt.subplots(figsize=(8, 4.4))
codecs.plot(rd_rows, ax=ax)
ax.set_title(f"{table['clips']} held-out clips of {table['clip_shape'][1]} frames, 32 × 32 (up and left is better)")
fig.tight_layout()

h264 = sorted((r for r in rd_rows if r["codec"] == "h264"), key=lambda r: r["psnr_db"])
for r in rd_rows:
    if r["codec"].endswith("_vae"):
        below = [h for h in h264 if h["psnr_db"] >= r["psnr_db"]]            # the cheapest H.264 at least as good
        cheapest = min(below, key=lambda h: h["bpp"]) if below else None
        versus = f"H.264 reaches it at {cheapest['bpp']:.2f} bpp (crf {cheapest['setting']})" if cheapest else ""
        print(f"{r['codec']:>9}, {r['setting']:>2}-bit: {r['bpp']:5.2f} bpp, {r['psnr_db']:.1f} dB;  {versus}")
"""),
("md", r"""
Read it honestly:

* **H.264 wins, by a wide margin.** It matches the image VAE's 37.4 dB at about 0.3 bpp, where the latent,
  stored as float16, takes 4 bpp: thirteen times more. It matches the video VAE's quality below 0.2 bpp,
  where even the video latent at 4 bits per value takes 0.5. JPEG, coding every frame alone, is the worst:
  at 32×32 its headers alone cost 4.9 bpp; counted once per clip (`jpeg_shared_tables`) it lands between.
* **Why.** H.264 spends bits where the content is: it predicts every frame from the previous one (a still
  background and a shape moving in a straight line cost almost nothing after the first frame), codes only
  what the prediction got wrong, and entropy-codes the result. A latent has the same size whatever the clip
  shows, and we store it without any entropy coding.
* **Precision is not what limits the latent.** From 16 to 8 to 4 bits per value the VAEs lose under 1 dB:
  their quality is set by the shape of the latent and the decoder, not by how finely its numbers are stored.

So the latent is a poor file format, and it is not meant to be one. It is designed to make **diffusion**
cheap: a small, dense tensor of fixed shape, whose values have unit scale, in which adding Gaussian noise
makes sense and nearby points decode to similar pictures. An H.264 stream is the opposite: variable length,
and one flipped bit can wreck every later frame; no denoiser could work in it. The streaming analogy holds
where it matters: both do the heavy lifting on a compressed representation and decode once at the end.
But a codec compresses to save bits on the wire; a latent compresses to save the generator's computation.
"""),
("md", r"""
## 6. Latent explorer

Encode a clip once, then move a slider per latent channel: each move adds that offset (in the scaled units,
so 1 is about one standard deviation) to the channel and decodes, in a fraction of a second. "change"
restricts the offsets to one latent frame: watch only its four frames and the ones after them move. To
explore the image VAE instead, call `latent_explorer(vae, x[0])`. Without a running kernel the widget is not
shown; the figure below it is one setting of it: four channels pushed by ±2 in latent frame 2 alone. Frames
0 to 7 do not change at all; frames 8 to 11, which latent frame 2 describes, change most, the background
filling with colour; and frames 12 to 15 still change, because the decoder lets them look back at it.
"""),
("code", r"""
display(latent_explorer(video_vae, clips[1]))
explorer_figure(video_vae, clips[1], offsets=[0, 0, 2, 2, 0, 2, 0, -2], latent_frame=2);
"""),
("md", r"""
## Where this shows up in production

* **Stable Diffusion** 1 and 2 diffuse in the latent of a VAE with spatial factor $f = 8$ and **4 channels**:
  a 512×512 picture becomes 4×64×64, 48 times fewer numbers, and the latents are multiplied by
  **0.18215** before diffusion (SDXL's retrained VAE: 0.13025). Their VAEs are trained with L1, a perceptual
  loss (LPIPS) and a small adversarial loss, which keep natural textures sharp where our MSE would blur them.
* **Stable Diffusion 3 and Flux** widened the latent to **16 channels** (still $f = 8$) and rescale with a
  scale and a shift: more channels keep more detail, at the price of a latent that is harder to diffuse in.
* **Video**: CogVideoX, Wan 2.1 and HunyuanVideo all use **causal 3-D VAEs** that compress
  **4× in time and 8×8 in space**, with 16 channels; their first frame is encoded alone (49 frames become
  1 + 48/4 = 13 latent frames), so a still image is a one-frame video. Wan's VAE encodes long videos in chunks
  of 4 frames, carrying a cache of past features: causality is what makes that possible.
* **Sora** (OpenAI 2024) describes the same idea as a "video compression network" whose output is cut into
  **spacetime latent patches**, the tokens of its transformer: notebook 08 builds that.

The trade is the one measured here: none of these latents would win a codec comparison, and none is meant
to. The latent is where the expensive part, dozens of passes of a billion-parameter network, runs; the
decoder runs once. Notebook 06 measures that saving.

## Exercises

**1. A production compression ratio.** Wan 2.1 encodes 81 frames of 480×832 RGB video into a latent of
16 channels × 21 latent frames × 60 × 104. How many times fewer numbers is that?
"""),
("code", r"""
from toolkit.exercise_answers import check_exercise

compression_ratio = None   # your code here
check_exercise("05.1", compression_ratio)
"""),
("md", r"""
**2. PSNR by hand.** Compute the PSNR, in dB, of the video VAE's reconstruction `x_hat` of the clip `x`
(both in $[-1, 1]$) from its definition, without `autoencoder.psnr`.
"""),
("code", r"""
x_clip, x_hat = clips[0], by_clip[0]                              # (3, 16, 32, 32) each
my_psnr = None   # your code here
check_exercise("05.2", my_psnr, x_clip=x_clip, x_hat=x_hat)
"""),
("md", r"""
**3. Bits per pixel of the 8-bit latent.** Store the video VAE's latent of one clip with 8 bits per value,
plus the two float16 numbers (its minimum and maximum) that the 256 levels are spread between, as
`toolkit/eval/codecs.py` counts it. How many bits per pixel is that? (Use `video_vae.latent_shape`.) Where
would the point sit on the plot of section 5?
"""),
("code", r"""
bpp_8bit = None   # your code here
check_exercise("05.3", bpp_8bit, video_vae=video_vae, clips=clips)
"""),
]

if __name__ == "__main__":
    build(Path(__file__).resolve().parents[1] / "05_latent_compression.ipynb", CELLS)
