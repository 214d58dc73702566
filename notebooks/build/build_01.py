"""Builds notebooks/01_denoising_a_photo.ipynb.

    python notebooks/build/build_01.py
    cd notebooks && ../.venv/bin/jupyter nbconvert --to notebook --execute --inplace 01_denoising_a_photo.ipynb
"""
from pathlib import Path

from nb import build

CELLS = [
("md", r"""
# 01 · Denoising a photo

Every image and video generator in this course, like the ones behind Sora, Veo or Wan, is at heart a
**denoiser**: a function that takes a noisy picture and the strength of its noise, and returns its best
guess of the clean picture. This notebook builds one for real photographs and measures it against the
classical methods that came before deep learning.

**What you will build**
1. A small set of real **photos** that ship inside matplotlib and scikit-image (nothing is downloaded);
   one of them, Grace Hopper's portrait, is **held out**: never trained on, never tuned on.
2. **Noise at many levels**, and the two scores that measure what is left: PSNR and SSIM.
3. Four **classical denoisers** (blur, total variation, wavelets, non-local means), each tuned fairly.
4. A small **learned denoiser**, told the noise level, trained here on a CPU; then the shipped one,
   which beats the best classical method on the held-out photo.
5. The **bridge to generation**: what a denoiser does when nothing of the photo is left.
"""),
("code", r"""
%config InlineBackend.figure_formats = ["jpeg"]
import matplotlib.pyplot as plt
import torch

from toolkit import zoo
from toolkit.recipes import denoising as D
from toolkit.data import photos
from toolkit.runtime import mode, pick, train_full

plt.rcParams["figure.dpi"] = 72
print(mode())
"""),
("md", r"""
## 1. The photos

`toolkit.data.photos` lists the photographs that come with the installed packages. Each loads as a
float tensor of shape (3, H, W) with values in [0, 1]; grayscale ones are repeated to three channels.
Everything is trained and tuned on fourteen of them. The held-out photo (first, in red) is only ever used
to measure; we score on its 256 × 256 centre (her face), which keeps every evaluation to seconds.
"""),
("code", r"""
fig, axes = plt.subplots(3, 5, figsize=(12, 7.5))
for ax, name in zip(axes.flat, photos.names()):
    photo = photos.load_photo(name)
    ax.imshow(photo.permute(1, 2, 0))
    ax.set_title(f"{name}\n{photo.shape[1]}×{photo.shape[2]}" + ("  (HELD OUT)" if name == photos.HELD_OUT else ""),
                 fontsize=9, color="crimson" if name == photos.HELD_OUT else "black")
    ax.axis("off")
fig.tight_layout()
"""),
("md", r"""
## 2. Noise at many levels

We add **Gaussian noise** of standard deviation $\sigma$ to every pixel and colour channel:

$$y = x + \sigma\,\varepsilon, \qquad \varepsilon \sim \mathcal N(0, I).$$

Pixel values run from 0 to 1, and σ is quoted in steps of 1/255 (one step of an 8-bit pixel) as in the
papers: "σ = 25" means $\sigma = 25/255 \approx 0.1$. We do not clip $y$ to [0, 1], so the noise is exactly
Gaussian. The score is the **peak signal-to-noise ratio**, $\text{PSNR} = 10 \log_{10}(1/\text{MSE})$ in
decibels: +3 dB halves the squared error; 30 dB or more looks clean. **SSIM** (structural similarity,
1 = identical) compares local means, contrasts and structure, closer to what an eye notices.
"""),
("code", r"""
clean = photos.held_out_photo()                       # (3, 256, 256)
fig, axes = plt.subplots(2, 4, figsize=(12, 6.4))
for ax, sigma in zip(axes.flat, D.SIGMAS):
    noisy = D.add_noise(clean, sigma, seed=0)
    ax.imshow(noisy.clamp(0, 1).permute(1, 2, 0))
    ax.set_title(f"σ = {sigma * 255:g}/255\nPSNR {D.psnr(clean, noisy):.1f} dB, SSIM {D.ssim(clean, noisy):.2f}",
                 fontsize=10)
    ax.axis("off")
fig.tight_layout()
"""),
("md", r"""
## 3. Classical denoisers, tuned fairly

scikit-image gives us four classics, each with one strength knob:

| method | idea | knob |
|---|---|---|
| Gaussian blur | average each pixel with its neighbours | blur width $k\sqrt{255\sigma}$ pixels |
| total variation (Rudin, Osher, Fatemi 1992) | the closest image made of flat regions and sharp edges | weight $k\sigma$ |
| wavelet, BayesShrink (Chang et al. 2000) | shrink the small wavelet coefficients, which are mostly noise | threshold from $k\sigma$ |
| non-local means (Buades et al. 2005) | average pixels whose 5×5 neighbourhoods look alike | filter strength $h = k\sigma$ |

All of them are told the true σ. A comparison is only honest if each one is set well, so the multiplier $k$ of
each was chosen by `D.tune_classical`: the best mean PSNR over crops of the **training** photos at σ = 25,
never the held-out one. Here is that search again (on three photos in fast mode):
"""),
("code", r"""
tuning = D.tune_classical(photos=pick(photos.TRAIN, photos.TRAIN[:3]))
fig, axes = plt.subplots(1, 4, figsize=(12, 2.8))
for ax, (method, result) in zip(axes, tuning.items()):
    ax.plot(list(result["psnr"]), list(result["psnr"].values()), "o-")
    ax.axvline(D.STRENGTH[method], color="crimson", ls="--", label=f"shipped k = {D.STRENGTH[method]}")
    ax.set(title=method, xlabel="multiplier k", ylabel="mean PSNR on training crops (dB)")
    ax.legend(fontsize=8)
fig.tight_layout()
"""),
("md", r"""
Now the held-out photo, at every noise level. One fixed noise sample (seed 0) is used for every method, so
the differences come from the methods alone.
"""),
("code", r"""
classical = D.evaluate(D.CLASSICAL)
print(D.format_table(classical, "psnr"))
print()
print(D.format_table(classical, "ssim"))
"""),
("code", r"""
sigma = D.HEADLINE_SIGMA
noisy = D.add_noise(clean, sigma, seed=0)
fig, axes = plt.subplots(1, 5, figsize=(14, 3.3))
panels = {"noisy": noisy, **{name: denoise(noisy, sigma) for name, denoise in D.CLASSICAL.items()}}
for ax, (name, picture) in zip(axes, panels.items()):
    ax.imshow(picture.clamp(0, 1).permute(1, 2, 0))
    ax.set_title(f"{name}\n{D.psnr(clean, picture):.2f} dB", fontsize=10)
    ax.axis("off")
fig.tight_layout()
"""),
("md", r"""
Blur removes noise and detail alike. Total variation keeps edges but paints skin as flat patches.
Non-local means does best: a face repeats itself (skin, hair, the rim of the glasses), and averaging
look-alike patches removes noise without blurring across edges.

## 4. A small learned denoiser

`toolkit.models.photo_denoiser` is an FFDNet-style network (Zhang, Zuo, Zhang 2018):

* the image is folded into a half-resolution stack of 2×2 sub-images (**pixel unshuffle**), so each
  3×3 convolution costs a quarter as much and sees twice as far;
* the noise level enters as **one extra input map** filled with σ: one network for every noise level;
* it predicts the **noise**, not the image (DnCNN's residual learning): $D(y, \sigma) = y - \hat n(y, \sigma)$;
* a few **residual blocks**, whose last convolutions start at zero, so the untrained network returns its
  input unchanged, and training only has to learn the correction.

It is trained on random 64×64 patches of the training photos (random position, flip and rotation), each with
its own σ drawn uniformly between 5/255 and 100/255, to minimise the squared error to the clean patch. Each
patch's error is weighted by $(25/255)/\sigma$: otherwise the noisiest patches, whose errors are largest,
would drown out the quiet ones and the network would neglect low noise levels.
"""),
("code", r"""
config = D.get_config("cpu")
print(config)
# By default a short run, to see the loss fall; TOOLKIT_TRAIN=full: the shipped run itself, redone here.
steps = config.steps if train_full() else pick(300, config.fast_steps)
if train_full():
    print(f"The shipped run: {steps} steps, {zoo.manifest(D.NAME)['metrics']['train_seconds'] / 60:.0f} min "
          "on one free core (its manifest); longer when other jobs share the machine.")
model, history = D.train_photo_denoiser("cpu", seed=0, steps=steps)
print(f"{history['steps']} steps in {history['seconds']:.0f} s, "
      f"{sum(p.numel() for p in model.parameters()):,} parameters")
"""),
("code", r"""
loss = torch.tensor(history["loss"])
window = max(1, len(loss) // 30)
smooth = loss.unfold(0, window, window).mean(1)                    # mean over windows of steps
fig, ax = plt.subplots(figsize=(6, 3))
ax.semilogy((torch.arange(len(smooth)) + 0.5) * window, smooth)
ax.set(xlabel="training step", ylabel="weighted MSE (log scale)",
       title="learning to denoise (all noise levels mixed)")
ax.grid(alpha=0.3)
"""),
("md", r"""
### The shipped checkpoint

By default the run above is the first 300 steps of the recipe (in fast mode, 30), enough to watch the loss
fall; the shipped checkpoint in `assets/checkpoints/` trained for all 1,800 by the command
in its manifest, which `TOOLKIT_TRAIN=full` reruns in the cell above (about five minutes on one free core).
`zoo.load` builds the network from the manifest's config and refuses weights whose sha256 does not match; with
`TOOLKIT_TRAIN=full` the rest of the notebook uses your model instead.
"""),
("code", r"""
learned = model if train_full() else zoo.load(D.NAME)
manifest = zoo.manifest(D.NAME)
print("command:", manifest["command"])
print(f"trained in {manifest['metrics']['train_seconds']:.0f} s, {manifest['metrics']['steps']} steps")
print(f"at σ = 25, this session's {history['steps']}-step model: {D.psnr(clean, model.denoise(noisy, sigma)):.2f} dB, "
      f"the shipped one: {D.psnr(clean, learned.denoise(noisy, sigma)):.2f} dB")
"""),
("md", r"""
## 5. Every method, every noise level
"""),
("code", r"""
table = D.evaluate({**D.CLASSICAL, "learned (shipped)": learned.denoise})
print(D.format_table(table, "psnr"))
at25 = {name: row[25.0]["psnr"] for name, row in table.items()}
best = max(D.CLASSICAL, key=at25.get)
print(f"\nσ = 25: learned {at25['learned (shipped)']:.2f} dB, best classical ({best}) {at25[best]:.2f} dB, "
      f"margin {at25['learned (shipped)'] - at25[best]:+.2f} dB")
"""),
("code", r"""
fig, axes = plt.subplots(1, 2, figsize=(12, 4))
for name, row in table.items():
    levels = list(row)
    style = dict(lw=2.5, color="black") if name.startswith("learned") else dict(lw=1.2)
    axes[0].plot(levels, [row[s]["psnr"] for s in levels], "o-", label=name, **style)
    axes[1].plot(levels, [row[s]["ssim"] for s in levels], "o-", label=name, **style)
noisy_psnr = [D.psnr(clean, D.add_noise(clean, s / 255, seed=0)) for s in levels]
axes[0].plot(levels, noisy_psnr, ":", color="gray", label="noisy input")
axes[0].set(xlabel="noise level σ (× 1/255)", ylabel="PSNR (dB)", title="held-out photo: PSNR against noise")
axes[1].set(xlabel="noise level σ (× 1/255)", ylabel="SSIM (1 = identical)", title="SSIM against noise")
for ax in axes:
    ax.grid(alpha=0.3)
axes[0].legend(fontsize=8)
fig.tight_layout()
"""),
("code", r"""
fig, scores = D.compare_figure(learned, clean, sigma=D.HEADLINE_SIGMA)
"""),
("md", r"""
Look at the wrinkles around the eyes and the edge of the glasses: the learned denoiser keeps texture that
non-local means smooths away. It has seen thousands of patches of skin, fur, brick and grass, and has
learned what clean texture looks like beneath noise; the classical methods only know a fixed rule.
"""),
("md", r"""
## 6. The bridge to generation: when nothing of the photo is left

Turn σ up. At σ = 1 the noise's standard deviation is more than three times the photo's own (0.30): the
face is still faintly there for an eye that averages over large areas, and in the top row below there is no
photo at all, only mid-grey plus noise. What should a denoiser return then? Under squared error, the best
answer is the **average of all clean images that could have produced this noise**; where the noise hides
everything, that average is smooth and featureless. Our network was trained only up to σ = 100/255, so
σ = 1 also asks it to extrapolate.
"""),
("code", r"""
static = D.add_noise(torch.full((3, 256, 256), 0.5), 1.0, seed=1)      # no photo at all: pure noise
hidden = D.add_noise(clean, 1.0, seed=1)                                # the photo, drowned
rows = {"pure noise": static, "the photo at σ = 1": hidden}
fig, axes = plt.subplots(2, 4, figsize=(12, 6.2))
for ax_row, (label, y) in zip(axes, rows.items()):
    outputs = {"input": y, "non-local means": D.nl_means(y, 1.0), "learned, told σ = 100/255": learned.denoise(y, 100 / 255),
               "learned, told σ = 1": learned.denoise(y, 1.0)}
    for ax, (title, picture) in zip(ax_row, outputs.items()):
        ax.imshow(picture.clamp(0, 1).permute(1, 2, 0))
        ax.set_title(f"{label}\n{title}", fontsize=9)
        ax.axis("off")
fig.tight_layout()
"""),
("md", r"""
**Top row, pure noise.** Non-local means finds "similar patches" in the noise and averages them into
coloured blobs. The network, told σ = 1, pulls everything towards a grey-blue mean and leaves a fine mottled
texture that was never there: it **hallucinates**, producing the kind of texture it saw during training.
Told σ = 100/255 (too low), it removes only part of the noise: the noise-level input matters.
**Bottom row, the photo at σ = 1.** The network returns a face with the broad shapes right and the fine detail
invented: compare the wrinkles with the clean photo above.

Inventing detail is a failure when you want Grace Hopper back, and it is exactly what *generation* needs.
Denoise only a little, add back slightly less noise than you took away, and repeat, walking σ down from large to
zero: each step commits to a few more details that the next step builds on, and what is left at the end is an
image that nobody drew. That loop is a diffusion model's sampler. Notebook 02 trains the denoiser for it at
*every* noise level, on the shapes world, and runs the loop.

## Where this shows up in production

* **Phone cameras**: night modes merge a burst of noisy frames and clean the result with learned denoisers.
* **Photo editors**: Adobe Lightroom's *Denoise* (2023) is a network trained on pairs of noisy and clean raw images.
* **Rendering**: path tracers render with few samples per pixel and denoise with a U-Net: Intel Open Image
  Denoise (in Blender), NVIDIA's OptiX denoiser, DLSS Ray Reconstruction in games.
* **Generation**: Stable Diffusion, Sora, Veo, Wan and CogVideoX all call a σ-conditioned denoiser like
  this one tens of times per image or clip, in the latent space of an autoencoder (notebooks 05 to 08).
"""),
# Meet the shapes world: the data for the rest of the course, and the attribute reader.
("md", """## Meet the shapes world: the data for the rest of the course

A denoiser that has seen a few photos can clean a photo. To *generate*, a model must learn what the
world looks like, and we must be able to tell whether what it made is right. Photos cannot give us that
here: there are only a handful, and nobody has labelled what is in them.

So from here on the models learn from a **procedural world of moving shapes**, rendered from a seed.
Every clip comes with its caption and its ground truth: shape, colour, size, motion, and where the object
is in every frame. Images are single frames of the same world."""),
("code", """import matplotlib.pyplot as plt
import torch

from toolkit.data import ShapesWorld, WorldConfig
from toolkit.viz import animation, show_clips

world = ShapesWorld(WorldConfig(frames=16, height=32, width=32))
batch = world.sample(5, seed=0)
show_clips(batch.video, batch.captions, frames=8);"""),
("md", """Static strips hide the motion; here are the same clips playing (and a textured background, which
the world also offers):"""),
("code", """textured = ShapesWorld(WorldConfig(textured=True)).sample(3, seed=1)
animation.inline(torch.cat([batch.video[:3], textured.video]), fps=6, scale=5)"""),
("md", """### What the world can say

The vocabulary, and the **held-out split**: some combinations of attributes never appear in training.
A model that later draws a *red triangle* has seen red things and triangles, never the two together;
that is how the course measures whether a model composes what it learned or only memorised it.
(This cell's output is checked by the tests: it must not change.)"""),
("code", """# NBVAL_CHECK_OUTPUT
from toolkit.data import vocab

print("shapes: ", ", ".join(vocab.SHAPES))
print("colours:", ", ".join(vocab.COLOUR_NAMES))
print("sizes:  ", ", ".join(vocab.SIZE_NAMES))
print("motions:", ", ".join(vocab.MOTION_NAMES))
print("held-out (colour, shape):", sorted(vocab.HELD_OUT_COLOUR_SHAPE))
print("held-out (shape, motion):", sorted(vocab.HELD_OUT_SHAPE_MOTION))
print(f"(shape, colour, motion) combinations: {len(vocab.combinations('train'))} in training, "
      f"{len(vocab.combinations('heldout'))} held out")
print("one scene, three captions:")
for text in ShapesWorld().sample(3, seed=5, shape="cross", colour="cyan", size="small", motion="down then up").captions:
    print("  ", text)"""),
("md", """### The attribute reader: a judge with no weights

Every later notebook asks *does the generated clip obey its prompt?* The answer comes from an
**attribute reader** (`toolkit/eval/reader.py`) written by hand, without any learned weights, so that no
generator can share its judge and learn to fool it. It uses what it knows of the renderer:

1. the most saturated pixels name the colour;
2. backgrounds are grey, so a pixel's colour minus its grey part is how much of the object covers it;
3. every (shape, size) template is drawn at the object's centre, and the best overlap wins;
4. the centre's path over the frames gives the motion (straight, or a bounce that turns back).

On clean clips it is right every time (the tests check 1,200 clips):"""),
("code", """# NBVAL_CHECK_OUTPUT
from toolkit.eval import attribute_accuracy, read_clips

clean = world.sample(400, seed=123, split="all")
truth = [clean.objects(i)[0] for i in range(len(clean))]
print(attribute_accuracy(read_clips(clean.video), truth))
for reading, caption in zip(read_clips(clean.video[:4]), clean.captions[:4]):
    print(f"{caption!r:58} -> {reading.as_dict()}")"""),
("md", """### How does the judge cope with noise?

A generated clip is never perfectly clean. The reader should degrade gracefully, not collapse: below we
add Gaussian noise of standard deviation sigma (in the [-1, 1] pixel range) and measure its accuracy
per attribute."""),
("code", """from toolkit.runtime import pick

n = pick(200, 60)
clips = world.sample(n, seed=7, split="all")
truth = [clips.objects(i)[0] for i in range(n)]
levels = [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 1.0]
g = torch.Generator().manual_seed(0)
curves = {}
for sigma in levels:
    noisy = (clips.video + sigma * torch.randn(clips.video.shape, generator=g)).clamp(-1, 1)
    for key, value in attribute_accuracy(read_clips(noisy), truth).items():
        curves.setdefault(key, []).append(value)

fig, (ax, ax_img) = plt.subplots(1, 2, figsize=(10, 3.4), gridspec_kw={"width_ratios": [2, 1]})
for (key, values), marker in zip(curves.items(), "osd^"):
    ax.plot(levels, values, marker=marker, label=key)
ax.set(xlabel="noise standard deviation sigma (pixel range [-1, 1])", ylabel="reader accuracy",
       title=f"Attribute reader under noise ({n} clips)", ylim=(0, 1.05))
ax.axhline(1 / len(vocab.SHAPES), color="grey", linestyle=":", label="chance (shape)")
ax.legend()
strip = torch.stack([(clips.video[0, :, 8] + s * torch.randn(3, 32, 32, generator=g)).clamp(-1, 1)
                     for s in (0.0, 0.3, 0.6, 1.0)])
ax_img.imshow(((torch.cat(list(strip), -1) + 1) / 2).permute(1, 2, 0).numpy(), interpolation="nearest")
ax_img.set_title("sigma = 0, 0.3, 0.6, 1.0"), ax_img.axis("off")
fig.tight_layout()"""),
("md", """Colour survives almost any noise; shape and size go first, because they rest on the object's exact
outline. At sigma = 1 the clip is mostly static, and the reader mostly says so instead of guessing.

Next, in notebook 02, a denoiser like the one above learns the shapes world at *every* noise level,
up to pure static, and a sampler runs it backwards from noise; this reader judges what it draws."""),
("md", r"""
## Exercises

**1. PSNR by hand.** Before any denoising, the error *is* the noise, so the mean squared error is close to
$\sigma^2$ and $\text{PSNR} \approx 10\log_{10}(1/\sigma^2)$. Compute that number for σ = 25/255. The check
compares it with the PSNR measured on the held-out photo's unclipped noise (one noise sample of 196,608 pixel
values, so the two agree to a few hundredths of a dB). Then print `D.psnr(photo, noisy_photo)`: why is it
0.6 dB higher? (Hint: what does `D.psnr` do to the estimate before scoring it, and where is the photo near
black or white?)
"""),
("code", r"""
photo = photos.held_out_photo()                  # the held-out crop again: `clean` now holds shapes clips
sigma = D.HEADLINE_SIGMA                         # 25/255
noisy_photo = D.add_noise(photo, sigma, seed=0)

from toolkit.exercise_answers import check_exercise

psnr_formula = None   # your code here
check_exercise("01.1", psnr_formula, photo=photo, noisy_photo=noisy_photo);
"""),
("md", r"""
**2. A denoiser of your own.** The simplest classical denoiser replaces each pixel with the mean of its
3 × 3 neighbourhood. Write it for `noisy_photo` with `F.avg_pool2d` (kernel 3, stride 1), after padding one
pixel on each side with `F.pad(..., mode="reflect")` so that the output keeps the size (3, 256, 256).
Then compare `D.psnr(photo, box)` with the noisy input, with the table's Gaussian blur and non-local means at
σ = 25, and try a 5 × 5 mean: why is the larger window worse?
"""),
("code", r"""
import torch.nn.functional as F

box = None   # your code here
check_exercise("01.2", box, noisy_photo=noisy_photo);
"""),
("md", r"""
**3. Where does learning pay most?** At which noise level (σ × 255, one of the columns of the table of
section 5) does the learned denoiser gain the most PSNR over non-local means? Read it off the table or the
plot.
"""),
("code", r"""
largest_gain_at = None   # your code here, e.g. 50
check_exercise("01.3", largest_gain_at, table=table);
"""),
("md", r"""
**4. Tell it the wrong σ.** The learned denoiser trusts the noise level it is told. Noise the photo at a true
σ = 50/255, denoise it with `learned`, telling it each σ in `told`, and find the told σ (× 255) with the best
PSNR. Then look at all the scores: which mistake costs more, telling it too little noise or too much?
"""),
("code", r"""
noisy_50 = D.add_noise(photo, 50 / 255, seed=0)
told = (10, 25, 35, 50, 75, 100)                 # the σ we tell it, × 1/255

best_told = None   # your code here
check_exercise("01.4", best_told, photo=photo, noisy_50=noisy_50, learned=learned, told=told);
"""),
]

if __name__ == "__main__":
    build(Path(__file__).resolve().parents[1] / "01_denoising_a_photo.ipynb", CELLS)
