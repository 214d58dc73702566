"""Builds notebooks/07_video_diffusion.ipynb."""
from pathlib import Path

from nb import build

CELLS = [
("md", r"""
# 07 · Video diffusion

A video is not a pile of pictures. Draw each frame of "a red circle moving left" with the text-to-image
model of notebook 06 and every frame shows a red circle, but a different one, somewhere else: the clip
flickers, and the one thing the prompt asked that no single picture can show, the motion, is missing.
This notebook treats a clip as **one volume** of frames and denoises it as one, and measures the difference.

**What you will build**
1. A clip as a volume: frames, and a slice through space and time that shows motion as a line.
2. The per-frame baseline, and two numbers that catch flicker.
3. A **space-time U-Net**: the image U-Net applied to every frame, with temporal layers between its blocks
   that start at zero ("inflation", as in Video Diffusion Models and Make-A-Video).
4. What the temporal layers look at: temporal attention maps.
5. The cost of doing this in pixels, against the latent transformer of notebook 08.
"""),
("code", r"""
import inspect

import matplotlib.pyplot as plt
import torch
from IPython.display import display

from toolkit import checkpoints, zoo
from toolkit.recipes import video_diffusion
from toolkit.data import ShapesWorld, WorldConfig
from toolkit.eval import read_clips
from toolkit.eval.cost import count_flops, wall_times
from toolkit.eval.temporal import consistency
from toolkit.generate import verdict
from toolkit.models.spacetime_unet import SpaceTimeUNet, temporal_attention_maps
from toolkit.pipelines import TextToImagePipeline, TextToVideoPipeline, per_frame_video
from toolkit.recipes.retrain import use_retrained
from toolkit.runtime import mode, pick
from toolkit.text import TextConditioner
from toolkit.viz.animation import inline
from toolkit.viz.frames_viewer import frames_figure, frames_viewer

plt.rcParams["figure.dpi"] = 72
print(mode())
# TOOLKIT_TRAIN=full retrains the shipped models this notebook loads (see its header); by default nothing.
use_retrained(["shapes_spacetime_unet"])
"""),
("md", r"""
## 1. A clip is a volume

A clip of the shapes world is a tensor (3, T, H, W): 16 frames of 32 × 32. Take one row of pixels through
the object and stack it over time: an object that moves right draws a diagonal line in this
**space-time slice**, one that bounces draws a V, one that stands still a vertical bar. Motion is shape in
the volume, and a model that sees the whole volume can draw it.
"""),
("code", r"""
world = ShapesWorld(WorldConfig())
motions = ["right", "left then right", "down"]
clips = torch.cat([world.sample(1, seed=i, motion=m, size="large").video for i, m in enumerate(motions)])
fig, axes = plt.subplots(2, 3, figsize=(9, 5))
for k, (clip, motion) in enumerate(zip(clips, motions)):
    path = read_clips(clip[None])[0].path                                  # (T, 2) the object's centre
    row = int(path[:, 1].nanmean().round()) if motion != "down" else None
    axes[0, k].imshow(((clip[:, 0].permute(1, 2, 0) + 1) / 2).clamp(0, 1), interpolation="nearest")
    axes[0, k].set_title(f'"{motion}": frame 0', fontsize=9), axes[0, k].axis("off")
    if row is not None:                          # a horizontal motion: the row through the object, over time
        slice_ = clip[:, :, row, :]              # (3, T, W)
        axes[1, k].set(xlabel="x (pixels)", ylabel="frame t", title=f"row y={row} over time")
    else:                                        # a vertical motion: the column through the object
        col = int(path[:, 0].nanmean().round())
        slice_ = clip[:, :, :, col]              # (3, T, H)
        axes[1, k].set(xlabel="y (pixels)", ylabel="frame t", title=f"column x={col} over time")
    axes[1, k].imshow(((slice_.permute(1, 2, 0) + 1) / 2).clamp(0, 1), interpolation="nearest", aspect="auto")
fig.suptitle("Space-time slices: motion is a shape in the volume")
fig.tight_layout()
"""),
("md", r"""
## 2. The per-frame baseline

The latent text-to-image model of notebook 06, asked for 16 frames of the same picture, each from its own
noise (`per_frame_video`), and once more with the same noise for every frame:
"""),
("code", r"""
image_pipe = TextToImagePipeline.from_pretrained("shapes_latent_text_unet")
prompt = "a large red circle moving left"
still_prompt = "a large red circle"   # the image model's captions were of still pictures: no motion words
flicker = per_frame_video(image_pipe, [still_prompt], seed=0)
still = per_frame_video(image_pipe, [still_prompt], seed=0, same_noise=True)
display(inline(torch.cat([flicker, still]), fps=8, scale=2.0, title="own noise per frame | same noise"))
frames = read_clips(flicker.transpose(1, 2)[0][:, :, None])         # each frame of the first clip, read alone
print("own noise, frame by frame:", ", ".join(f"{r.colour} {r.shape}" for r in frames))
lost = read_clips(image_pipe([prompt], seed=0).images[:, :, None])[0]
print(f"given the whole prompt, motion words included: a {lost.colour} {lost.shape}? (template match {lost.match:.2f})")
"""),
("md", r"""
Own noise per frame: every frame is a fine red circle, each drawn anew somewhere else, and the clip is
nonsense. Same noise: one fine still picture, and nothing moves. The image model is given the prompt without
its motion: it cannot draw motion, and words it never read beside a picture pull it off course (given the whole
prompt, it draws a blurred blob between red and yellow, which the reader barely matches, printed above).

Two measures catch the flicker (`toolkit/eval/temporal.py`), read frame by frame by the attribute reader:
**identity changes**, the fraction of consecutive frames whose shape or colour differs, and **path jerk**, how
far the object's centre strays from a steady line each frame (pixels); both are 0 for the real clips of the world.

In symbols, for a clip of $F$ frames in which the reader sees shape $s_f$, colour $k_f$ and centre $p_f$ (pixels)
in frame $f$:

$$\text{identity changes} = \frac{1}{F-1} \sum_{f=1}^{F-1} \mathbb{1}\big[(s_{f+1}, k_{f+1}) \ne (s_f, k_f)\big],
\qquad \text{path jerk} = \operatorname{median}_{f}\, \big\| p_{f+1} - 2\,p_f + p_{f-1} \big\| ,$$

each averaged over the clips. $p_{f+1} - 2p_f + p_{f-1}$ is the change of the velocity from one frame to the
next: 0 on a straight path at a steady speed; the median ignores the single turn of a bounce.
"""),
("code", r"""
real = world.sample(1, seed=7, shape="circle", colour="red", size="large", motion="left").video
for name, video in {"real clip": real, "per frame, own noise": flicker, "per frame, same noise": still}.items():
    scores = consistency(video)
    asked, seen = verdict(video[0], prompt)
    print(f"{name:22s} identity changes {scores['identity_changes']:.2f}   path jerk {scores['path_jerk_px']:5.2f} px"
          f"   motion read: {seen['motion']}")
"""),
("md", r"""
## 3. A space-time U-Net

Video Diffusion Models (Ho et al. 2022) and Make-A-Video (Singer et al. 2022) keep the image U-Net and let it
see time. Each of its blocks still works on one frame at a time (a clip of B videos is a batch of B·T
frames), and after a block, a **temporal layer** lets each pixel's T values talk: a convolution along time
(kernel 3) and self-attention across the T frames (`toolkit/models/spacetime_unet.py`). Both end in a layer
initialised to zero, so a fresh space-time U-Net **is** the image model applied frame by frame: the trained
image weights can be copied in ("inflation") and training only has to learn what ties the frames together.

In symbols: write a clip's features as $h \in \mathbb{R}^{C \times F \times H \times W}$ ($F = 16$ frames; the code
calls it `T`). The **spatial** layers are the image U-Net's blocks (ResBlock, self-attention over the $H \cdot W$
pixels of a frame, cross-attention to the prompt), applied to each frame $h_{:,f}$ on its own. The **temporal**
layer then takes each pixel $(i, j)$ on its own: its $F$ feature vectors $x_f = h_{:,f,i,j} \in \mathbb{R}^C$ form
a sequence, which a kernel-3 convolution along $f$ and then attention over the $F$ positions update:

$$x \leftarrow x + \mathrm{Conv1d}_t\big(\mathrm{SiLU}(\mathrm{GN}(x))\big), \qquad
u_f = \mathrm{GN}(x)_f + \mathrm{PE}(f), \qquad Q = U W_Q,\; K = U W_K,\; V = U W_V \;\in \mathbb{R}^{F \times d},$$

$$x \leftarrow x + W_O\, \mathrm{softmax}\!\Big(\frac{Q K^\top}{\sqrt{d}}\Big) V .$$

$\mathrm{GN}$ is group normalisation, $\mathrm{PE}(f)$ sin-cos features of the frame index (attention alone
ignores the order of its inputs; these tell it which frame is which), and the attention runs per head ($d$
channels each). The $F \times F$ matrix $\mathrm{softmax}(QK^\top/\sqrt{d})$ says how much frame $f$ reads
frame $f'$ (section 4 draws it). The convolution and $W_O$ start at zero, weights and biases, so both branches
add nothing at first: that is why the fresh space-time U-Net further below matches the image model exactly.
The layer's forward pass, as the toolkit writes it (`_qkv` builds the conv branch and $Q, K, V$;
`F.scaled_dot_product_attention` is $\mathrm{softmax}(QK^\top/\sqrt{d})V$ in one fused kernel):
"""),
("code", r"""
from toolkit.models.spacetime_unet import TemporalLayer

source = inspect.getsource(TemporalLayer)
print(source[source.index("    def forward"):source.index("    def attention_weights")])
"""),
("code", r"""
image_model = zoo.load("shapes_text_unet")                                      # the pixel text-to-image U-Net of notebook 04
video_model = SpaceTimeUNet(type(image_model.unet)(image_model.unet.config)).load_image_weights(
    image_model.unet.state_dict()).eval()
text = TextConditioner.from_pretrained()
cond = text([prompt])
x, t = torch.randn(1, 3, 16, 32, 32), torch.tensor([500.0])
with torch.no_grad():
    together = video_model(x, t, **cond)
    separately = torch.stack([image_model.unet(x[:, :, f], t, **cond) for f in range(16)], dim=2)
temporal = sum(p.numel() for p in video_model.temporal.parameters())
print(f"{len(video_model.temporal)} temporal layers, {temporal:,} new weights on top of "
      f"{sum(p.numel() for p in image_model.parameters()):,}")
print(f"fresh space-time U-Net vs the image model frame by frame: largest difference {(together - separately).abs().max():.1e}")
"""),
("md", r"""
Training (`python -m toolkit.recipes.video_diffusion train`) freezes the image layers, as AnimateDiff does, and
trains only the temporal ones, with the same flow-matching loss and caption dropout, on clips.

The loss is the image model's, with the clip as one sample: $x_0 \in \mathbb{R}^{C \times F \times H \times W}$
(here $3 \times 16 \times 32 \times 32$), a flow time $t \sim \mathcal{U}[0, 1]$ and noise
$\varepsilon \sim \mathcal{N}(0, I)$ of the clip's shape, one $t$ for all the frames of a clip:

$$x_t = (1 - t)\,x_0 + t\,\varepsilon, \qquad
L(\theta) = \mathbb{E}_{x_0, c, t, \varepsilon}\,\big\| v_\theta(x_t, t, c) - (\varepsilon - x_0) \big\|^2 ,$$

where $c$ is the prompt's encoding, replaced by the empty prompt's for one clip in ten, and the squared error is
averaged over all $C \cdot F \cdot H \cdot W$ numbers. The first video diffusion models (Ho et al. 2022) trained
such a network on notebook 02's path instead, $x_t = \sqrt{\bar\alpha_t}\,x_0 + \sqrt{1 - \bar\alpha_t}\,\varepsilon$,
with its noise-prediction loss $\| \varepsilon - \varepsilon_\theta(x_t, t, c) \|^2$ or a close variant: another path
from clip to noise and another target, the same idea. The recipe's loss (`loss_function`, the one of text-to-image training) and the lines of
`diffusion_loss` it calls with `"velocity"`: `FlowSchedule` gives $\alpha_t = 1 - t$ and $\sigma_t = t$, the
velocity's target is $\varepsilon - x_0$, and `min_snr_gamma` is off here:
"""),
("code", r"""
from toolkit.diffusion import losses

print(inspect.getsource(video_diffusion.loss_function))
source = inspect.getsource(losses.diffusion_loss)
print(source[source.index("    t = schedule"):])
"""),
("md", r"""
A few steps, live (the shipped model trained 600 steps of 4 clips):
"""),
("code", r"""
config = video_diffusion.VideoDiffusionConfig(steps=pick(20, 2), batch_size=pick(4, 1))
live = video_diffusion.train_model(config)
fig, ax = plt.subplots(figsize=(6, 2.8))
ax.plot(live.losses, "o-", lw=1, label="live run")
ax.set(xlabel="step", ylabel="flow-matching loss", title="Training only the temporal layers")
ax.legend()
fig.tight_layout()
"""),
("code", r"""
video_pipe = TextToVideoPipeline.from_pretrained("shapes_spacetime_unet")                          # the shipped space-time U-Net, in pixels
prompts = [prompt, "a small blue square moving up then down", "a big yellow triangle drifting down-right"]
videos = video_pipe(prompts, seed=0, steps=20).videos
display(inline(videos, fps=8, scale=2.0, title="space-time U-Net"))
frames_figure(videos[0], title=prompts[0]);
"""),
("code", r"""
frames_viewer(videos, prompts)
"""),
("md", r"""
What to notice. Every clip keeps its object: the same shape, colour and size in every frame, where the
per-frame baseline changed them. But the objects hardly travel, and not the way their prompts say. That is
this small model's design, and worth understanding:
- its temporal layers read no prompt; only the spatial layers cross-attend to the text, through the image
  model's text encoder, which never read a motion word ("left" and "right" are words it was never trained on);
- 600 steps of 4 clips, training only the temporal layers, teach them to hold the frames together first;
  making the object travel smoothly, in one direction, is a harder pattern that comes later.

Notebook 08's transformer reads the prompt in every block, through a text encoder trained on clips, and
moves the object as asked.
"""),
("md", r"""
## 4. What the temporal layers look at

Each temporal attention layer gives, for every pixel, a T × T matrix, the
$\mathrm{softmax}(QK^\top/\sqrt{d})$ of section 3 (`TemporalLayer.attention_weights` builds it; the forward pass
never does): how much frame t reads frame s. Each row sums to 1. Averaged over the pixels of one layer, at one
step of sampling:
"""),
("code", r"""
model = video_pipe.unet.unet                                          # the SpaceTimeUNet inside its FlowTime wrapper
x_t = 0.5 * videos[:1] + 0.5 * torch.randn(1, 3, 16, 32, 32, generator=torch.Generator().manual_seed(0))
maps = temporal_attention_maps(model, x_t, torch.tensor([500.0]), **text(prompts[:1]))
names = list(maps)[:: max(1, len(maps) // 4)][:4]
fig, axes = plt.subplots(1, len(names), figsize=(3.6 * len(names), 3.4), layout="constrained")   # room for every label
for k, (ax, name) in enumerate(zip(axes, names)):
    shown = ax.imshow(maps[name][0].mean(0), cmap="viridis", vmin=0)
    ax.set_title(f"after block {name}", fontsize=9)
    ax.set(xlabel="frame read (s)", ylabel="frame reading (t)")
fig.colorbar(shown, ax=axes, shrink=0.8, label="attention weight")
fig.suptitle("Temporal attention at t = 0.5 (mean over pixels and heads)", fontsize=10);
"""),
("md", r"""
## 5. The scoreboard, and the cost

`python -m toolkit.experiments.text_to_video` measures every video model on the same held-out prompts (notebook 08
explains the prompt sets). Consistency, side by side:
"""),
("code", r"""
rows = checkpoints.metrics("text_to_video")["rows"]
print(f"{'model':34s} {'prompts':12s} {'n':>4s} {'id-chg':>7s} {'jerk px':>8s} {'motion':>7s} {'joint':>6s}")
for r in rows:
    print(f"{r['model']:34s} {r['prompts']:12s} {r['n']:4d} {r['identity_changes']:7.2f} {r['path_jerk_px']:8.2f} "
          f"{r['motion']:7.2f} {r['joint']:6.2f}")
"""),
("md", r"""
What each clip costs, pixel space-time U-Net against the latent transformer of notebook 08, counted by
`torch.utils.flop_counter` and timed side by side in this run (20 flow-Heun steps with classifier-free guidance):
"""),
("code", r"""
latent_pipe = TextToVideoPipeline.from_pretrained()
calls = {"pixel space-time U-Net": lambda: video_pipe(prompt, steps=20),
         "latent transformer + VAE": lambda: latent_pipe(prompt, steps=20)}
flops = {name: count_flops(call)["total"] for name, call in calls.items()}
seconds = wall_times(calls, repeats=pick(3, 1))
for name in calls:
    print(f"{name:26s} {flops[name] / 1e9:8.1f} GFLOP per clip   {seconds[name]:6.2f} s per clip")
a, b = calls
print(f"pixel / latent: {flops[a] / flops[b]:.0f}x the FLOPs, {seconds[a] / seconds[b]:.1f}x the time")
"""),
("md", r"""
## Where this shows up in production

- **Video Diffusion Models** (Ho et al. 2022): a 3-D U-Net factorised into spatial layers and temporal
  attention, trained on images and videos together.
- **Make-A-Video** (Meta, 2022) and **AnimateDiff** (2023): inflate a trained text-to-image model with
  zero-initialised temporal layers; AnimateDiff trains only those, as here.
- **Stable Video Diffusion** (Stability, 2023) and **Lumiere** (Google, 2024): space-time U-Nets, in latent
  space (SVD) or with a space-time bottleneck (Lumiere).
- Then the field moved to latent transformers over spacetime patches (notebook 08): pixel U-Nets cost too
  much per frame, as the last table shows.

## Exercises
"""),
("md", r"""
**1. Zero start.** Why does the fresh space-time U-Net match the image model exactly? Set
`zero_layers` to the number of temporal layers whose output projection (`.out.weight`) is all zeros in a
fresh `SpaceTimeUNet` (it should be every one of them).
"""),
("code", r"""
from toolkit.exercise_answers import check_exercise

fresh = SpaceTimeUNet(type(image_model.unet)(image_model.unet.config))
zero_layers = None   # your code here
check_exercise("07.1", zero_layers, fresh=fresh);
"""),
("md", r"""
**2. Flicker by hand.** Write the identity-change rate of a list of per-frame (shape, colour) readings: the
fraction of consecutive pairs that differ. For `readings` below it is 2 changes in 4 pairs.
"""),
("code", r"""
readings = [("circle", "red"), ("circle", "red"), ("square", "red"), ("square", "red"), ("circle", "red")]
change_rate = None   # your code here
check_exercise("07.2", change_rate, readings=readings);
"""),
]

if __name__ == "__main__":
    build(Path(__file__).resolve().parents[1] / "07_video_diffusion.ipynb", CELLS)
