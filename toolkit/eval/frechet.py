"""A Frechet distance for shapes images, in the feature space of a small classifier.

FID (Heusel et al., 2017) compares the Gaussian fitted to Inception features of generated
images with the one fitted to real images:

    FD = |mu_r - mu_g|^2 + tr(S_r + S_g - 2 (S_r S_g)^(1/2))

Inception knows nothing of this world and cannot be downloaded, so the features come from
a small CNN trained here, on clean rendered images, to name shape, colour and size. It is
a judge only: no generator ever trains against it.
"""
from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from tqdm.auto import tqdm

from .. import checkpoints
from ..data import ShapesWorld, WorldConfig
from ..models.classifiers import ShapeClassifier

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


@torch.no_grad()
def features(model: ShapeClassifier, images: torch.Tensor, batch_size: int = 256) -> torch.Tensor:
    """(N, 3, H, W) in [-1, 1] -> (N, D) float64 features, in batches."""
    if images.ndim != 4 or images.shape[1] != 3:
        raise ValueError(f"expected images of shape (N, 3, H, W), got {tuple(images.shape)}")
    return torch.cat([model.features(images[i:i + batch_size]) for i in range(0, len(images), batch_size)]).double()


def frechet_distance(a: torch.Tensor, b: torch.Tensor) -> float:
    """Frechet distance between Gaussians fitted to feature sets a (N, D) and b (M, D)."""
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[1]:
        raise ValueError(f"expected two (N, D) feature sets with the same D, got {tuple(a.shape)} and {tuple(b.shape)}")
    if min(len(a), len(b)) < 2:
        raise ValueError("need at least two samples in each set to fit a covariance")
    a, b = a.double(), b.double()
    mu_a, mu_b = a.mean(0), b.mean(0)
    cov_a, cov_b = torch.cov(a.T), torch.cov(b.T)
    # tr((S_a S_b)^(1/2)) = sum of sqrt of the eigenvalues of S_a^(1/2) S_b S_a^(1/2), which is symmetric.
    vals, vecs = torch.linalg.eigh(cov_a)
    root_a = vecs @ torch.diag(vals.clamp(min=0).sqrt()) @ vecs.T
    cross = torch.linalg.eigvalsh(root_a @ cov_b @ root_a).clamp(min=0).sqrt().sum()
    return float((mu_a - mu_b).square().sum() + cov_a.trace() + cov_b.trace() - 2 * cross)


def main(argv=None):
    """python -m toolkit.eval.frechet --out assets/checkpoints: train and ship the classifier."""
    import argparse
    import sys
    import time

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--out", default=None, help="where the weights go (default: the shipped checkpoints)")
    parser.add_argument("--steps", type=int, default=ClassifierConfig.steps)
    args = parser.parse_args(argv)
    config = ClassifierConfig(steps=args.steps)
    start = time.perf_counter()
    model = train_classifier(config)
    seconds = time.perf_counter() - start
    test = ShapesWorld(WorldConfig(frames=1)).sample(1000, seed=10**6, split="all")
    with torch.no_grad():
        logits = model(test.images)
    metrics = {f"{k}_accuracy": float((logits[k].argmax(1) == getattr(test, k)[:, 0]).float().mean()) for k in logits}
    metrics["train_seconds"] = round(seconds, 1)
    command = "python -m toolkit.eval.frechet " + " ".join(sys.argv[1:] if argv is None else argv)
    print(save_classifier(model, config, args.out, command.strip(), metrics), metrics)


if __name__ == "__main__":
    main()
