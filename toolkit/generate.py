"""The main job: a prompt in, a video out, with the reader's verdict on whether it shows what was asked.

    python -m toolkit generate "a small green triangle moving up then down" --seed 0 --out outputs/

writes, in --out,
    <prompt>-seed<N>.mp4                  the clip (enlarged 4x, 8 frames a second)
    <prompt>-seed<N>.gif                  the same, for pages that do not play mp4
    <prompt>-seed<N>-progression.png      the noise-to-frames progression: rows are sampler steps, columns frames
and prints what the attribute reader (toolkit.eval.reader) sees in the clip against what the prompt asked.

    python -m toolkit sound "a big red circle moving left then right" --seed 0 --out outputs/

writes the clip with its sound (notebook 09's joint model): <prompt>-seed<N>.mp4 (H.264 picture, AAC sound) and
<prompt>-seed<N>-sound.png (frames over waveform and spectrogram, the bounces seen and the clicks heard marked).

Nothing is left half-done: every input is checked before any work, each file is written under a temporary
name and renamed into place, and if one file cannot be written the others of this call are removed.
"""
import re
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F
from einops import rearrange

from . import checkpoints
from .data import parse_caption
from .data.sound import hum_pitch
from .eval import read_clips
from .eval.sync import events
from .pipelines.text_to_video import DEFAULT_GUIDANCE
from .text import UnknownWordsError
from .viz import animation
from .viz.figures import to_numpy_image
from .viz.sound import sound_figure

PROGRESSION_ROWS = 6            # sampler steps shown in the progression strip
PROGRESSION_COLUMNS = 8         # frames shown per step


class GenerateError(Exception):
    """A request that cannot be served; its message says what to do."""


@contextmanager
def generation_errors(example: str = "a small green triangle moving up then down"):
    """Turn what a generation raises on bad input (unknown words, impossible sizes, missing or tampered weights)
    into a GenerateError that says what to do; `example` is a prompt the model knows."""
    try:
        yield
    except UnknownWordsError as e:
        raise GenerateError(f"{e}. The model knows only the words of the shapes world's captions "
                            f"(try: \"{example}\")") from e
    except (checkpoints.CheckpointError, FileNotFoundError, ValueError, TypeError) as e:
        raise GenerateError(str(e)) from e


def file_stem(prompt: str, seed: int) -> str:
    """'a small green triangle!' and seed 0 -> 'a-small-green-triangle-seed0' (safe on every file system)."""
    words = re.sub(r"[^a-z0-9]+", "-", prompt.lower()).strip("-")[:80] or "prompt"
    return f"{words}-seed{seed}"


def check_folder(out: Path) -> Path:
    """Create `out` if needed and prove it is writable, before any generating."""
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / f".write-test-{time.time_ns()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as e:
        raise GenerateError(f"cannot write to the output folder {out} ({e.strerror or e}); "
                            f"pass --out with a folder you can write to") from e
    return out


def asked_by(prompt: str) -> dict:
    """The attributes the prompt names, e.g. {"shape": "triangle", "colour": "green", "motion": "up then down"}."""
    objects, _ = parse_caption(prompt)
    return {k: v for k, v in objects[0].items() if v is not None} if objects else {}


def verdict(video: torch.Tensor, prompt: str) -> tuple[dict, dict]:
    """What the prompt asked (attributes it names) and what the reader sees in the clip (3, T, H, W)."""
    return asked_by(prompt), read_clips(video[None])[0].as_dict()


def obeys(video: torch.Tensor, prompt: str) -> bool:
    """True when the reader sees in the clip every attribute the prompt names."""
    asked, seen = verdict(video, prompt)
    return all(seen[k] == v for k, v in asked.items())


def progression_figure(pipe, trajectory, rows: int = PROGRESSION_ROWS, columns: int = PROGRESSION_COLUMNS):
    """Rows: the predicted clean clip x̂₀ decoded at evenly spaced sampler steps, from pure noise (top) to the
    result (bottom); columns: evenly spaced frames. Drawn as one mosaic picture (one axes, fast to save)."""
    steps = trajectory.denoised.shape[0]
    picks = torch.linspace(0, steps - 1, rows).round().long().tolist()
    clips = pipe.decode(torch.cat([trajectory.x[:1, 0], trajectory.denoised[picks, 0]]))    # (rows+1, 3, T, H, W)
    frames = torch.linspace(0, clips.shape[2] - 1, columns).round().long().tolist()
    H, W, gap = clips.shape[-2], clips.shape[-1], 2
    tiles = F.pad(clips[:, :, frames].clamp(-1, 1), (0, gap, 0, gap), value=1.0)         # white gaps
    mosaic = rearrange(tiles, "r c f h w -> c (r h) (f w)")[:, :-gap, :-gap]             # (3, rows·H, columns·W)
    labels = ["noise (decoded)"] + [f"step {i + 1}/{steps}: x̂₀" for i in picks]
    fig, ax = plt.subplots(figsize=(columns * 0.9 + 1.2, len(clips) * 0.9), dpi=100)
    ax.imshow(to_numpy_image(mosaic), interpolation="nearest")
    ax.set_xticks([f * (W + gap) + W / 2 for f in range(columns)], [f"frame {f}" for f in frames], fontsize=7)
    ax.set_yticks([r * (H + gap) + H / 2 for r in range(len(clips))], labels, fontsize=7)
    ax.xaxis.tick_top()
    ax.tick_params(length=0)
    for side in ax.spines.values():
        side.set_visible(False)
    ax.set_title("From noise to frames: the sampler's prediction of the clean clip at each step", fontsize=8)
    fig.tight_layout()
    return fig


