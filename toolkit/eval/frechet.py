"""A Frechet distance for shapes images, in the feature space of a small classifier.

FID (Heusel et al., 2017) compares the Gaussian fitted to Inception features of generated
images with the one fitted to real images:

    FD = |mu_r - mu_g|^2 + tr(S_r + S_g - 2 (S_r S_g)^(1/2))

Inception knows nothing of this world and cannot be downloaded, so the features come from
a small CNN trained here, on clean rendered images, to name shape, colour and size. It is
a judge only: no generator ever trains against it. Its recipe is toolkit.recipes.feature_classifier; load
the shipped one with toolkit.zoo.load("feature_classifier").
"""
import torch

from ..models.classifiers import ShapeClassifier

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
