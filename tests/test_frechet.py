"""Frechet distance: closed-form cases, and a classifier whose features separate what differs."""
import pytest
import torch

from toolkit.data import ShapesWorld, WorldConfig
from toolkit.eval.frechet import features, frechet_distance
from toolkit.recipes.feature_classifier import ClassifierConfig, train_classifier


def test_frechet_distance_of_gaussians_matches_the_closed_form():
    g = torch.Generator().manual_seed(0)
    n, d = 20_000, 4
    a = torch.randn(n, d, generator=g, dtype=torch.float64)
    shift = torch.tensor([1.0, -2.0, 0.0, 0.5], dtype=torch.float64)
    scale = torch.tensor([1.0, 2.0, 0.5, 1.0], dtype=torch.float64)
    b = torch.randn(n, d, generator=g, dtype=torch.float64) * scale + shift
    # For diagonal covariances, FD = |mu_a - mu_b|^2 + sum (sigma_a - sigma_b)^2.
    expected = float(shift.square().sum() + (1 - scale).square().sum())
    assert frechet_distance(a, b) == pytest.approx(expected, rel=0.03)
    assert abs(frechet_distance(a, a)) < 1e-6


def test_frechet_distance_errors():
    with pytest.raises(ValueError, match="same D"):
        frechet_distance(torch.zeros(5, 3), torch.zeros(5, 4))
    with pytest.raises(ValueError, match="at least two"):
        frechet_distance(torch.zeros(1, 3), torch.zeros(5, 3))


def test_classifier_features_tell_apart_what_differs():
    model = train_classifier(ClassifierConfig(width=8, steps=60, batch_size=64), progress=False)
    world = ShapesWorld(WorldConfig(frames=1))
    real = features(model, world.sample(400, seed=1, split="all").images)
    same = features(model, world.sample(400, seed=2, split="all").images)
    reds = features(model, world.sample(400, seed=3, colour="red", split="all").images)
    assert frechet_distance(real, same) < 0.5 * frechet_distance(real, reds)
