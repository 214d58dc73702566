"""The judge of notebook 03's Frechet distance: a small CNN that names a shapes image's shape, colour and size.

    OMP_NUM_THREADS=1 python -m toolkit.recipes.feature_classifier train --out assets/checkpoints

Trained on freshly rendered clean and textured images of every split (it judges generators, it never trains
one); its features are what toolkit.eval.frechet compares.
"""
import sys
import time
from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from tqdm.auto import tqdm

from .. import checkpoints
from ..data import ShapesWorld, WorldConfig
from ..models.classifiers import ShapeClassifier
from . import cli

NAME = "feature_classifier"


@dataclass(frozen=True)
class ClassifierConfig:
    width: int = 32          # channels of the first conv; doubled at each of three stages
    image_size: int = 32
    steps: int = 1000
    batch_size: int = 128
    lr: float = 2e-3
    seed: int = 0


def train_classifier(config: ClassifierConfig = ClassifierConfig(), progress: bool = True) -> ShapeClassifier:
    """Train on freshly rendered clean images (every split: this is a judge, not a generator)."""
    torch.manual_seed(config.seed)
    model = ShapeClassifier(config.width)
    world = ShapesWorld(WorldConfig(frames=1, height=config.image_size, width=config.image_size))
    optimiser = torch.optim.AdamW(model.parameters(), lr=config.lr)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimiser, config.lr, total_steps=config.steps)
    for step in tqdm(range(config.steps), desc="feature classifier", disable=not progress):
        textured = step % 2 == 1
        world.config = WorldConfig(frames=1, height=config.image_size, width=config.image_size, textured=textured)
        batch = world.sample(config.batch_size, seed=config.seed * 100_003 + step, split="all")
        logits = model(batch.images)
        loss = sum(F.cross_entropy(logits[k], getattr(batch, k)[:, 0]) for k in logits)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        schedule.step()
    return model.eval()


def save_classifier(model: ShapeClassifier, config: ClassifierConfig, folder=None, command: str = "", metrics=None):
    """Ship the judge (load it back with toolkit.zoo.load("feature_classifier"))."""
    return checkpoints.save(folder, NAME, model.state_dict(), asdict(config), command, metrics, half=True)


def train_and_ship(args, command: str) -> list:
    config = ClassifierConfig(**({"steps": args.steps} if args.steps else {}))
    start = time.perf_counter()
    model = train_classifier(config)
    seconds = time.perf_counter() - start
    test = ShapesWorld(WorldConfig(frames=1)).sample(1000, seed=10**6, split="all")
    with torch.no_grad():
        logits = model(test.images)
    metrics = {f"{k}_accuracy": float((logits[k].argmax(1) == getattr(test, k)[:, 0]).float().mean()) for k in logits}
    metrics["train_seconds"] = round(seconds, 1)
    print(metrics)
    return [save_classifier(model, config, args.out, command, metrics)]


def main(argv=None) -> int:
    return cli.main("toolkit.recipes.feature_classifier", __doc__, train_and_ship, argv=argv)


if __name__ == "__main__":
    sys.exit(main())
