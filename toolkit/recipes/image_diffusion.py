"""Notebooks 02 and 03: a U-Net that draws shapes images from noise.

The same network is trained with two objectives:
* "epsilon": DDPM (Ho et al. 2020), predict the noise ε added on a linear schedule of 1000 steps;
* "velocity": rectified flow / flow matching (Liu et al. 2022; Lipman et al. 2023), predict
  u = ε − x₀ along the straight path x_t = (1 − t)·x₀ + t·ε.

    python -m toolkit.recipes.image_diffusion train --objective epsilon --out assets/checkpoints
    model = zoo.load(name_of("epsilon")); D = denoiser(model, "epsilon")      # then any sampler in toolkit.diffusion

Training images come from the shapes world's training split, rendered fresh at every step.
"""
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import torch

from ..data import ShapesWorld, WorldConfig
from ..diffusion import (FlowDenoiser, FlowSchedule, SigmaDenoiser, clip_denoised, ddpm_schedule, ddpm_sigmas,
                         diffusion_loss, flow_times, sample_dpmpp_2m, sample_flow_heun)
from ..eval import read_images
from ..models.unet import FlowTime, UNet
from ..runtime import pick
from . import cli
from .train import TrainConfig, ship, train

OBJECTIVES = ("epsilon", "velocity")


@dataclass(frozen=True)
class ImageDiffusionConfig:
    objective: str = "epsilon"
    unet: str = "cpu"                 # a U-Net preset (toolkit.models.unet.PRESETS)
    train: str = "cpu"                # a training preset (toolkit.recipes.train.PRESETS)
    steps: int = 3000
    batch_size: int = 48
    image_size: int = 32
    seed: int = 0

    def __post_init__(self):
        if self.objective not in OBJECTIVES:
            raise ValueError(f"unknown objective {self.objective!r}; choose one of {OBJECTIVES}")


def schedule(objective: str):
    """The noise path the objective trains on."""
    return ddpm_schedule("linear") if objective == "epsilon" else FlowSchedule()


def make_model(config: ImageDiffusionConfig) -> torch.nn.Module:
    torch.manual_seed(config.seed)
    unet = UNet.from_preset(config.unet)
    return unet if config.objective == "epsilon" else FlowTime(unet)


def image_batches(config: ImageDiffusionConfig):
    """batches(k): batch number k of fresh training images, (B, 3, H, W) in [-1, 1]."""
    world = ShapesWorld(WorldConfig(frames=1, height=config.image_size, width=config.image_size))
    return lambda k: world.sample(config.batch_size, seed=config.seed * 1_000_003 + k, split="train").images


def loss_function(config: ImageDiffusionConfig):
    path, prediction = schedule(config.objective), config.objective
    return lambda model, x0, generator: diffusion_loss(prediction, model, x0, path, generator=generator)


def train_model(config: ImageDiffusionConfig, out_dir=None, progress: bool = True, command: str | None = None,
                callback=None):
    """Train (or resume) and return toolkit.recipes.train's TrainResult; sample with result.ema_model.
    callback(steps_done, ema_model) is called after every step (toolkit.recipes.train.train)."""
    train_config = TrainConfig.from_preset(config.train, steps=config.steps, batch_size=config.batch_size,
                                           seed=config.seed, checkpoint_every=max(1, min(250, config.steps)))
    return train(make_model(config), loss_function(config), image_batches(config), train_config,
                 out_dir=out_dir, command=command, progress=progress, callback=callback)


def denoiser(model: torch.nn.Module, objective: str):
    """The trained network as D(x, σ) in σ-space, for every sampler of toolkit.diffusion."""
    return SigmaDenoiser(model, schedule(objective), objective)


@torch.no_grad()
def generate(model, objective: str, n: int, steps: int, seed: int, image_size: int = 32,
             clip: bool = False) -> torch.Tensor:
    """n images with a good default sampler: DPM-Solver++(2M) for epsilon, flow Heun for velocity.
    clip: clamp the model's x0 estimate to [-1, 1] at every step (epsilon only), which keeps a young model's
    samples in range (its small errors in the noise, times sigma_max = 157, are not)."""
    g = torch.Generator().manual_seed(seed)
    noise = torch.randn(n, 3, image_size, image_size, generator=g)
    if objective == "epsilon":
        sigmas = ddpm_sigmas(schedule(objective), steps)
        D = denoiser(model, objective)
        return sample_dpmpp_2m(clip_denoised(D) if clip else D, noise * sigmas[0], sigmas)
    if clip:
        raise ValueError("clip=True is for the epsilon model's sampling (in sigma space, from sigma_max = 157); "
                         "the velocity model's flow samplers start at unit noise: leave clip off")
    return sample_flow_heun(FlowDenoiser(model, "velocity"), noise, flow_times(steps))


def valid_shape_rate(images: torch.Tensor, min_match: float = 0.8) -> float:
    """Fraction of images the attribute reader sees as one clean shape (template overlap >= min_match)."""
    return sum(r.shape is not None and r.match >= min_match for r in read_images(images)) / len(images)


def name_of(objective: str) -> str:
    return f"shapes_{objective}_unet"


def train_and_ship(args, command: str) -> list:
    config = ImageDiffusionConfig(objective=args.objective, **({"steps": args.steps} if args.steps else {}))
    start = time.perf_counter()
    result = train_model(config, out_dir=Path(args.runs) / name_of(args.objective), command=command)
    seconds = time.perf_counter() - start
    images = generate(result.ema_model, args.objective, n=pick(500, 50), steps=20, seed=1)
    return [ship(result, args.out, name_of(args.objective), config, command, seconds,
                 valid_shape_rate_20_steps=valid_shape_rate(images))]


def main(argv=None) -> int:
    return cli.main("toolkit.recipes.image_diffusion", __doc__, train_and_ship, argv=argv, options=[
        (("--objective",), {"choices": OBJECTIVES, "default": "epsilon"})])


if __name__ == "__main__":
    sys.exit(main())
