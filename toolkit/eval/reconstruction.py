"""How faithfully an autoencoder gives its input back (notebooks 05 and 08b, the codec comparison).

    x_hat = reconstruct(vae, x)       # decode(mode of encode(x)): the deterministic round trip
    psnr(x, x_hat)                    # per picture, in dB, for pictures in [-1, 1]
"""
import torch

HELDOUT_SEED = 10**6               # the seed of the held-out pictures every reconstruction figure is measured on


@torch.no_grad()
def reconstruct(model, x: torch.Tensor, batch_size: int = 32) -> torch.Tensor:
    """decode(mode of encode(x)), clamped to [-1, 1]: the deterministic round trip, in chunks."""
    return torch.cat([model.decode(model.encode(chunk).mode()).clamp(-1, 1) for chunk in x.split(batch_size)])


def psnr(x: torch.Tensor, x_hat: torch.Tensor) -> torch.Tensor:
    """Per-picture PSNR in dB for signals in [-1, 1]: 10·log10(2² / MSE), as 10·log10(1 / MSE) in [0, 1]."""
    if x.shape != x_hat.shape:
        raise ValueError(f"psnr needs two batches of the same shape, got {tuple(x.shape)} and {tuple(x_hat.shape)}")
    mse = (x_hat - x).pow(2).flatten(1).mean(dim=1)
    return 10 * torch.log10(4.0 / mse.clamp(min=1e-12))
