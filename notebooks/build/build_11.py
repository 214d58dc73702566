"""Builds notebooks/11_beyond_a_prompt.ipynb."""
from pathlib import Path

from nb import build

CELLS = [
("md", r"""
# 11 · Beyond a prompt: animate a picture, edit a clip, extend it

Text to video is where most users of a video generator start, not where they stop. They bring a **picture**
and ask for it to move; they take a **clip** and ask for the same motion in another colour; they want it
**longer** than the model's window. This notebook does all three with the latent video transformer of
notebook 08 and the causal video VAE of notebook 05, without retraining anything: the sampler is started, or
held, differently. Each one is measured with the attribute reader, on hundreds of prompts, in
`assets/metrics/beyond.json`.

**Builds on** 08 (the transformer, its sampler and guidance) and 05 (the causal video VAE).
**Time**: under 5 minutes in default mode on 2 CPU cores (seconds in fast mode).

**What you will be able to do**
1. Say what the causal VAE's first latent frame holds, measured, and turn a picture into a clip that starts
   from it: **image to video** by inpainting the latent (keeping the known part fixed while the rest is drawn).
2. **Edit** a clip with a new prompt by SDEdit, and choose the strength from the measured trade-off between
   following the new prompt and keeping the old clip.
3. **Extend** a clip to 48 frames window after window, find the seams, and say why long clips fall short.
"""),
("code", r"""
import inspect

import ipywidgets as widgets
import matplotlib.pyplot as plt
import torch
from einops import rearrange, repeat
from IPython.display import Markdown, display

from toolkit import checkpoints
from toolkit.data import ShapesWorld, WorldConfig
from toolkit.data.captions import SYNONYMS
from toolkit.diffusion import keep_known
from toolkit.eval import read_clips
from toolkit.pipelines.beyond import DEFAULT_STRENGTH, KNOWN_NOISE, BeyondPromptPipeline
from toolkit.runtime import mode, pick
from toolkit.viz import show_clips
from toolkit.viz.animation import inline
from toolkit.viz.figures import to_numpy_image
from toolkit.viz.frames_viewer import describe, frames_figure

plt.rcParams["figure.dpi"] = 72
print(mode())
STEPS = pick(20, 8)                      # sampler steps per clip: about 1 s a clip at 20 on 2 cores
pipe = BeyondPromptPipeline.from_pretrained("shapes_video_dit")
vae = pipe.vae
measured = checkpoints.metrics("beyond")
world = ShapesWorld(WorldConfig())
"""),
("md", r"""
## 1. Image to video

### What the first latent frame holds

The model never sees pixels: it draws the latent of a clip, 4 latent frames for 16 frames. To start a clip
from a given picture, we have to know where the picture lives in that latent. The VAE of notebook 05 is
**causal** in time: latent frame $k$ is computed from frames $0 \ldots 4k+3$ only. So latent frame 0 should
depend on frames 0-3 and on nothing after. Is frame 0 encoded **alone** (as CogVideoX's and Wan's VAEs do,
on clips of $1 + 4k$ frames), or together with frames 1-3? Measure it: change the rest of a clip and see
whether latent frame 0 moves.
"""),
("code", r"""
clips = world.sample(4, seed=1, split="train").video             # (4, 3, 16, 32, 32) in [-1, 1]
others = world.sample(4, seed=2, split="train").video
with torch.no_grad():
    z = vae.to_latent(clips)                                     # (4, 8, 4, 8, 8)
    for first in (1, 4):
        changed = clips.clone()
        changed[:, :, first:] = others[:, :, first:]             # frames first..15 from other clips
        moved = (vae.to_latent(changed)[:, :, 0] - z[:, :, 0]).abs().mean()
        print(f"frames {first:>2}-15 changed: latent frame 0 moves by a mean |Δz| of {moved:.3f} "
              f"(its mean |z|: {z[:, :, 0].abs().mean():.3f})")
"""),
("md", r"""
Changing frames 1-15 moves latent frame 0 as much as its own size; changing frames 4-15 leaves it exactly
where it was. This VAE's first latent frame summarises frames 0-3 together, not frame 0 alone. So the picture
goes in as a **still clip of 4 copies**: its latent frame 0 is what "a clip that holds this picture for 4
frames" encodes to, and the decoder, causal too, turns it back into frames 0-3 of the picture. The motion
starts at frame 4.

### Inpainting the latent

Let $z^{k}$ be the known latent frame (the still clip's latent frame 0) and $m$ the mask of the known
positions. The flow sampler of notebook 03 moves $x_t$ from noise ($t = 1$) to data ($t = 0$). **Inpainting
by replacement** (RePaint, Lugmayr et al. 2022; Ho et al. 2022 for video) overwrites the known part of the
input at every step with the known latent noised to the current level,

$$x_t[m] \leftarrow (1 - t)\, z^{k} + t\, \varepsilon ,$$

with $\varepsilon$ the noise the sampler started from, and sets the known part of the model's prediction to
$z^{k}$, so the known frame ends exactly where it should. The rest of the latent is drawn by the model, which
sees the known frame at every step: nothing is retrained. `keep_known` in `toolkit/diffusion/inpainting.py`
is this, as a wrapper around the denoiser (denoiser in, denoiser out, like guidance).

One change: at $t$ near 1, plain replacement shows the model a known frame drowned in noise, exactly when it
lays out the clip. The default shows it at **half** the current noise level,
$x_t[m] \leftarrow (1 - c\,t)\, z^{k} + c\,t\, \varepsilon$ with $c$ = `KNOWN_NOISE` = 0.5; the table below
measures $c = 1, 0.5, 0$. The wrapper, read from the toolkit:
"""),
("code", r"""
lines = inspect.getsource(keep_known)
print(lines[lines.index("    def denoiser"):])
"""),
("code", r"""
batch = world.sample(1, seed=5, split="heldout")
picture = batch.video[0, :, 0]                                   # (3, 32, 32): frame 0 of a held-out clip
thing = batch.objects(0)[0]
obj = f"a {thing['size']} {thing['colour']} {thing['shape']}"
motions = pick(["right", "down", "up then down"], ["right", "down"])
prompts = [f"{obj} {SYNONYMS['motion'][m][0]}" for m in motions]
out = pipe.animate(picture, prompts, seed=0, steps=STEPS)        # one picture, one clip per prompt
psnr = 10 * torch.log10(4 / ((out.videos[:, :, 0] - picture) ** 2).flatten(1).mean(1))
print("first frame against the picture:", ", ".join(f"{p:.1f} dB" for p in psnr))

frames = torch.linspace(0, 15, 8).round().long().tolist()
fig, axes = plt.subplots(len(prompts), 1 + len(frames), figsize=(1.1 * (1 + len(frames)), 1.3 * len(prompts)),
                         squeeze=False)
for row, (clip, reading) in enumerate(zip(out.videos, read_clips(out.videos))):
    axes[row, 0].imshow(to_numpy_image(picture), interpolation="nearest")
    axes[row, 0].set_title("the picture" if row == 0 else "", fontsize=8)
    axes[row, 0].set_ylabel(f"“{motions[row]}”", fontsize=8)
    for col, t in enumerate(frames, start=1):
        axes[row, col].imshow(to_numpy_image(clip[:, t]), interpolation="nearest")
        axes[row, col].set_title(f"frame {t}" if row == 0 else "", fontsize=8)
    axes[row, -1].set_xlabel(f"reader: {describe(reading)}", fontsize=7, loc="right")
for ax in axes.flat:
    ax.set_xticks([]), ax.set_yticks([])
fig.suptitle(f"{obj}: the given picture, then the clip animated from it for each motion", fontsize=9)
fig.tight_layout()
"""),
("code", r"""
display(inline(out.videos, fps=8, scale=2.0, title=" | ".join(motions)))
"""),
("md", r"""
The clips hold the picture for 4 frames, as the causal latent predicts, then move as asked. Measured on 120
pictures of clips the model was not trained on (`python -m toolkit.experiments.beyond`; "joint" is the share
of clips whose shape, colour, size and motion the reader all finds as asked):
"""),
("code", r"""
rows = [r for r in measured["rows"] if r["task"] == "animate"]
lines = ["| prompts | known noise c | first-frame PSNR (dB) | shape | colour | size | motion | joint |",
         "|---|---|---|---|---|---|---|---|"]
for r in rows:
    c = "–" if r["known_noise"] is None else f"{r['known_noise']:g}"
    db = f"{r['first_frame_psnr_db']:.1f}" if "first_frame_psnr_db" in r else "–"
    lines.append(f"| {r['prompts']} | {c} | {db} | " + " | ".join(f"{r[k]:.0%}" for k in
                                                                  ("shape", "colour", "size", "motion", "joint")) + " |")
display(Markdown("\n".join(lines)))
"""),
("code", r'''
# The prose of this table, its numbers formatted from it (typed numbers would drift from it).
rows = {(r["prompts"], r["known_noise"]): r for r in checkpoints.metrics("beyond")["rows"] if r["task"] == "animate"}
plain, half, clean = (rows["caption", c] for c in (1.0, 0.5, 0.0))
t2v, motion_only, read = rows["caption, no picture (text to video)", None], rows["motion only", 0.5], \
    rows["motion only, object read from the picture", 0.5]
display(Markdown(f"""
* **Plain replacement loses the motion.** With the known frame at the current noise level ($c = 1$), only
  {plain['motion']:.0%} of clips move as asked and {plain['joint']:.0%} are right in everything; at half the level
  ($c = 0.5$), {half['motion']:.0%} and {half['joint']:.0%}; clean ($c = 0$), {clean['joint']:.0%}. The first frame is the
  same in all three ({half['first_frame_psnr_db']:.1f} dB on average, {half['first_frame_psnr_min_db']:.1f} dB at worst):
  what changes is whether the model could read the picture while it laid out the motion.
* **The picture helps the prompt.** Text to video from the same captions is right in everything in
  {t2v['joint']:.0%} of clips, and its first frame is {t2v['first_frame_psnr_db']:.0f} dB from the picture: another
  drawing of the same caption. Starting from the picture, {half['joint']:.0%}.
* **The prompt must still name the object.** Asked only for the motion ("moving right"), {motion_only['joint']:.0%} of
  clips keep the object and move as asked: the model was trained on full captions, and a caption without an object is
  one it never saw. Naming the object that the reader finds in the picture brings it to {read['joint']:.0%}.
"""))
''', ["measured-prose"]),
("md", r"""
### Your own picture

The picture need not come from the dataset. Draw one: a plain grey background (the shapes world's, 0.1 in
$[0, 1]$) and a block of one of its six colours, anywhere. Then name what you drew in the prompt, and the
motion you want. Change the colour, the position, the size of the block, or draw two blocks, and see what the
model does with a picture it was never shown.
"""),
("code", r"""
from toolkit.data import vocab

mine = torch.full((3, 32, 32), 0.1 * 2 - 1)                     # the plain background, in [-1, 1]
blue = torch.tensor(vocab.COLOURS["blue"]) * 2 - 1
mine[:, 10:20, 4:14] = blue.view(3, 1, 1)                        # a 10-pixel blue block, left of centre
asked = ["a large blue square moving right", "a large blue square moving down then up"]
drawn_out = pipe.animate(mine, asked, seed=0, steps=STEPS)
for prompt, reading in zip(asked, read_clips(drawn_out.videos)):
    print(f"{prompt!r}: the reader sees {describe(reading)}")
display(inline(drawn_out.videos, fps=8, scale=2.0, title=" | ".join(asked)))
"""),
("md", r"""
## 2. Editing a clip: SDEdit

SDEdit (Meng et al. 2021, sec. 3.1) edits by noising and denoising. Take the clip's latent $z$ part of the
way to noise, to flow time $s$ (the **strength**),

$$x_s = (1 - s)\, z + s\, \varepsilon, \qquad \varepsilon \sim \mathcal{N}(0, I),$$

and run the sampler from $s$ to 0 with the **new** prompt. The noise wipes out the details, and the model
redraws them after the new prompt; what survives the noise (the layout, the path) is kept. Near $s = 0$ the
clip comes back unchanged; at $s = 1$ it is text to video from pure noise and the old clip is forgotten.
`pipe.edit` takes `round(steps · s)` steps, each the size of a whole run's (as diffusers' img2img does).
Its key lines:
"""),
("code", r"""
lines = inspect.getsource(BeyondPromptPipeline.edit)
print(lines[lines.index("        z = self.vae.to_latent"):lines.index("        return VideoOutput")])
"""),
("md", r"""

Here is one clip with its colour changed, at five strengths:
"""),
("code", r"""
source = world.sample(1, seed=11, split="train")
clip, was = source.video[0], source.objects(0)[0]
new_colour = "blue" if was["colour"] != "blue" else "red"
motion = SYNONYMS["motion"][was["motion"]][0]
new_prompt = f"a {was['size']} {new_colour} {was['shape']} {motion}"
strengths = pick([0.2, 0.4, 0.6, 0.8, 1.0], [0.2, 0.6, 1.0])
edits = torch.cat([pipe.edit(clip, new_prompt, strength=s, seed=0, steps=STEPS).videos for s in strengths])
print(f"source: a {was['size']} {was['colour']} {was['shape']} {motion}; new prompt: {new_prompt}")
show_clips(torch.cat([clip[None], edits]), ["source"] + [f"s = {s:g}" for s in strengths], frames=8);
"""),
("md", r"""
Measured on 100 clips (half asked for a new colour, half for a new shape), the **edit-against-faithfulness
curve**: the share of edits whose changed attribute is as asked *and* whose other attributes and path are kept
(the centre stays within 2 px of the source's on average), with the path distance on the second axis.
"""),
("code", r"""
edit_rows = [r for r in measured["rows"] if r["task"] == "edit"]
fig, ax = plt.subplots(figsize=(6.8, 3.4))
twin = ax.twinx()
for change, colour, mark in (("colour", "#0072B2", "o"), ("shape", "#D55E00", "s")):
    rs = sorted((r for r in edit_rows if r["change"] == change), key=lambda r: r["strength"])
    s = [r["strength"] for r in rs]
    ax.plot(s, [100 * r["as_asked_and_kept"] for r in rs], marker=mark, color=colour, label=f"{change}: as asked and kept")
    twin.plot(s, [r["path_distance_px"] for r in rs], marker=mark, color=colour, linestyle=":", alpha=0.7,
              label=f"{change}: path distance")
ax.axvline(DEFAULT_STRENGTH, color="grey", linewidth=0.8)
ax.text(DEFAULT_STRENGTH + 0.01, 99, "default", fontsize=8, color="grey", va="top")
ax.set(xlabel="strength s (flow time the clip is noised to)", ylabel="as asked and kept (%)", ylim=(0, 105))
twin.set(ylabel="path distance to the source (px, dotted)", ylim=(0, None))
handles = ax.get_legend_handles_labels()[0] + twin.get_legend_handles_labels()[0]
fig.legend(handles, [h.get_label() for h in handles], fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 0.95))
ax.set_title("SDEdit: editing against keeping the clip (100 clips)", fontsize=10)
fig.tight_layout()
"""),
("code", r'''
# The prose of the curve, its numbers formatted from the table.
edits_measured = {(r["change"], r["strength"]): r for r in checkpoints.metrics("beyond")["rows"] if r["task"] == "edit"}
low, mid, best, full = (edits_measured["colour", s] for s in (0.2, 0.4, 0.6, 1.0))
shape_mid, shape_best, shape_full = (edits_measured["shape", s] for s in (0.4, 0.6, 1.0))
display(Markdown(f"""
* **Too little noise and little changes.** At $s = 0.2$, {low['edited']:.0%} of colour edits and
  {edits_measured['shape', 0.2]['edited']:.0%} of shape edits take; the path comes back within {low['path_distance_px']:.1f} px.
* **A shape needs more noise than a colour.** At $s = 0.4$, {mid['as_asked_and_kept']:.0%} of colour edits succeed but only
  {shape_mid['as_asked_and_kept']:.0%} of shape edits: a colour is a detail the noise erases early, a shape is part of the
  layout. At $s = 0.6$ (the default), {best['as_asked_and_kept']:.0%} and {shape_best['as_asked_and_kept']:.0%}, with the
  path {best['path_distance_px']:.1f} px from the source's on average.
* **Too much noise and the clip is forgotten.** At $s = 1$ the edits are as asked but the path is
  {full['path_distance_px']:.1f} px away (colour) and {shape_full['path_distance_px']:.1f} px (shape): only
  {full['as_asked_and_kept']:.0%} and {shape_full['as_asked_and_kept']:.0%} keep the clip. This is text to video.
"""))
''', ["measured-prose"]),
("md", r"""
**Pick the strength yourself.** The slider edits the clip above live (about a second a strength, remembered
once drawn). It needs a live kernel; without one (a notebook read on a repository page) the widget is not
drawn, and the strip above is its static twin.
"""),
("code", r"""
drawn = {}
strength = widgets.FloatSlider(value=DEFAULT_STRENGTH, min=0.1, max=1.0, step=0.1, description="strength",
                               continuous_update=False)
shown = widgets.Output()


def redraw(_=None):
    s = round(strength.value, 1)
    if s not in drawn:
        drawn[s] = pipe.edit(clip, new_prompt, strength=s, seed=0, steps=STEPS).videos[0]
    with shown:
        shown.clear_output(wait=True)
        figure = frames_figure(drawn[s], title=f"s = {s:g}: {new_prompt}")
        display(figure)
        plt.close(figure)


strength.observe(redraw, "value")
redraw()
widgets.VBox([strength, shown])
"""),
("md", r"""
## 3. Extending a clip past the window

The model sees 16 frames: 4 latent frames. For a longer clip, draw it window after window: each next
window keeps the last `overlap` = 2 latent frames of the one before as its first ones (`keep_known` again,
exactly as the picture was kept in section 1) and draws the other 2, that is $4 \cdot (4 - 2) = 8$ new frames.
Each window is decoded alone and only its new frames are appended. With $k$ windows the clip has
$16 + (k - 1) \cdot 4 \cdot (4 - o)$ frames for an overlap of $o$ latent frames: 16, 24, 32, 40, 48, ...
The loop over windows, read from the toolkit:
"""),
("code", r"""
lines = inspect.getsource(BeyondPromptPipeline.extend)
print(lines[lines.index("        for k in range("):lines.index("        return VideoOutput")])
"""),
("md", r"""

A 48-frame clip, 5 windows; the red lines mark the **seams**, the first frame of each window after the
first (`pipe.seams`):
"""),
("code", r"""
long_prompt = "a large yellow square moving right"
long = pipe.extend(long_prompt, frames=48, seed=0, steps=STEPS).videos[0]       # (3, 48, 32, 32)
seams = pipe.seams(48)
print(f"{long.shape[1]} frames, seams at frames {seams}; the reader sees {describe(read_clips(long[None])[0])}")

per_row = 12                                                     # 4 rows of 12 frames
fig, axes = plt.subplots(4, 1, figsize=(10, 4.4))
for row, ax in enumerate(axes):
    part = long[:, row * per_row:(row + 1) * per_row]
    ax.imshow(to_numpy_image(rearrange(part, "c t h w -> c h (t w)")), interpolation="nearest")
    for seam in seams:
        if row * per_row <= seam < (row + 1) * per_row:
            ax.axvline(max((seam - row * per_row) * long.shape[-1] - 0.5, 0.5), color="red", linewidth=2.5)
    ax.set_yticks([])
    ax.set_xticks([i * long.shape[-1] + 16 for i in range(0, per_row, 4)], [row * per_row + i for i in range(0, per_row, 4)],
                  fontsize=7)
axes[-1].set_xlabel("frame (red: a seam, where a new window's frames begin)", fontsize=8)
fig.suptitle(long_prompt + ", 48 frames", fontsize=9)
fig.tight_layout()
"""),
("code", r"""
display(inline(long, fps=8, scale=2.0, title=f"{long_prompt}, 48 frames"))
"""),
("md", r"""
Measured on 60 prompts at 16 to 64 frames: motion adherence read over the whole clip, and two measures of
continuity at the seams against inside a window: the share of frame pairs where the object's identity
(shape, colour, size) changes, and the path's jerk (in pixels, how far the centre departs from a steady
motion between frames).
"""),
("code", r"""
ext = [r for r in measured["rows"] if r["task"] == "extend"]
lines = ["| frames | windows | motion | straight | bounce | joint | identity changes: seams / inside | "
         "path jerk (px): seams / inside |", "|---|---|---|---|---|---|---|---|"]
for r in ext:
    seam_id = "–" if r["identity_changes_seams"] is None else f"{r['identity_changes_seams']:.2f}"
    seam_jerk = "–" if r["path_jerk_px_seams_mean"] is None else f"{r['path_jerk_px_seams_mean']:.2f}"
    lines.append(f"| {r['frames']} | {r['windows']} | {r['motion']:.0%} | {r['motion_straight']:.0%} | "
                 f"{r['motion_bounce']:.0%} | {r['joint']:.0%} | {seam_id} / {r['identity_changes_inside']:.2f} | "
                 f"{seam_jerk} / {r['path_jerk_px_inside_mean']:.2f} |")
display(Markdown("\n".join(lines)))
"""),
("code", r'''
# Why long clips fall short, its numbers formatted from the table.
ext = {r["frames"]: r for r in checkpoints.metrics("beyond")["rows"] if r["task"] == "extend"}
one, longest = ext[16], ext[max(ext)]
display(Markdown(f"""
* **Adherence falls with length:** the motion read over the whole clip is as asked in {one['motion']:.0%} of 16-frame
  clips, {ext[32]['motion']:.0%} at 32 frames and {ext[48]['motion']:.0%} at 48. Part of it is the world itself: in 16
  frames an object crosses a good part of the frame, so a long straight motion meets the wall
  (straight motions: {ext[48]['motion_straight']:.0%} at 48 frames). And a window sees only its 16 frames and the
  prompt: "up then down" is asked of every window again, not once of the whole clip
  (bounces: {ext[48]['motion_bounce']:.0%} at 48 frames).
* **The seams show.** Between two frames at a seam the identity changes {ext[48]['identity_changes_seams']:.2f} of the time at 48
  frames, against {ext[48]['identity_changes_inside']:.2f} inside a window; the path jerks by {ext[48]['path_jerk_px_seams_mean']:.1f} px
  against {ext[48]['path_jerk_px_inside_mean']:.1f} px. A new window sees the previous one only through the two latent
  frames it keeps, and each window is decoded alone, so whatever those frames do not pin down can change there.
* **Errors pile up.** Each window starts from the previous window's output, not from a real clip; at {max(ext)} frames
  the identity changes {longest['identity_changes_inside']:.2f} of the time even inside a window, against
  {one['identity_changes_inside']:.2f} in a single one: drift, the known weakness of autoregressive video.
"""))
''', ["measured-prose"]),
("md", r"""
## Where this shows up in production

* **Image to video.** The production video VAEs (CogVideoX, Wan, HunyuanVideo) are causal like ours but take
  $1 + 4k$ frames, so that the first frame is encoded **alone** into the first latent frame: a picture is then
  exactly a one-frame video, and the model can be told "this latent frame is given". Rather than inpainting at
  sampling time, their image-to-video models are usually **trained** with the image latent as an extra input:
  concatenated to the noisy latent along the channels (CogVideoX-I2V; Wan-I2V adds a mask of the given frames
  and the picture's CLIP image features, read by cross-attention). Training-free
  replacement, as here, is what one does without such a model; our measurement shows why its noise level matters.
* **Editing.** SDEdit is the `strength` argument of diffusers' image-to-image and video-to-video pipelines
  (`StableDiffusionImg2ImgPipeline`, `CogVideoXVideoToVideoPipeline`): the input is noised to the step that
  strength names and the schedule runs from there, about `strength × num_inference_steps` steps (diffusers
  truncates the product, `pipe.edit` rounds it).
  Edits that must keep more of the source add structure from it (ControlNet-style depth, edges, poses) or
  invert the clip to its exact noise first (DDIM inversion) instead of drawing fresh noise.
* **Extension.** Long videos are made by the same two moves: overlapping windows conditioned on the end of the
  previous window (autoregressive extension, as here), or
  windows denoised together and blended where they overlap. FIFO-Diffusion (Kim et al. 2024) keeps a queue of
  frames at increasing noise levels and removes one clean frame per step, so there is no seam to hide; models
  trained with per-frame noise levels (diffusion forcing) generate long clips autoregressively. Drift over
  long clips, which we measured, is the open problem all of them fight.
"""),
("md", r"""
## Exercises
"""),
("md", r"""
**1. SDEdit by hand.** For the latent `z`, the noise `eps` and the strength `s` below, write the starting
point $x_s = (1 - s)\,z + s\,\varepsilon$ of an edit.
"""),
("code", r"""
from toolkit.exercise_answers import check_exercise

z, eps, s = torch.randn(1, 8, 4, 8, 8, generator=torch.Generator().manual_seed(0)), \
    torch.randn(1, 8, 4, 8, 8, generator=torch.Generator().manual_seed(1)), 0.6
x_s = None   # your code here
check_exercise("11.1", x_s, z=z, eps=eps, s=s);
"""),
("md", r"""
**2. How long a clip?** With windows of 16 frames (4 latent frames, 4 frames each) and an overlap of `o`
latent frames, how many frames does `extend` produce with `k` windows? Give the number for 5 windows with an
overlap of 2, and for 3 windows with an overlap of 1.
"""),
("code", r"""
frames_5_windows_overlap_2 = None   # your code here
frames_3_windows_overlap_1 = None   # your code here
check_exercise("11.2a", frames_5_windows_overlap_2)
check_exercise("11.2b", frames_3_windows_overlap_1);
"""),
("md", r"""
**3. What the model is shown.** `keep_known` writes the known latent frame into the model's input, noised to
$c \cdot t$. A spy denoiser below records its input. At $t = 0.8$ with $c = 0.5$, write what the model sees in
latent frame 0, from `known` and `noise`, and compare with what the spy saw.
"""),
("code", r"""
seen = {}


def spy(x, t):
    seen["x"] = x.clone()
    return torch.zeros_like(x)


known, noise = torch.randn(1, 8, 4, 8, 8), torch.randn(1, 8, 4, 8, 8)
mask = (torch.arange(4) < 1).view(1, 1, -1, 1, 1)                # latent frame 0 is known
keep_known(spy, known, mask, noise, known_noise=0.5)(torch.randn(1, 8, 4, 8, 8), torch.tensor([0.8]))
shown_frame_0 = None   # your code here: a (1, 8, 1, 8, 8) tensor
check_exercise("11.3", shown_frame_0, known=known, noise=noise);
"""),
]

if __name__ == "__main__":
    build(Path(__file__).resolve().parents[1] / "11_beyond_a_prompt.ipynb", CELLS)
