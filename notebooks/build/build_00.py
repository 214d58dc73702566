"""Builds notebooks/00_tour.ipynb."""
from pathlib import Path

from nb import build

CELLS = [
("md", r"""
# 00 · A tour: type a prompt, get a video

Everything in this course runs on this computer, and every model in it was trained here, by the code of this
repository, from pictures it draws itself. Nothing is downloaded. Start at the end: type a prompt, and a small
video model makes a clip from static in about a second. The rest of the course takes it apart, layer by layer,
and builds each layer from scratch.

The world these models know is small on purpose: one shape (circle, square, triangle, cross), in one of six
colours, small or big, moving one of twelve ways ("left", "down and to the right", "up then down", ...).
Small enough to train on a laptop in an hour; big enough that whether a video obeys its prompt can be
**measured** by reading the clip back, not eyeballed.
"""),
("code", r"""
import time

import matplotlib.pyplot as plt
from IPython.display import display

from toolkit.generate import progression_figure, verdict
from toolkit.pipelines import TextToVideoPipeline
from toolkit.viz.animation import inline

plt.rcParams["figure.dpi"] = 72
pipe = TextToVideoPipeline.from_pretrained()          # the shipped weights in assets/, checked against their hashes
"""),
("code", r"""
prompt = "a small green triangle moving up then down"     # try your own: the words of the shapes world
start = time.perf_counter()
out = pipe(prompt, seed=0, steps=20, guidance_scale=4.0, return_trajectory=True)
print(f"{time.perf_counter() - start:.1f} s on this CPU")
display(inline(out.videos, fps=8, scale=3.0, title=prompt))
asked, seen = verdict(out.videos[0], prompt)
print("the prompt asked for:", asked)
print("the reader sees:     ", seen)
"""),
("md", r"""
The **attribute reader** (`toolkit/eval/reader.py`) reads the shape, colour, size and motion back from the
pixels with no learned weights, so no model can learn to fool it. The course measures every generator with it.

How the clip came out of the noise: each row is the model's guess of the finished clip at one step of the
sampler, from pure static at the top to the result at the bottom.
"""),
("code", r"""
progression_figure(pipe, out.trajectory);
"""),
("md", r"""
Several prompts at once, including combinations the model never saw in training (it never saw a green
circle, or a cross moving left then right):
"""),
("code", r"""
prompts = ["a big red square slides to the right", "a large green circle moving down",
           "a tiny blue cross moving left then right", "a small magenta triangle drifting up-left"]
videos = pipe(prompts, seed=1).videos
display(inline(videos, fps=8, scale=2.0))
for p, v in zip(prompts, videos):
    asked, seen = verdict(v, p)
    print(f"{p:52s} {sum(seen[k] == a for k, a in asked.items())} of {len(asked)} attributes as asked")
"""),
("md", r"""
## The layers, and where each is built

| layer | what it does | notebook |
|---|---|---|
| denoising | removing noise from a picture, classical and learned | [01](01_denoising_a_photo.ipynb) |
| diffusion | training a network to undo noise, step by step; sampling from pure noise | [02](02_diffusion_from_scratch.ipynb) |
| samplers | DDIM, Heun, DPM-Solver++, flow matching: fewer steps, same pictures | [03](03_samplers_and_flow_matching.ipynb) |
| text | a tokenizer, a text encoder trained contrastively, classifier-free guidance | [04](04_text_guidance.ipynb) |
| compression | a VAE and a causal video VAE: diffuse in a latent 24 times smaller | [05](05_latent_compression.ipynb) |
| latent diffusion | the text-to-image model in latent space, and what it saves | [06](06_latent_diffusion.ipynb) |
| video diffusion | frames as one volume; why drawing frame by frame flickers | [07](07_video_diffusion.ipynb) |
| the video transformer | spacetime patches, adaLN-Zero, text to video: the model above | [08](08_latent_video_transformer.ipynb) |
| real handwriting | the same transformer on bouncing handwritten digits, judged by a digit classifier | [08b](08b_bouncing_digits.ipynb) |
| sound | a soundtrack generated with the picture, from one latent; synchrony measured | [09](09_sound_and_vision.ipynb) |
| cost | the FLOPs and energy of a clip, here and in production | [10](10_cost_energy_and_scale.ipynb) |
| beyond a prompt | animate a picture, edit a clip (SDEdit), extend it past the window; each measured | [11](11_beyond_a_prompt.ipynb) |

From the command line, the same model writes an mp4, a GIF and the progression figure:

    python -m toolkit generate "a small green triangle moving up then down" --seed 0 --out outputs/

## Exercises
"""),
("md", r"""
**1. How much smaller?** A clip is 16 frames of 32 × 32 RGB pixels. The transformer never sees them: it
denoises the video VAE's latent, 8 channels × 4 frames × 8 × 8. How many times fewer numbers is that?
"""),
("code", r"""
from toolkit.exercise_answers import check_exercise

compression = None   # your code here
check_exercise("00.1", compression);
"""),
("md", r"""
**2. How many passes?** The sampler above takes 20 steps of Heun's method, which runs the transformer twice
a step except at the last, and classifier-free guidance runs it on two clips at a time (the prompt's and the
empty prompt's). How many clips does the transformer process to make one clip?
"""),
("code", r"""
clips_processed = None   # your code here
check_exercise("00.2", clips_processed);
"""),
]

if __name__ == "__main__":
    build(Path(__file__).resolve().parents[1] / "00_tour.ipynb", CELLS)
