"""Notebook 08: the latent video diffusion transformer, trained on the shapes world's captioned clips.

    python -m toolkit.recipes.text_to_video train --out assets/checkpoints                     # shapes_video_dit
    python -m toolkit.recipes.text_to_video train --preset gpu --out runs/                     # 64 x 64, on a GPU

The recipe of the production text-to-video models at laptop scale:
  1. every training clip (16 x 32 x 32 RGB) is encoded once by the frozen, shipped video VAE
     (toolkit.recipes.autoencoder, 8 x 4 x 8 x 8 latents) into a latent cache: its posterior's mean and std;
  2. each step draws clips from the cache, samples their latents z ~ q(z | x), scales them, and redraws
     every caption from the clip's attributes (a new wording each time it is seen: caption augmentation);
  3. the prompt is read by the frozen text tower of shapes_clip_video, the contrastive model trained on clips
     (the image models' text encoder never read a motion word: to it "left" and "right" are noise);
  4. the VideoDiT (toolkit.models.video_dit) learns the flow-matching velocity ε − x₀ (rectified flow, as
     Stable Diffusion 3 and the Open-Sora and Wan video models), with caption dropout to the empty prompt
     (10%), so the same network is the unconditional model of classifier-free guidance.
Training reads only the training split: the held-out (colour, shape) and (shape, motion) pairs and the
held-out wordings never appear, so adherence can be measured on prompts the model has never read.
"""
import hashlib
import sys
import time
import warnings
from dataclasses import dataclass, replace
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file
from tqdm.auto import tqdm

from .. import checkpoints, zoo
from . import autoencoder
from ..data import ShapesWorld, WorldConfig, caption
from ..models.video_dit import VideoDiT
from ..runtime import cache_dir
from ..text import TextConditioner
from .text_to_image import loss_function
from . import cli
from .train import TrainConfig, ship, train

NAME = "shapes_video_dit"
ENCODE_CHUNK = 64                  # clips rendered and encoded at a time


@dataclass(frozen=True)
class TextToVideoConfig:
    model: str = "cpu"                # a VideoDiT preset (toolkit.models.video_dit.PRESETS)
    train: str = "cpu"                # a training preset (toolkit.recipes.train.PRESETS)
    steps: int = 9000                 # about 0.3 s a step on 2 cores
    batch_size: int = 32
    lr: float = 1e-3                  # learned faster than 4e-4 in short runs, and stayed stable
    clips: int = 8192                 # training clips in the latent cache
    frames: int = 16
    image_size: int = 32
    caption_dropout: float = 0.1      # the fraction of captions replaced by the empty prompt
    text: str = "shapes_clip_video"   # whose frozen text tower reads the prompt (toolkit.text): trained on clips
    seed: int = 0

    def __post_init__(self):
        if not 0 <= self.caption_dropout < 1:
            raise ValueError(f"caption_dropout must be in [0, 1), got {self.caption_dropout}")
        if self.clips < self.batch_size:
            raise ValueError(f"clips ({self.clips}) must be at least batch_size ({self.batch_size})")

    @property
    def name(self) -> str:
        """shapes_video_dit for the shipped cpu recipe; other model presets get their own name."""
        return NAME if self.model == "cpu" else f"{NAME}_{self.model}"


PRESETS = {
    "cpu": TextToVideoConfig(),
    # A GPU: 64 x 64 clips of 16 frames (latents 8 x 4 x 16 x 16, 256 tokens), the DiT-S-sized "gpu" transformer,
    # DiT's learning rate, 64k clips in the cache; bf16 autocast comes with the "gpu" training preset on CUDA.
    # The shipped video VAE is convolutional and encodes 64 x 64 clips as they are.
    "gpu": TextToVideoConfig(model="gpu", train="gpu", steps=100_000, batch_size=64, lr=1e-4, clips=65_536,
                             image_size=64),
}


def make_model(config: TextToVideoConfig) -> VideoDiT:
    torch.manual_seed(config.seed)
    return VideoDiT.from_preset(config.model)


# ---------------------------------------------------------------- the latent cache

def cache_path(config: TextToVideoConfig, vae) -> Path:
    """One file per (clips, frames, size, seed, VAE weights): a changed VAE never reuses old latents."""
    weights = hashlib.sha256(b"".join(v.detach().cpu().numpy().tobytes() for v in vae.state_dict().values()))
    key = f"{config.clips}-{config.frames}-{config.image_size}-{config.seed}-{weights.hexdigest()[:12]}"
    return cache_dir() / f"video-latents-{key}.safetensors"     # regenerated on demand, never shipped


