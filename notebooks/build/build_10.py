"""Builds notebooks/10_cost_energy_and_scale.ipynb.

    python notebooks/build/build_10.py
    cd notebooks && ../.venv/bin/jupyter nbconvert --to notebook --execute --inplace 10_cost_energy_and_scale.ipynb
"""
from pathlib import Path

from nb import build

CELLS = [
("md", r"""
# 10 · Cost, energy and scale

Every clip of notebook 08 took about a second on a laptop. A production text-to-video model spends minutes
of a data-centre GPU on each clip, and estimates of its energy run to megajoules. This notebook counts where
the work goes, how it grows with the length, size and steps of a clip, what it costs in energy here, and
what the same arithmetic says about production models.

**What you will do**
1. Count the FLOPs of one clip of the shipped model, component by component.
2. Grow the clip (frames, size, steps) and read off how the cost grows; meet the term that makes long,
   large videos expensive.
3. Measure the energy of a clip on this machine, and restate notebook 06's pixel-against-latent savings as energy.
4. Carry the same formula up to a 14-billion-parameter model and compare it with published measurements.
5. Put our components beside their production counterparts in `diffusers`.
"""),
("code", r"""
import inspect
import os

import matplotlib.pyplot as plt
import torch

from toolkit import checkpoints
from toolkit.eval import energy
from toolkit.interop import compare
from toolkit.pipelines import TextToVideoPipeline
from toolkit.runtime import mode, pick

plt.rcParams["figure.dpi"] = 72
print(mode())
pipe = TextToVideoPipeline.from_pretrained()
"""),
("md", r"""
## 1. One clip, counted

`torch.utils.flop_counter` watches every matrix product and convolution of a real call and adds up their
floating-point operations (2 for each multiply-add). One clip of 16 frames of 32 × 32, 20 flow-Heun steps
with classifier-free guidance:
"""),
("code", r"""
clip = energy.clip_flops(pipe)
parts = ["text encoder", "transformer", "decoder"]
print(f"{clip['total'] / 1e9:.1f} GFLOP per clip; the transformer runs {clip['calls']} times "
      f"(Heun: two evaluations a step, one at the last), on {clip['clips per call']} clips at a time "
      f"(guidance: the prompt's and the empty prompt's)")
fig, ax = plt.subplots(figsize=(7, 2.4))
left = 0.0
for part, colour in zip(parts, ["#0072B2", "#E69F00", "#009E73"]):
    ax.barh(0, clip[part] / 1e9, left=left, color=colour, label=f"{part}: {100 * clip[part] / clip['total']:.1f}%")
    left += clip[part] / 1e9
ax.set(xlabel="GFLOP per clip", yticks=[], title="Where one clip's arithmetic goes")
ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.45), ncols=3, fontsize=9)
fig.tight_layout()
one_call = clip["transformer"] / clip["calls"] / clip["clips per call"]
print(f"one transformer call on one clip: {one_call / 1e9:.2f} GFLOP; the decoder, once: {clip['decoder'] / 1e9:.2f} GFLOP")
"""),
("md", r"""
The transformer is most of it, and only because it runs 39 times on two clips: one call on one clip costs
less than the decoder's single run. Two levers follow at once: fewer steps (notebook 03's samplers) and no second pass for
guidance (distilled, guidance-free models), each worth up to half.

## 2. How the cost grows

To count a 128-frame 256 × 256 clip we need not compute it. On PyTorch's **meta device** tensors have a
shape and no values: the models run through every operation, the counter adds up the FLOPs, and nothing is
computed, so any size costs milliseconds. (`energy.scaled_flops` does this, and agrees exactly with the real
count at the shipped size: the tests check it.) Grow one of frames, size and steps, keep the others:
"""),
("code", r"""
grid = energy.sweep(pipe)
fig, axes = plt.subplots(1, 3, figsize=(12, 3.4))
for ax, key, label in zip(axes, ["frames", "size", "steps"], ["frames", "side (pixels)", "sampling steps"]):
    xs, ys = [r[key] for r in grid[key]], [r["total"] for r in grid[key]]
    ax.loglog(xs, ys, "o-", base=2)
    for x0, x1, y0, y1, s in zip(xs, xs[1:], ys, ys[1:], energy.slopes(xs, ys)):
        ax.annotate(f"{s:.1f}", ((x0 * x1) ** 0.5, (y0 * y1) ** 0.5), textcoords="offset points", xytext=(-14, 6),
                    fontsize=8)
    ax.set(xlabel=label, ylabel="FLOPs per clip", title=f"growing the {key}")
fig.suptitle("Cost of one clip (numbers: local exponent, 1 = linear, 2 = quadratic)")
fig.tight_layout()
"""),
("md", r"""
How to read the exponents. **Steps**: below 1, approaching it (the decoder and the text encoder run once,
whatever the steps). **Frames**: about 1, rising. **Size**: from 2 upwards, towards 4, because tokens grow
with the *area*, side². Why the exponents climb: each transformer block does work proportional to the number of tokens N
(the projections and the MLP, every token alone) and work proportional to N² (attention: every token with
every other). A closed form of the same sum, `energy.transformer_flops`, checked against the counter on our
own transformer (within 2%; it leaves out the per-clip work that does not grow with N). For $n_\ell$ blocks
of width $D$, MLP width $m$ and $N$ tokens, counting 2 FLOPs a multiply-add,

$$F_\text{call} = n_\ell \Big[\underbrace{2N\,(4D^2 + 2Dm)}_{\text{the } Q, K, V, O \text{ projections and the MLP}}
\;+\; \underbrace{4N^2 D}_{\text{scores } QK^\top \text{ and mixing } AV}\Big]
\;\approx\; 2 \cdot \text{params} \cdot N \;+\; 4\, n_\ell N^2 D ,$$

since $4D^2 + 2Dm$ are a block's weights: every token is multiplied once by every weight, and every pair of
tokens meets twice in attention. Cross-attention to $L$ text tokens adds $n_\ell\,[4ND^2 + 4LD_\text{text}D + 4NLD]$.
One clip costs $F_\text{clip} = F_\text{call} \times$ (calls: steps, or about twice that for Heun) $\times$ 2
with guidance. The function, line for line:
"""),
("code", r"""
print(inspect.getsource(energy.transformer_flops))
"""),
("md", r"""
Its two terms, on our transformer's shape and on a production one, as the tokens grow:
"""),
("code", r"""
c = pipe.unet.config
tokens = torch.logspace(1, 6, 26, base=10).round().long().tolist()
linear = [energy.transformer_flops(c.depth, c.width, n, int(c.width * c.mlp_ratio)) - 4 * c.depth * n * n * c.width
          for n in tokens]
attention = [4 * c.depth * n * n * c.width for n in tokens]
wan = energy.PRODUCTION
wan_tokens = [energy.transformer_flops(wan["layers"], wan["width"], n, wan["mlp"]) for n in tokens]
share_wan = [4 * wan["layers"] * n * n * wan["width"] / f for n, f in zip(tokens, wan_tokens)]

fig, ax = plt.subplots(figsize=(7, 3.4))
ax.semilogx(tokens, [a / (a + l) for a, l in zip(attention, linear)], label=f"our transformer (width {c.width})")
ax.semilogx(tokens, share_wan, label=f"a Wan 2.1 14B-like transformer (width {wan['width']})")
for n, name in [(64, "our clips (64 tokens)"), (energy.production_estimate()["tokens"], "5 s of 720p (75,600)")]:
    ax.axvline(n, color="grey", ls=":")
    ax.text(n * 1.15, 0.9, name, fontsize=8)
ax.set(xlabel="tokens per clip", ylabel="share of the FLOPs in attention", ylim=(0, 1),
       title="Attention's N² takes over as clips get longer and larger")
ax.legend(fontsize=8, loc="center left")
fig.tight_layout()
"""),
("md", r"""
The same law fitted to the counts: the transformer's FLOPs per call over the size sweep, against
FLOPs = a·N + b·N² (N tokens), and the exponent it implies at any N, d log FLOPs / d log N = (a + 2bN) / (a + bN):
"""),
("code", r"""
points = grid["size"] + grid["frames"]
N = [r["tokens"] for r in points]
per_call = [r["transformer"] / (clip["calls"] * clip["clips per call"]) for r in points]      # one call, one clip
a, b = energy.fit_tokens(N, per_call)
print(f"fit: {a / 1e6:.2f} MFLOP per token + {b / 1e3:.1f} kFLOP per pair of tokens "
      f"(largest relative error {max(abs(a * n + b * n * n - f) / f for n, f in zip(N, per_call)):.1%})")
for n in (64, 4096, energy.production_estimate()["tokens"]):
    print(f"N = {n:>6,}: exponent {(a + 2 * b * n) / (a + b * n):.2f}")
"""),
("md", r"""
At our 64 tokens, attention is a sliver and cost grows linearly with tokens. A production clip has ~75,000
tokens: attention is most of the work, and doubling the frames (or the area) nearly quadruples the cost. That
is the finding of Delavande et al. (2025, "Video Killed the Energy Budget", arXiv:2509.19222), who measured
Wan 2.1 on an H100: energy grows **quadratically with spatial and temporal size and linearly with the steps**.
The wider the model, the later attention takes over: the two terms are equal at N = (2 + mlp/width) × width
tokens, 6 × 144 = 864 for ours.

## 3. Energy on this machine

Energy is power times time, and at a given efficiency $\eta$ (FLOPs per joule) it is the FLOPs over that
efficiency:

$$E = P \cdot t = \frac{F_\text{clip}}{\eta}, \qquad t = \frac{F_\text{clip}}{\text{FLOP rate}} .$$

`energy.measure` times one clip, and reads $E$ from the processor's energy counters where it has them, else
takes an assumed $P$ = 15 W (`energy.DEFAULT_WATTS`):
"""),
("code", r"""
here = energy.measure(pipe, repeats=pick(5, 1))
print(f"one clip: {here['seconds']:.2f} s on {here['threads']} threads (load average {os.getloadavg()[0]:.1f}), "
      f"{here['flops_per_second'] / 1e9:.1f} GFLOP/s")
print(f"energy: {here['joules']:.1f} J ({here['energy_source']}), "
      f"{here['flops'] / here['joules'] / 1e9:.2f} GFLOP per joule")
print(f"       = {here['joules'] / 3600 * 1000:.2f} mWh; a phone charge (about 15 Wh) is "
      f"{15 * 3600 / here['joules']:,.0f} clips")
"""),
("md", r"""
Where the processor has Intel's RAPL energy counters, this is a measurement of the package; elsewhere it is
the wall time times an assumed power, printed beside the figure, which is the same as dividing the FLOPs by
an efficiency in FLOPs per joule. Compare that efficiency with a data-centre GPU's: an H100 doing 40% of its
989 TFLOP/s at 700 W does about 565 GFLOP per joule, hundreds of times more than a laptop core, and far more
again on the large matrix products of a production model than on our small ones.

Notebook 06's pixel-against-latent measurement, restated as energy at the same assumed power (its wall
times were measured in batches of 16 pictures, both pipelines interleaved in one run):
"""),
("code", r"""
cost = checkpoints.metrics("latent_cost")
watts = energy.DEFAULT_WATTS
for name, row in cost["rows"].items():
    print(f"{name:>6}: {row['flops_per_picture'] / 1e9:5.1f} GFLOP, "
          f"{row['seconds_per_picture_batched'] * watts:5.1f} J per picture at {watts:g} W")
ratio = cost["pixel_over_latent"]
print(f"latent saves {ratio['flops']:.1f}x the FLOPs and {ratio['seconds_batched']:.1f}x the energy")
"""),
("md", r"""
## 4. Up to production

The same closed form for a **Wan 2.1 14B-like** transformer (its published shape: 40 blocks of width 5120,
cross-attention to 512 text tokens) making 5 seconds of 1280 × 720 video at 16 frames a second in 50
guided steps, on an H100 at an assumed 40% of its peak bf16 rate and 700 W:
"""),
("code", r"""
estimate = energy.production_estimate()
print(f"{estimate['tokens']:,} tokens; {estimate['flops_per_call'] / 1e15:.1f} PFLOP per transformer call; "
      f"{estimate['flops'] / 1e15:,.0f} PFLOP per clip")
print(f"{estimate['gpu_seconds'] / 60:.0f} GPU-minutes, {estimate['joules'] / 1e6:.2f} MJ = {estimate['joules'] / 3600:.0f} Wh")
bars = {"our clip, this machine": here["joules"], "our formula: Wan-like clip": estimate["joules"],
        **energy.PUBLISHED}
fig, ax = plt.subplots(figsize=(8, 2.8))
ax.barh(list(bars), list(bars.values()), color=["#009E73", "#0072B2", "#E69F00", "#CC79A7"])
ax.set_xscale("log")
ax.set(xlabel="joules per clip (log scale)", title="The energy of one clip")
for y, value in enumerate(bars.values()):
    ax.text(value * 1.3, y, f"{value:,.0f} J", va="center", fontsize=8)
ax.set_xlim(min(bars.values()) / 3, max(bars.values()) * 60)       # room for the labels right of the bars
ax.invert_yaxis()
fig.tight_layout()
print(f"one production clip = {estimate['joules'] / here['joules']:,.0f} of ours")
"""),
("md", r"""
Our formula lands within a factor of two of the H100 measurement of Wan 2.1 14B (the measurement includes
the VAE, the text encoder, host overheads and a utilisation we guessed), and below the MIT Technology Review
estimate, which assumed a different model and hardware. The gap between our clip and theirs comes from
the levers of this notebook multiplied together: about 5,000 times the parameters, over a thousand times
the tokens with attention growing as their square, and 50 steps against 20.

## 5. The production libraries

Our components beside their counterparts in `diffusers`, built offline from a config at our size (random
weights, nothing downloaded) and run on the same inputs (`toolkit/interop.py`):
"""),
("code", r"""
for r in compare():
    print(f"{r['component']:18s} {r['ours']:9s} vs {r['diffusers']}")
    print(f"    output {r['our_output']} vs {r['their_output']};  parameters {r['our_parameters'] / 1e6:.2f} M vs "
          f"{r['their_parameters'] / 1e6:.2f} M;  GFLOP per call {r['our_flops'] / 1e9:.2f} vs {r['their_flops'] / 1e9:.2f}")
    print(f"    same:    {r['same']}")
    print(f"    differs: {r['differs']}")
"""),
("md", r"""
Scaling out is the trainer's job, not the notebook's: `toolkit/recipes/train.py` runs on `accelerate`, so
`torchrun --nproc_per_node 2 ...` trains data-parallel on two CPU processes (a test checks that they end
with the weights of one process given the whole batch), and `--preset gpu` selects bf16 autocast,
`torch.compile` and larger models on a GPU (see the README).

## Where this shows up in production

- **Fewer steps**: distillation (consistency models, rectified-flow reflow, adversarial distillation) takes
  Wan- and Hunyuan-class models from 50 steps to 4-8.
- **No second pass for guidance**: guidance distillation bakes classifier-free guidance into one pass (FLUX.1-dev).
- **Cheaper attention**: sparse and sliding-window attention, and caching of features between steps.
- **Fewer tokens**: stronger VAEs (Wan's and LTX-Video's compress 4 × 8 × 8 and more), larger patches.

## Exercises
"""),
("md", r"""
**1. Tokens.** CogVideoX makes 49 frames of 720 × 480. Its VAE compresses 4 × 8 × 8 (and keeps the first
frame alone: 1 + 48/4 latent frames), its transformer cuts 1 × 2 × 2 patches. How many video tokens?
"""),
("code", r"""
from toolkit.exercise_answers import check_exercise

tokens_cogvideox = None   # your code here
check_exercise("10.1", tokens_cogvideox);
"""),
("md", r"""
**2. Twice the frames.** With `energy.transformer_flops` and the Wan-like shape in `energy.PRODUCTION`
(layers, width, mlp), how many times more does one transformer call cost for 151,200 tokens than for
75,600 (no text tokens)? Between 2 and 4: closer to which, and why?
"""),
("code", r"""
p = energy.PRODUCTION
ratio_doubled = None   # your code here
check_exercise("10.2", ratio_doubled);
"""),
("md", r"""
**3. Guidance for free.** Our clip with guidance distilled away runs the transformer on one clip per call
instead of two. With `clip` from section 1, what fraction of the clip's FLOPs would remain?
"""),
("code", r"""
remaining = None   # your code here
check_exercise("10.3", remaining, clip=clip);
"""),
]

if __name__ == "__main__":
    build(Path(__file__).resolve().parents[1] / "10_cost_energy_and_scale.ipynb", CELLS)
