"""Notebooks 04 and 06: a text-conditioned U-Net that draws the shapes a prompt describes, in pixels or latents.

    python -m toolkit.recipes.text_to_image train --out assets/checkpoints            # shapes_text_unet, pixels
    python -m toolkit.recipes.text_to_image train --latent --out assets/checkpoints   # shapes_latent_text_unet

The network is the course's U-Net with text hooks switched on (context_dim): the prompt's tokens enter
by cross-attention at 8 x 8 and 4 x 4, and its pooled vector is added to the time embedding. The prompt
is read by the frozen text encoder (toolkit.text). It is trained by flow matching (velocity u = ε − x₀),
as Stable Diffusion 3 is, with caption dropout (Ho & Salimans 2022): one caption in ten is replaced by
the empty prompt, so the same network is also the unconditional model that classifier-free guidance needs.
Training reads only the training split: held-out (colour, shape) pairs and held-out wordings never appear.

Latent diffusion (notebook 06; Rombach et al. 2022, arXiv:2112.10752): with `latent=True` the same recipe
runs on the scaled latents of the shipped image VAE (toolkit.recipes.autoencoder, 3 x 32 x 32 -> 4 x 8 x 8), with
the "latent-cpu" U-Net: about as many weights as the pixel model, on 16 times fewer positions. The VAE is
frozen; each training image is encoded and its latent sampled from q(z | x), as LDM does.
"""
import sys
import time
from dataclasses import dataclass

import torch

from .. import zoo
from . import autoencoder
from ..data import ShapesWorld, WorldConfig
from ..diffusion import FlowSchedule, diffusion_loss
from ..models.unet import FlowTime, UNet
from ..text import TextConditioner
from . import cli
from .train import TrainConfig, ship, train

NAME = "shapes_text_unet"
LATENT_NAME = "shapes_latent_text_unet"


@dataclass(frozen=True)
class TextToImageConfig:
    unet: str = "cpu"                 # a U-Net preset (toolkit.models.unet.PRESETS)
    train: str = "cpu"                # a training preset (toolkit.recipes.train.PRESETS)
    steps: int = 4000
    batch_size: int = 48
    image_size: int = 32
    caption_dropout: float = 0.1      # the fraction of captions replaced by the empty prompt
    context_dim: int = 64             # the text encoder's width
    seed: int = 0
    latent: bool = False              # diffuse the shipped image VAE's scaled latents instead of pixels

    def __post_init__(self):
        if not 0 <= self.caption_dropout < 1:
            raise ValueError(f"caption_dropout must be in [0, 1), got {self.caption_dropout}")

    @property
    def name(self) -> str:
        return LATENT_NAME if self.latent else NAME


def latent_config(**overrides) -> TextToImageConfig:
    """The shipped latent recipe: the "latent-cpu" U-Net on shapes_vae latents, otherwise as the pixel one."""
    return TextToImageConfig(**{"unet": "latent-cpu", "latent": True, **overrides})


def make_model(config: TextToImageConfig) -> torch.nn.Module:
    torch.manual_seed(config.seed)
    unet = UNet.from_preset(config.unet, context_dim=config.context_dim)
    want = 4 if config.latent else 3            # shapes_vae's latent channels, or RGB
    if unet.config.in_channels != want:
        raise ValueError(f"the {config.unet!r} U-Net takes {unet.config.in_channels} channels but "
                         f"{'latents' if config.latent else 'images'} have {want}; use the "
                         f"{'latent-cpu' if config.latent else 'cpu'} preset")
    return FlowTime(unet)


def batches(config: TextToImageConfig, text: TextConditioner, vae=None):
    """batches(k): images (B, 3, H, W) in [-1, 1] (or with config.latent their scaled latents (B, 4, H/4, W/4),
    sampled from q(z | x) with a generator seeded by k) and their captions, encoded by the frozen text encoder."""
    world = ShapesWorld(WorldConfig(frames=1, height=config.image_size, width=config.image_size))
    if config.latent and vae is None:
        vae = zoo.load(autoencoder.NAMES["image"])

    def batch(k):
        b = world.sample(config.batch_size, seed=config.seed * 1_000_003 + k, split="train")
        x = b.images
        if config.latent:
            with torch.no_grad():
                x = vae.to_latent(x, torch.Generator().manual_seed(config.seed * 1_000_003 + k))
        return {"x": x, **text(b.captions)}
    return batch


def loss_function(config: TextToImageConfig, text: TextConditioner):
    null = text.null(1)                                                      # the empty prompt's encoding

    def loss(model, batch, generator):
        x = batch.pop("x")
        drop = torch.rand(len(x), generator=generator).to(x.device) < config.caption_dropout   # (B,)
        cond = {k: torch.where(drop.view(-1, *[1] * (v.ndim - 1)), null[k].to(v.device), v) for k, v in batch.items()}
        return diffusion_loss("velocity", model, x, FlowSchedule(), generator=generator, cond=cond)
    return loss


def train_model(config: TextToImageConfig, text: TextConditioner | None = None, out_dir=None, progress=True,
                command=None, callback=None):
    """Train (or resume) and return toolkit.recipes.train's TrainResult; sample with result.ema_model.
    callback(step, ema_model) is called after every step (toolkit.recipes.train.train)."""
    text = text or TextConditioner.from_pretrained()
    train_config = TrainConfig.from_preset(config.train, steps=config.steps, batch_size=config.batch_size,
                                           seed=config.seed, checkpoint_every=max(1, min(250, config.steps)))
    return train(make_model(config), loss_function(config, text), batches(config, text), train_config,
                 out_dir=out_dir, command=command, progress=progress, callback=callback)


def train_and_ship(args, command: str) -> list:
    steps = {"steps": args.steps} if args.steps else {}
    config = latent_config(**steps) if args.latent else TextToImageConfig(**steps)
    start = time.perf_counter()
    result = train_model(config, out_dir=f"{args.runs}/{config.name}", command=command)
    print("measure it with python -m toolkit.experiments.text_to_image")
    return [ship(result, args.out, config.name, config, command, time.perf_counter() - start)]


def main(argv=None) -> int:
    return cli.main("toolkit.recipes.text_to_image", __doc__, train_and_ship, argv=argv, options=[
        (("--latent",), {"action": "store_true", "help": "diffuse shapes_vae latents (shapes_latent_text_unet)"})])


if __name__ == "__main__":
    sys.exit(main())
