"""The command-line jobs of notebook 11: animate a picture, edit a clip, extend a clip past 16 frames.

    python -m toolkit animate picture.png "moving right" --seed 0 --out outputs/
    python -m toolkit edit clip.gif "a large blue circle moving right" --strength 0.6
    python -m toolkit extend "a small green triangle moving down" --frames 48

Each writes <prompt>-seed<N>-<job>.mp4 and .gif into --out, as `generate` does, and prints what the attribute
reader sees against what the prompt asked. Pictures and clips are read with imageio (PNG, GIF, mp4, ...); a
file enlarged by a whole factor, as these commands and `generate` write them (4x: 128 x 128), is shrunk back to
the model's 32 x 32 by averaging each block of pixels.

animate: a prompt that names no object ("moving right") is completed with what the reader sees in the picture
("a large red circle moving right"): the model was trained on whole captions, and with a motion alone it
redraws the object more often (assets/metrics/beyond.json, "motion only" rows).

As in toolkit.generate, every input is checked before any sampling, and each file appears whole or not at all.
"""
import sys
import time
from pathlib import Path

import imageio.v3 as iio
import torch
import torch.nn.functional as F
from einops import rearrange

from .eval import read_images
from .generate import GenerateError, asked_by, check_folder, file_stem, generation_errors, report, verdict
from .pipelines.beyond import BeyondPromptPipeline
from .viz import animation

TRAINED_SIZE = 32            # what the shipped model draws; larger files that are whole multiples are shrunk to it


def read_frames(path, clip: bool) -> torch.Tensor:
    """A picture (3, H, W) or a clip (3, T, H, W) in [-1, 1] from an 8-bit image or video file."""
    path = Path(path)
    if not path.is_file():
        raise GenerateError(f"no such file: {path}")
    try:
        pixels = iio.imread(path, index=None) if clip else iio.imread(path)   # (T, H, W, C) or (H, W[, C])
    except Exception as e:                                 # imageio raises many kinds for unreadable files
        raise GenerateError(f"cannot read {path} as {'a clip' if clip else 'a picture'} ({e})") from e
    pixels = torch.from_numpy(pixels.copy())
    if not clip and pixels.ndim == 2:                      # grey: add the channel axis
        pixels = pixels[..., None]
    if pixels.ndim != (4 if clip else 3) or pixels.shape[-1] not in (1, 3, 4) or pixels.dtype != torch.uint8:
        wanted = "frames (T, H, W, RGB): a GIF or an mp4" if clip else "RGB: a PNG or a JPEG"
        raise GenerateError(f"{path} holds {tuple(pixels.shape)} values of {pixels.dtype}; expected 8-bit {wanted}")
    pixels = pixels[..., :3].expand(*pixels.shape[:-1], 3) if pixels.shape[-1] == 1 else pixels[..., :3]  # no alpha
    frames = rearrange(pixels.reshape(-1, *pixels.shape[-3:]).float() / 127.5 - 1, "t h w c -> t c h w")
    H, W = frames.shape[-2:]
    if H == W and H > TRAINED_SIZE and H % TRAINED_SIZE == 0:            # an enlarged file: block means
        frames = F.avg_pool2d(frames, H // TRAINED_SIZE)
    return rearrange(frames, "t c h w -> c t h w") if clip else frames[0]


def completed_prompt(picture: torch.Tensor, prompt: str) -> str:
    """`prompt` itself if it names a shape or a colour; else the object the reader sees, then the prompt."""
    if not prompt.strip() or {"shape", "colour"} & set(asked_by(prompt)):
        return prompt                                      # an empty prompt is refused by the pipeline
    seen = read_images(picture[None])[0]
    if seen.shape is None:
        raise GenerateError(f"the prompt {prompt!r} names no object and the reader sees none in the picture; "
                            "name it, e.g. \"a large red circle moving right\"")
    return f"a {seen.size} {seen.colour} {seen.shape} {prompt.strip()}"


def run(args) -> dict:
    """Check, sample, write; returns {"paths", "asked", "seen", "seconds", "prompt"} for generate.report."""
    out = check_folder(Path(args.out))
    prompt = args.prompt
    source = read_frames(args.source, clip=args.command == "edit") if args.command != "extend" else None
    if args.command == "animate":
        prompt = completed_prompt(source, prompt)
    with generation_errors():
        pipe = BeyondPromptPipeline.from_pretrained()
    common = dict(seed=args.seed, steps=args.steps, guidance_scale=args.guidance_scale, sampler=args.sampler,
                  strict=True, progress=True)
    start = time.perf_counter()
    with generation_errors():
        if args.command == "animate":
            video, job = pipe.animate(source, prompt, frames=args.frames, **common).videos[0], "animated"
        elif args.command == "edit":
            video = pipe.edit(source, prompt, strength=args.strength, **common).videos[0]
            job = f"edited-s{args.strength:g}"
        else:
            video = pipe.extend(prompt, frames=args.frames, overlap=args.overlap, **common).videos[0]
            job = f"{args.frames}frames"
    seconds = time.perf_counter() - start

    stem, written = f"{file_stem(prompt, args.seed)}-{job}", []
    try:
        for suffix in (".mp4", ".gif"):
            written.append(animation.save(video, out / f"{stem}{suffix}"))
    except OSError as e:
        for path in written:
            path.unlink(missing_ok=True)
        raise GenerateError(f"could not write the files to {out} ({e}); nothing was left behind") from e
    asked, seen = verdict(video, prompt)
    return {"paths": written, "asked": asked, "seen": seen, "seconds": seconds, "prompt": prompt}


def main(args) -> int:
    try:
        result = run(args)
    except GenerateError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    if result["prompt"] != args.prompt:
        print(f"the prompt names no object; from the picture: {result['prompt']!r}")
    print(report(result))
    return 0