@torch.no_grad()
def encode_clips(config: TextToVideoConfig, vae, progress: bool = True) -> dict:
    """Render config.clips training clips and encode them: {"mean", "std"} (N, C, T', H', W') of q(z | x)
    (unscaled), and the attributes (N,) shape, colour, size, motion that captions are drawn from.
    Cached in runtime.cache_dir() (written atomically), so a resumed or repeated run skips the encoding."""
    path = cache_path(config, vae)
    if path.exists():
        try:
            cache = load_file(path)
            if cache["mean"].shape[0] == config.clips:
                return cache
        except Exception as e:                   # a damaged or foreign file: say so, then rebuild it
            warnings.warn(f"ignoring the unreadable latent cache {path} ({e}); encoding the clips again")
    world = ShapesWorld(WorldConfig(frames=config.frames, height=config.image_size, width=config.image_size))
    parts = []
    for k in tqdm(range(0, config.clips, ENCODE_CHUNK), desc="encode clips", disable=not progress):
        batch = world.sample(min(ENCODE_CHUNK, config.clips - k), seed=config.seed * 1_000_003 + k, split="train")
        posterior = vae.encode(batch.video)
        parts.append({"mean": posterior.mean, "std": posterior.std, "shape": batch.shape[:, 0],
                      "colour": batch.colour[:, 0], "size": batch.size[:, 0], "motion": batch.motion[:, 0]})
    cache = {key: torch.cat([p[key] for p in parts]).contiguous() for key in parts[0]}
    checkpoints.atomic_write(path, lambda tmp: save_file(cache, tmp))
    return cache


def batches(config: TextToVideoConfig, text: TextConditioner, vae=None, progress: bool = True):
    """batches(k): batch_size clips of the cache drawn with a generator seeded by k: their scaled latents
    (B, C, T', H', W') sampled from q(z | x), and fresh captions of their attributes, text-encoded."""
    vae = vae or zoo.load(autoencoder.NAMES["video"])
    cache = encode_clips(config, vae, progress)
    scale = float(vae.scaling_factor)
    world = ShapesWorld(WorldConfig(frames=config.frames, height=config.image_size, width=config.image_size))

    def batch(k):
        g = torch.Generator().manual_seed(config.seed * 1_000_003 + k)
        i = torch.randint(config.clips, (config.batch_size,), generator=g)
        mean, std = cache["mean"][i], cache["std"][i]                      # (B, C, T', H', W') each
        z = scale * (mean + std * torch.randn(mean.shape, generator=g))
        objects = [world.names(*(cache[a][j:j + 1] for a in ("shape", "colour", "size", "motion"))) for j in i.tolist()]
        captions = [caption(o, g, wording="train") for o in objects]
        return {"x": z, **text(captions)}
    return batch


def train_model(config: TextToVideoConfig, text: TextConditioner | None = None, out_dir=None, progress=True,
                command=None, data=None):
    """Train (or resume) and return toolkit.recipes.train's TrainResult; sample with result.ema_model."""
    text = text or TextConditioner.from_pretrained(config.text)
    train_config = TrainConfig.from_preset(config.train, steps=config.steps, batch_size=config.batch_size,
                                           lr=config.lr, seed=config.seed,
                                           checkpoint_every=max(1, min(250, config.steps)))
    data = data or batches(config, text, progress=progress)            # default: the shapes world's latent cache
    return train(make_model(config), loss_function(config, text), data, train_config, out_dir=out_dir,
                 command=command, progress=progress)


def train_and_ship(args, command: str) -> list:
    config = PRESETS[args.preset]
    config = config if args.steps is None else replace(config, steps=args.steps)
    start = time.perf_counter()
    result = train_model(config, out_dir=f"{args.runs}/{config.name}", command=command)
    print("measure it with python -m toolkit.experiments.text_to_video")
    return [ship(result, args.out, config.name, config, command, time.perf_counter() - start)]


def main(argv=None) -> int:
    return cli.main("toolkit.recipes.text_to_video", __doc__, train_and_ship, argv=argv, options=[
        (("--preset",), {"choices": sorted(PRESETS), "default": "cpu"})])


if __name__ == "__main__":
    sys.exit(main())