def save_figure(fig, path: Path) -> Path:
    tmp = path.with_name(f".{path.stem}.tmp{path.suffix}")
    try:
        fig.savefig(tmp)
        tmp.replace(path)
    finally:
        plt.close(fig)
        tmp.unlink(missing_ok=True)
    return path


def generate(prompt: str, seed: int = 0, out="outputs", steps: int = 20, guidance_scale: float = DEFAULT_GUIDANCE,
             sampler: str = "flow_heun", frames: int = 16, size: int = 32, folder=None,
             progress: bool = True) -> dict:
    """Generate one clip and write its files; returns {"paths", "asked", "seen", "seconds"}. Raises
    GenerateError (unwritable folder, unknown words, impossible sizes, missing or tampered weights)."""
    from .pipelines import TextToVideoPipeline
    out = check_folder(Path(out))
    with generation_errors():
        pipe = TextToVideoPipeline.from_pretrained(folder=folder)
    start = time.perf_counter()
    with generation_errors():
        result = pipe(prompt, seed=seed, steps=steps, guidance_scale=guidance_scale, sampler=sampler,
                      frames=frames, size=size, strict=True, return_trajectory=True, progress=progress)
    seconds = time.perf_counter() - start

    stem, written = file_stem(prompt, seed), []
    try:
        for suffix in (".mp4", ".gif"):
            written.append(animation.save(result.videos[0], out / f"{stem}{suffix}"))
        written.append(save_figure(progression_figure(pipe, result.trajectory), out / f"{stem}-progression.png"))
    except OSError as e:
        for path in written:
            path.unlink(missing_ok=True)
        raise GenerateError(f"could not write the files to {out} ({e}); nothing was left behind") from e
    asked, seen = verdict(result.videos[0], prompt)
    return {"paths": written, "asked": asked, "seen": seen, "seconds": seconds}


def generate_with_sound(prompt: str, seed: int = 0, out="outputs", steps: int = 20,
                        guidance_scale: float = DEFAULT_GUIDANCE, pipe=None, folder=None) -> dict:
    """One clip with its sound, written as an mp4 and a figure into `out`; returns {"paths", "bounces", "clicks",
    "pitch_hz"}: the frames where the picture bounces and where the sound clicks, and the hum's pitch. Raises
    GenerateError as generate() does; each file appears whole or not at all."""
    from .pipelines import SoundVideoPipeline
    out = check_folder(Path(out))
    with generation_errors(example="a big red circle moving left then right"):
        pipe = pipe or SoundVideoPipeline.from_pretrained(folder=folder)
        result = pipe(prompt, seed=seed, steps=steps, guidance_scale=guidance_scale, strict=True)
    video, audio = result.videos[0], result.audio[0]
    (bounces,), (clicks,) = events(video[None], audio[None])
    stem = file_stem(prompt, seed)
    mp4 = animation.save_with_sound(video, audio, out / f"{stem}.mp4")
    try:
        fig = sound_figure(video, audio, title=f"{prompt!r}, seed {seed}", marks={"bounce": bounces, "click": clicks})
        figure = save_figure(fig, out / f"{stem}-sound.png")
    except BaseException:
        mp4.unlink(missing_ok=True)                     # all or nothing
        raise
    return {"paths": [mp4, figure], "bounces": bounces, "clicks": clicks, "pitch_hz": float(hum_pitch(audio))}


def report(result: dict) -> str:
    """The reader's verdict, one attribute a line."""
    lines = [f"generated in {result['seconds']:.1f} s; wrote"] + [f"  {p}" for p in result["paths"]]
    lines.append("the attribute reader sees:")
    for key, seen in result["seen"].items():
        asked = result["asked"].get(key)
        mark = "not asked" if asked is None else ("as asked" if asked == seen else f"asked for {asked}")
        lines.append(f"  {key:7s} {seen or 'unreadable':16s} {mark}")
    named = [k for k in result["asked"] if k in result["seen"]]
    right = sum(result["asked"][k] == result["seen"][k] for k in named)
    lines.append(f"verdict: {right} of {len(named)} named attributes as asked")
    return "\n".join(lines)


def main(args) -> int:
    try:
        if args.command == "sound":
            result = generate_with_sound(args.prompt, args.seed, args.out, args.steps, args.guidance_scale)
        else:
            result = generate(args.prompt, args.seed, args.out, args.steps, args.guidance_scale, args.sampler,
                              args.frames, args.size)
    except GenerateError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    if args.command == "sound":
        print("wrote\n" + "\n".join(f"  {p}" for p in result["paths"]) +
              f"\nbounces seen at frames {result['bounces']}, clicks heard at frames {result['clicks']}, "
              f"hum at {result['pitch_hz']:.0f} Hz")
    else:
        print(report(result))
    return 0
