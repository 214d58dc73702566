"""Builds notebooks/09_sound_and_vision.ipynb."""
from pathlib import Path

from nb import build

CELLS = [
("md", r"""
# 09 · Sound and vision

A clip of a ball bouncing off a wall is not finished until you hear the bounce. The newest video models
make the soundtrack **with** the picture: Google's Veo 3 (2025) describes latent diffusion applied jointly
to audio latents and video latents, and OpenAI's Sora 2 generates dialogue and sound effects in step with
what it shows. The hard part has a name: **synchrony**. A footstep a tenth of a second late is heard as
wrong.

Here the shapes world gets a soundtrack, and one transformer generates sound and picture together from one
latent, as notebook 08's did the picture alone. Then we measure whether the clicks land on the bounces, and
compare with the obvious alternative: two separate models, one for the picture and one for the sound.

**What you will do**
1. Hear the data: every object hums, every bounce clicks.
2. Compress sound as notebook 05 compressed pictures, with one latent frame per video frame.
3. Put video tokens and audio tokens in one sequence, on one clock measured in seconds.
4. Generate clips with sound, and save them as mp4 files you can play.
5. Measure synchrony and pitch, against the separate-models baseline.
"""),
("code", r"""
import inspect

import matplotlib.pyplot as plt
import torch
from IPython.display import Audio, Video, display

from toolkit import checkpoints, zoo
from toolkit.recipes import sound_video
from toolkit.pipelines import SoundVideoPipeline, TextToVideoPipeline, separate
from toolkit.data import ShapesWorld, sound
from toolkit.eval import sync
from toolkit.eval.video_adherence import prompt_set
from toolkit.recipes.retrain import use_retrained
from toolkit.runtime import mode, pick
from toolkit.viz.animation import inline, save_with_sound
from toolkit.viz.sound import sound_figure

plt.rcParams["figure.dpi"] = 72
print(mode())
# TOOLKIT_TRAIN=full retrains the shipped models this notebook loads (see its header); by default nothing.
use_retrained(["shapes_audio_ae", "shapes_sound_dit", "shapes_sound_video_dit"])
"""),
("md", r"""
## 1. Hearing the shapes world

The soundtrack is derived from each clip's ground truth (`toolkit.data.sound`), so that sound and picture
agree by construction:

* every object **hums** a pure tone for the whole clip; its **pitch names its shape** (the notes of an
  A major chord), its loudness its size;
* every **bounce** off a wall makes a **click**, a 2 kHz tone that dies away in about 20 ms, starting at the
  first sample of the frame where the object touches the wall.

Sound is sampled 8,000 times a second; clips play at 8 frames a second, so **exactly 1,000 samples go with
each frame**. That whole number is a design choice that pays off below.
"""),
("code", r"""
for shape, hz in sound.PITCH.items():
    print(f"{shape:9s} hums at {hz:6.2f} Hz")
world = ShapesWorld()
batch = world.sample(3, seed=3, split="train", motion="left then right")
audio = sound.soundtrack(batch)
print(f"\n{audio.shape[1]} samples = {audio.shape[1] / sound.SAMPLE_RATE:.0f} s for {batch.video.shape[2]} frames")
display(inline(batch.video, fps=8, scale=3.0))
for i in range(3):
    print(f"{batch.captions[i]!r}: bounce at frame {int(batch.bounce_frame[i, 0])}, "
          f"hum at {float(sound.hum_pitch(audio[i])):.1f} Hz, clicks heard at frames {sound.click_frames(audio[i])}")
    display(Audio(audio[i].numpy(), rate=sound.SAMPLE_RATE, normalize=False))
"""),
("md", r"""
Under the frames: the waveform, and its **spectrogram** (how loud each frequency is, over time). The hum is
a flat line at its pitch; the click is a short vertical streak, high up, under the frame of the bounce.
"""),
("code", r"""
fig = sound_figure(batch.video[0], audio[0], title=batch.captions[0],
                   marks={"bounce": [int(batch.bounce_frame[0, 0])], "click": sound.click_frames(audio[0])})
spec = fig.axes[2]                                             # the spectrogram; its colour bar beside it
fig.colorbar(spec.images[0], cax=spec.inset_axes([1.01, 0, 0.015, 1])).set_label("loudness (dB)")
"""),
("md", r"""
## 2. Compressing sound, one latent frame per video frame

Notebook 05's VAEs made pictures small enough for a diffusion model. Sound needs the same. The audio
autoencoder (`toolkit.models.audio_autoencoder`) cuts the waveform into **patches of 1,000 samples, one per
video frame**, and squeezes each into 16 numbers with a small MLP; a decoder turns them back. The 2-second
clip's 16,000 samples become a latent of 16 frames × 16 channels.

Because a patch is exactly one video frame, **latent frame *i* holds the sound of video frame *i***. The video
VAE compresses time by 4, so each of its latent frames spans exactly four audio latent frames: their
boundaries line up. It was trained in about half a minute (`python -m toolkit.recipes.sound_video train --stage audio`):
"""),
("code", r"""
ae = zoo.load("shapes_audio_ae")
manifest = zoo.manifest("shapes_audio_ae")
print({k: round(v, 3) for k, v in manifest["metrics"].items()})
held = sound_video.sounds(1, seed=11, split="heldout")
recon = ae(held).clamp(-1, 1)
z = ae.to_latent(held)[0]
fig, axes = plt.subplots(1, 3, figsize=(11, 2.8), gridspec_kw={"width_ratios": [2, 2, 1]})
t = torch.arange(16000) / 8000
for ax, span in zip(axes[:2], ((0, 16000), (6900, 7300))):
    ax.plot(t[span[0]:span[1]], held[0, span[0]:span[1]], lw=1, label="original")
    ax.plot(t[span[0]:span[1]], recon[0, span[0]:span[1]].detach(), lw=1, ls="--", label="reconstruction")
    ax.set(xlabel="seconds")
axes[0].set_title("a held-out clip's sound", fontsize=9)
axes[1].set_title("zoomed in: 50 ms around frame 7", fontsize=9)
axes[1].legend(fontsize=7)
axes[0].set_ylabel("amplitude")
latent = axes[2].imshow(z.detach(), cmap="coolwarm", aspect="auto")
axes[2].set(xlabel="latent frame (= video frame)", ylabel="channel", title="its latent: 16 x 16")
fig.colorbar(latent, ax=axes[2]).set_label("latent value")
fig.tight_layout()
display(Audio(recon[0].detach().numpy(), rate=8000, normalize=False))
"""),
("md", r"""
## 3. One latent, one sequence, one clock

A clip's **joint latent** is its video latent (8 × 4 × 8 × 8 = 2,048 numbers, notebook 08's) and its audio
latent (16 × 16 = 256) side by side in one vector. Everything notebook 08 built runs on it unchanged: the
flow-matching loss, classifier-free guidance, the samplers. Only the network knows that the vector has two
parts. `SoundVideoDiT` (`toolkit.models.sound_video_dit`) cuts it into tokens:

* **64 video tokens**, spacetime patches of the video latent, as in notebook 08;
* **16 audio tokens**, one per audio latent frame;

and all 80 attend to one another in every block, while cross-attention reads the prompt as before.

How does an audio token know which picture it goes with? Only by its **position**. Every token gets sin-cos
features of **the time it covers, in seconds**: a video latent frame covers four frames (half a second), an
audio latent frame one (an eighth). Both streams share that axis, so "0.8 seconds" means the same to a sound
token and to a picture token. Video tokens also get their place (h, w) in the frame, and each stream a learned
embedding that says which stream it is.
"""),
("code", r"""
joint = zoo.load("shapes_sound_video_dit")
n_video, n_audio = joint.config.sizes
print(f"joint latent: {n_video} video numbers + {n_audio} audio numbers = {n_video + n_audio}")
print(f"{sum(p.numel() for p in joint.parameters()):,} parameters")
fig, ax = plt.subplots(figsize=(9, 2.2))
for k in range(4):
    ax.barh(1, 0.5, left=0.5 * k, color=plt.cm.Blues(0.35 + 0.15 * k), edgecolor="k")
    ax.text(0.5 * k + 0.25, 1, f"video latent frame {k}\n(16 tokens)", ha="center", va="center", fontsize=7)
for j in range(16):
    ax.barh(0, 1 / 8, left=j / 8, color=plt.cm.Oranges(0.3 + 0.04 * j), edgecolor="k")
    ax.plot((j + 0.5) / 8, 0, "k.", ms=4)
for k in range(4):
    ax.plot((k + 0.5) / 2, 1, "k.", ms=4)
ax.set_yticks([0, 1], ["audio tokens", "video tokens"])
ax.set(xlabel="seconds (dots: the time each token's position says)", xlim=(0, 2),
       title="Two streams, one clock")
fig.tight_layout()
"""),
("md", r"""
Trained with `python -m toolkit.recipes.sound_video train --stage joint`: 30,000 steps of 32 training clips, about
40 minutes on 2 cores. The loss is notebook 08's flow matching on the whole vector, with two changes:

* **Each stream its own noise level, half of the time.** Our first run noised sound and picture together, as
  sampling does, and learned the two apart: its clips clicked at plausible moments, often two or three times
  a clip, but seldom when the picture bounced. When both streams are equally noisy, the sound can be denoised
  from itself. So for half of the training clips the audio gets a noise level of its own
  (UniDiffuser's trick, Bao et al. 2023): when the sound is drowned and the picture is clear, the only way
  to predict the sound is to look at the picture. Each token is told its own stream's noise level (adaLN
  per token); sampling keeps the two levels equal. Section 5 measures whether that was enough.
* Each stream's squared error is averaged on its own and the two are added, so that 256 audio numbers weigh
  as much as 2,048 video numbers.

It is small (0.4 M parameters, a sixth of notebook 08's transformer): every shipped model shares the course's
40 MB of weights.

In symbols: the joint latent is $x_0 = (x_0^v, x_0^a)$, the video's $n_v = 2048$ numbers and the audio's
$n_a = 256$. Each stream is noised along notebook 08's straight path at its own time, $t_a = t_v$ for half of the
clips and drawn independently for the other half,

$$x_t^v = (1 - t_v)\,x_0^v + t_v\,\varepsilon^v, \qquad x_t^a = (1 - t_a)\,x_0^a + t_a\,\varepsilon^a,$$

and one network $\hat v_\theta = (\hat v^v, \hat v^a)$ sees both streams and predicts both velocities:

$$L = \frac{1}{n_v}\big\|\hat v^v_\theta(x_t, t_v, t_a, c) - (\varepsilon^v - x_0^v)\big\|^2
    + \frac{1}{n_a}\big\|\hat v^a_\theta(x_t, t_v, t_a, c) - (\varepsilon^a - x_0^a)\big\|^2 .$$

The loss as the recipe computes it; look for `apart` (the clips whose audio gets its own time) and the last line
(each stream's mean, added):
"""),
("code", r"""
source = inspect.getsource(sound_video.loss_function)
print(source[source.index("        t = schedule"):])
"""),
("md", r"""
## 4. Generating sound and picture together
"""),
("code", r"""
pipe = SoundVideoPipeline.from_pretrained()
prompts = ["a big red circle moving left then right", "a small blue square moving up then down",
           "a big green cross moving right then left", "a small yellow triangle moving down"]
steps, scale = pick(20, 6), 4.0           # 20 flow-Heun steps; classifier-free guidance scale
out = pipe(prompts, seed=0, steps=steps, guidance_scale=scale)
bounces, clicks = sync.events(out.videos, out.audio)
display(inline(out.videos, fps=8, scale=3.0))
for i, prompt in enumerate(prompts):
    print(f"{prompt!r}: bounce seen at {bounces[i]}, clicks heard at {clicks[i]}, "
          f"hum {float(sound.hum_pitch(out.audio[i])):.0f} Hz (a {prompt.split()[3]} should hum "
          f"{sound.PITCH[prompt.split()[3]]:.0f})")
"""),
("code", r"""
fig = sound_figure(out.videos[0], out.audio[0], title=prompts[0], marks={"bounce": bounces[0], "click": clicks[0]})
spec = fig.axes[2]
fig.colorbar(spec.images[0], cax=spec.inset_axes([1.01, 0, 0.015, 1])).set_label("loudness (dB)")
"""),
("md", r"""
Saved with sound: `save_with_sound` writes one mp4 (H.264 picture, AAC sound) with the ffmpeg that ships
inside `imageio-ffmpeg`. Press play and listen for the click. From a terminal,
`python -m toolkit sound "a big red circle moving left then right" --seed 0` writes the mp4 and
the figure above into `outputs/`.
"""),
("code", r"""
path = save_with_sound(out.videos[0], out.audio[0], "outputs/09_joint_clip.mp4")
Video(str(path), embed=True, width=256)
"""),
("md", r"""
### Sound for a clip that already exists

Because training sometimes left the picture clean while the sound was noisy, the same model can also write
the soundtrack of a finished clip (video-to-audio, the job of Movie Gen's separate audio model): the picture's
latent is held clean, told noise level 0, and only the sound is sampled. Here, three real clips of the world,
whose bounces nobody generated:
"""),
("code", r"""
clips = ShapesWorld().sample(3, seed=7, split="train", motion="up then down")
dubbed = pipe.sound_for(clips.video, clips.captions, seed=0, steps=steps, guidance_scale=scale)
for i in range(3):
    print(f"{clips.captions[i]!r}: bounces at frame {int(clips.bounce_frame[i, 0])}, "
          f"the model's clicks at {sound.click_frames(dubbed[i])}")
fig = sound_figure(clips.video[0], dubbed[0], title="a real clip, its sound generated",
                   marks={"bounce": [int(clips.bounce_frame[0, 0])], "click": sound.click_frames(dubbed[0])})
spec = fig.axes[2]
fig.colorbar(spec.images[0], cax=spec.inset_axes([1.01, 0, 0.015, 1])).set_label("loudness (dB)")
"""),
("md", r"""
## 5. Measuring synchrony

The judge (`toolkit.eval.sync`) learns nothing and shares nothing with the generator:

* **bounces, from the picture**: notebook 08's attribute reader follows the object's centre; when it reads a
  bounce, the bounce is at the turning point, the frame where the object is nearest the wall;
* **clicks, from the sound**: frames where the waveform's curvature jumps (a 2 kHz click bends the waveform
  a hundred times more sharply than the hum does);
* a click and a bounce **match** when they are at most one frame apart. **Precision**: the fraction of clicks
  that match a bounce. **Recall**: the fraction of bounces that match a click;
* the **offset**: slide the clicks against the bounces and find the shift (in frames) where most coincide;
  0 when the sound is on time;
* **pitch adherence**: the fraction of clips whose hum is within half a semitone of the prompt's shape.

In symbols, for one clip with bounce frames $B$ and click frames $C$, let $M$ be the number of pairs
$(b, c)$ with $|b - c| \le 1$, each bounce and each click used at most once (nearest pairs first). Summed
over all clips,

$$\text{precision} = \frac{\sum M}{\sum |C|}, \qquad \text{recall} = \frac{\sum M}{\sum |B|}, \qquad
\text{offset} = \arg\max_{\ell}\; \sum_{\text{clips}} \big|\{b + \ell : b \in B\} \cap C\big| .$$

The judge's code, in three pieces: a click is a frame whose waveform bends sharply (`click_frames`); clicks
and bounces are paired nearest first (`match`); the sums above (`synchrony`):
"""),
("code", r"""
source = inspect.getsource(sound.click_frames)
print(source[source.index("    per_frame"):])
print(inspect.getsource(sync.match))
source = inspect.getsource(sync.synchrony)
print(source[source.index("    bounces, clicks"):source.index("    curve =")])
"""),
("md", r"""
First, the judge on real clips with their true soundtracks, and with the soundtrack played two frames late:
"""),
("code", r"""
_, truths = prompt_set("wording")
real_videos, real_audio = sync.real(truths[:pick(96, 24)])
for name, a in (("true soundtrack", real_audio), ("two frames late", torch.roll(real_audio, 2000, dims=1))):
    s = sync.synchrony(real_videos, a)
    print(f"{name:16s}: precision {s['precision']:.2f}, recall {s['recall']:.2f}, offset {s['offset_frames']} frames")
"""),
("md", r"""
Now the models, live, on prompts of bouncing clips. The **baseline** is two separate models, each trained on
the same clips: the picture from notebook 08's `shapes_video_dit`, the sound from `shapes_sound_dit`, the
same transformer with audio tokens only. Both read the prompt, so the baseline knows *that* the object
bounces and which shape hums; it cannot know *when* the picture will bounce (the world bounces anywhere in
the middle third of the clip).
"""),
("code", r"""
bouncy = [p for p, t in zip(*prompt_set("wording")) if " then " in t["motion"]][:pick(32, 4)]
baseline_pipes = (TextToVideoPipeline.from_pretrained(), SoundVideoPipeline.from_pretrained("shapes_sound_dit"))
live = {"joint": pipe(bouncy, seed=0, steps=steps, guidance_scale=scale),
        "separate": separate(bouncy, seed=0, steps=steps, guidance_scale=scale, pipes=baseline_pipes)}
for name, o in live.items():
    s = sync.synchrony(o.videos, o.audio)
    print(f"{name:9s}: {s['bounces']} bounces seen, {s['clicks']} clicks heard: precision {s['precision']:.2f}, "
          f"recall {s['recall']:.2f}, offset {s['offset_frames']}")
"""),
("md", r"""
`python -m toolkit.experiments.sound_video` measures the same on two fixed prompt sets: the 220 prompts of the "wording"
set (every training combination of shape, colour and motion, in wordings training never used; a third of
them bounce) and the 204 of the "combination" set (held-out combinations). Straight motions count too: a
click where nothing bounces lowers precision. The committed table:
"""),
("code", r"""
table = checkpoints.metrics("sound_video")
print(f"{'':62s} {'set':12s} {'precision':>9s} {'recall':>7s} {'offset':>6s} {'pitch':>6s} {'motion':>6s}")
for r in table["rows"]:
    print(f"{r['model']:62s} {r['set']:12s} {r['precision']:9.3f} {r['recall']:7.3f} {str(r['offset_frames']):>6s} "
          f"{r['pitch_adherence']:6.3f} {r['motion_adherence']:6.3f}")
fig, (ax, ax2) = plt.subplots(1, 2, figsize=(12, 4.2))
shown = [f"joint (shapes_sound_video_dit), guidance {scale:g}",
         f"separate (shapes_video_dit + shapes_sound_dit), guidance {scale:g}",
         f"joint, sound for real clips (video-to-audio), guidance {scale:g}", "real clips with their soundtracks"]
by_name = {r["model"]: r for r in table["rows"] if r["set"] == "wording"}
rows = [by_name[name] for name in shown]                                  # by exact name: one bar each
width = 0.8 / len(rows)
for i, r in enumerate(rows):
    ax.bar([k + width * i for k in range(3)], [r["precision"], r["recall"], r["pitch_adherence"]], width,
           label=r["model"], color=plt.cm.viridis(i / (len(rows) - 1)))
    curve = r["offset_curve"]
    ax2.plot([int(k) for k in curve], [v / max(r["bounces"], 1) for v in curve.values()], "o-", label=r["model"],
             color=plt.cm.viridis(i / (len(rows) - 1)))
ax.set_xticks([k + width * (len(rows) - 1) / 2 for k in range(3)], ["precision", "recall", "pitch adherence"])
ax.set(ylim=(0, 1.05), ylabel="share", title='"wording" set: clicks against bounces (within 1 frame)')
fig.legend(*ax.get_legend_handles_labels(), fontsize=7, loc="lower center", ncols=2)   # below both charts
ax2.set(xlabel="click lag behind the bounce (frames)", ylabel="matches per bounce",
        title="cross-correlation of clicks and bounces")
fig.tight_layout(rect=(0, 0.13, 1, 1))                                     # room for the legend below
"""),
("md", r"""
### What the numbers say

Honestly: **our joint model has learned what to play and whether to click, not yet when.**

* **Pitch**: the hum names the prompt's shape in every clip of the "wording" set; on held-out combinations,
  in 70% (the audio-only model: 82%).
* **Whether**: clips click when the prompt bounces, and stay quiet when it does not.
* **When**: at guidance 4, 29% of its clicks fall within a frame of a bounce it drew and 81% of its bounces get
  a click, about what the two separate models reach by chance (32% and 77%). It clicks about three times per
  bouncing clip, spread over the frames where the world's bounces can happen, and the cross-correlation is
  nearly flat around 0. Given a finished real clip (video-to-audio) it does no better (29% and 69%): what it
  has not learned is to read the moment of the bounce out of the video latent.

The target we set for this notebook, precision and recall of at least 0.9 with an offset of 0, is not
reached. Why synchrony is the hard part here: the video VAE folds four frames into each latent frame, so the
frame of a bounce is hidden in the content of a latent token, not in its position; the model must decode the
object's path from the latent, find its turn, and place a click on the right one of sixteen audio tokens, with
0.4 M parameters and 48 minutes of training. Guidance makes it worse in a telling way: pushed towards "this
clip bounces", every plausible frame gets a click. Production systems spend their scale exactly here, and
measure it: lip-sync and offset predictors (SyncNet, Synchformer) are standard in their evaluations.

### Why: a counterfactual

Is the model failing to find the bounce, or not looking for it? Ask it a question whose answer only the timing
can change. `ShapesWorld.sample(..., bounce_frame=k)` draws a clip with its bounce pinned at frame $k$ and every
other draw the same: the same object, speed, wall and background. Take such a pair, bounces at frames $k_a$ and
$k_b = k_a + 3$, and ask the joint model for the sound of both, with the same prompt and the same noise
(`sync.timing_swap`). A model that watches the picture moves its click by 3 frames:
"""),
("code", r"""
clips_a, clips_b, swap_prompts = sync.swap_pairs(pick(12, 3))   # bounces (5, 8), (6, 9), (7, 10) in turn
listen = lambda videos, prompts: pipe.sound_for(videos, prompts, seed=0, steps=steps, guidance_scale=scale)
live_swap = sync.timing_swap(listen, clips_a, clips_b, swap_prompts)
print(f"{live_swap['pairs']} pairs: the click moves {live_swap['click_shift_per_bounce_shift']:.2f} frames per "
      f"frame the bounce moves; {live_swap['follow_share']:.0%} of pairs follow; {live_swap['same_clicks_share']:.0%} "
      "click at exactly the same frames")

fig, ax = plt.subplots(figsize=(11, 2.8), layout="constrained")
with torch.no_grad():
    heard = [listen(c.video[:3], swap_prompts[:3]) for c in (clips_a, clips_b)]
for i in range(3):
    for j, (clips, audio, colour) in enumerate(zip((clips_a, clips_b), heard, ("C0", "C1"))):
        y = 2 * i + j * 0.6
        ax.plot(int(clips.bounce_frame[i, 0]), y, "v", color=colour, ms=10)
        ax.plot(sound.click_frames(audio[i]), [y] * len(sound.click_frames(audio[i])), "o", color=colour,
                mfc="none", ms=8)
ax.set_yticks([2 * i + 0.3 for i in range(3)], swap_prompts[:3], fontsize=7)
ax.set(xlim=(-0.5, 15.5), xlabel="frame", title="▼ bounce in the picture, ○ click in the sound: clip a (blue) "
       "and the same clip bouncing 3 frames later (orange)")
ax.grid(axis="x", alpha=0.3);
"""),
("code", r'''
# The prose of the committed swap table, its numbers formatted from it.
from IPython.display import Markdown, display
swap = checkpoints.metrics("sound_video")["timing_swap"]
at = {r["model"].rsplit(" ", 1)[-1]: r for r in swap["rows"]}
display(Markdown(f"""
Over all {at['4']['pairs']} pairs (`{swap['command']}`), at guidance 4 the click moves
{at['4']['click_shift_per_bounce_shift']:.3f} frames per frame the bounce moves and {at['4']['follow_share']:.0%} of the pairs
follow it; in {at['4']['same_clicks_share']:.0%} the two clips click at exactly the same frames (guidance 2:
{at['2']['click_shift_per_bounce_shift']:.3f}, {at['2']['same_clicks_share']:.0%}). The sound does not depend on the picture's
timing at all: the model learned $p(\\text{{sound}} \\mid \\text{{prompt}})$, "a bouncing prompt clicks somewhere in
frames 5 to 10", which is why its scores are close to what clicking at random frames would give. Training
longer does not fix that, because the loss barely sees it: two clips that differ only in their bounce have
almost the same audio latent, and the audio loss is averaged with the much larger video loss. What production video-to-audio models do instead is line the streams
up: each audio frame receives a feature of its own video frame (MMAudio's synchronisation features, at the
video's frame rate), so the question "is there a bounce here?" is asked where the answer is.
"""))
''', ["measured-prose"]),
("md", r"""
## 6. Where this appears in production

* **One latent, jointly denoised**: Veo 3's model card describes latent diffusion applied jointly to temporal
  audio latents and spatio-temporal video latents; open models such as Ovi and LTX-2 (2025) pair a video
  transformer with an audio one and let them attend to each other block by block, giving the two streams
  positions on one time axis, as we did with seconds.
* **Two stages**: Meta's Movie Gen (2024) generates the picture first, then a separate audio model writes the
  soundtrack *while watching the finished video* (video-to-audio, as MMAudio and HunyuanVideo-Foley do).
  That keeps sync, because the sound model sees the video; our baseline is worse than that on purpose: it
  sees only the prompt, to show what is lost when neither stream sees the other.
* **MM-Diffusion** (Ruan et al., CVPR 2023) was an early joint model: two coupled U-Nets, one for the
  picture and one for the sound, exchanging information through cross-modal attention.
* Measuring sync in production uses learned audio-visual models (SyncNet for lips, and offset predictors
  such as Synchformer); ours can be hand-written because we know exactly what a bounce and a click are.

## Exercises
"""),
("md", r"""
**1. Which shape is humming?** Find the loudest frequency between 100 and 1000 Hz of the soundtrack `a` below
with `torch.fft.rfft` and `torch.fft.rfftfreq` (sample rate 8000), then name the shape whose pitch it is.
"""),
("code", r"""
from toolkit.exercise_answers import check_exercise

a = sound.soundtrack(ShapesWorld().sample(1, seed=21, split="train"))[0]
shape = None       # your code here: "circle", "square", "triangle" or "cross"
check_exercise("09.1", shape, a=a);
"""),
("md", r"""
**2. One frame late.** Delay the real soundtracks `real_audio` by one frame (1,000 samples) with `torch.roll`
and measure them against `real_videos` with `sync.synchrony`. What offset does the judge find, and why is
the precision still 1?
"""),
("code", r"""
offset = None      # your code here: the offset the judge reports, in frames
check_exercise("09.2", offset, real_videos=real_videos, real_audio=real_audio);
"""),
]

if __name__ == "__main__":
    build(Path(__file__).resolve().parents[1] / "09_sound_and_vision.ipynb", CELLS)
