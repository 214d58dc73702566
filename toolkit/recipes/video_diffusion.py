"""Notebook 07: video diffusion in pixels, a space-time U-Net inflated from the text-to-image U-Net.

    OMP_NUM_THREADS=1 python -m toolkit.recipes.video_diffusion train --out assets/checkpoints     # shapes_spacetime_unet

The recipe of Video Diffusion Models and Make-A-Video (and of AnimateDiff): take the trained text-to-image
U-Net (shapes_text_unet), insert zero-initialised temporal layers (toolkit.models.spacetime_unet), and train on
clips. The spatial layers stay frozen (`freeze_spatial`): they already draw the shapes; only the temporal
layers learn, which is what ties the frames into one object moving one way. Same objective as the image model:
flow matching with 10% caption dropout, on 16 x 32 x 32 clips of the training split.
"""
import sys
import time
from dataclasses import asdict, dataclass

import torch

from .. import zoo
from . import text_to_image
from ..data import ShapesWorld, WorldConfig
from ..models.spacetime_unet import SpaceTimeUNet
from ..models.unet import FlowTime
from ..text import TextConditioner
from .text_to_image import loss_function
from . import cli
from .train import TrainConfig, ship, train

NAME = "shapes_spacetime_unet"


@dataclass(frozen=True)
class VideoDiffusionConfig:
    image_model: str = text_to_image.NAME     # the shipped text-to-image U-Net to inflate
    train: str = "cpu"
    steps: int = 600
    batch_size: int = 4                       # clips per step (64 frames)
    lr: float = 5e-4
    frames: int = 16
    image_size: int = 32
    caption_dropout: float = 0.1
    freeze_spatial: bool = True               # train only the temporal layers
    seed: int = 0

    def __post_init__(self):
        if not 0 <= self.caption_dropout < 1:
            raise ValueError(f"caption_dropout must be in [0, 1), got {self.caption_dropout}")


def make_model(config: VideoDiffusionConfig, folder=None) -> FlowTime:
    """The inflated model: the shipped image U-Net's weights in the spatial layers, zero temporal layers."""
    image = zoo.load(config.image_model, folder).unet
    torch.manual_seed(config.seed)
    model = SpaceTimeUNet(type(image)(image.config)).load_image_weights(image.state_dict())
    model.unet.requires_grad_(not config.freeze_spatial)
    return FlowTime(model.train())


def batches(config: VideoDiffusionConfig, text: TextConditioner):
    """batches(k): clips (B, 3, T, H, W) in [-1, 1] of the training split and their captions, text-encoded."""
    world = ShapesWorld(WorldConfig(frames=config.frames, height=config.image_size, width=config.image_size))

    def batch(k):
        b = world.sample(config.batch_size, seed=config.seed * 1_000_003 + k, split="train")
        return {"x": b.video, **text(b.captions)}
    return batch


def train_model(config: VideoDiffusionConfig, text: TextConditioner | None = None, out_dir=None, progress=True,
                command=None):
    """Train (or resume) and return toolkit.recipes.train's TrainResult; sample with result.ema_model."""
    text = text or TextConditioner.from_pretrained()
    train_config = TrainConfig.from_preset(config.train, steps=config.steps, batch_size=config.batch_size,
                                           lr=config.lr, warmup=min(100, max(1, config.steps // 10)),
                                           seed=config.seed, checkpoint_every=max(1, min(50, config.steps)))
    return train(make_model(config), loss_function(config, text), batches(config, text), train_config,
                 out_dir=out_dir, command=command, progress=progress)


def train_and_ship(args, command: str) -> list:
    config = VideoDiffusionConfig(**({"steps": args.steps} if args.steps else {}))
    start = time.perf_counter()
    result = train_model(config, out_dir=f"{args.runs}/{NAME}", command=command)
    print("measure it with python -m toolkit.experiments.text_to_video --models spacetime-unet")
    return [ship(result, args.out, NAME, config, command, time.perf_counter() - start,
                 keep=lambda key: zoo.shipped_tensor(NAME, asdict(config), key))]


def main(argv=None) -> int:
    return cli.main("toolkit.recipes.video_diffusion", __doc__, train_and_ship, argv=argv)


if __name__ == "__main__":
    sys.exit(main())
