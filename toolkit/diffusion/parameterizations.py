"""What a network predicts, and how to turn one prediction into another.

On the path x_t = α_t·x₀ + σ_t·ε a network may be trained to output any of four targets:

    "epsilon"   ε                       the noise (Ho et al. 2020)
    "x0"        x₀                      the clean data
    "v"         v = α_t·ε − σ_t·x₀      v-prediction (Salimans & Ho 2022)
    "velocity"  u = ε − x₀              the flow-matching velocity dx_t/dt of the straight path
                                        (Liu et al. 2022; Lipman et al. 2023)

Given x_t, α_t and σ_t, each target fixes the other three, since x_t ties x₀ and ε together.
`predict_x0` solves for x₀, `prediction_target` builds a target from (x₀, ε), and `convert` goes from any
target to any other through x₀. α and σ are (B,) tensors or numbers and broadcast over (B, C, H, W) or
(B, C, T, H, W) through `append_dims`.

`vp_to_sigma_space` and `sigma_space_to_vp` move between a DDPM-style x_t and the samplers' σ-space
x = x_t/α_t = x₀ + σ·ε, with σ = σ_t/α_t (Karras et al. 2022, Sec. 2).
"""
import torch

from .utils import append_dims, check_choice

PREDICTIONS = ("epsilon", "x0", "v", "velocity")


def _b(c, x: torch.Tensor) -> torch.Tensor:
    """A number or (B,) coefficient, broadcastable against x (B, ...), in x's dtype."""
    c = torch.as_tensor(c, device=x.device, dtype=x.dtype)
    return append_dims(c, x.ndim) if c.ndim == 1 else c


def predict_x0(prediction: torch.Tensor, kind: str, x_t: torch.Tensor, alpha, sigma) -> torch.Tensor:
    """x̂₀ from a network output of the given kind at x_t = α·x₀ + σ·ε."""
    check_choice("prediction", kind, PREDICTIONS)
    if prediction.shape != x_t.shape:
        raise ValueError(f"prediction has shape {tuple(prediction.shape)} but x_t has shape {tuple(x_t.shape)}")
    a, s = _b(alpha, x_t), _b(sigma, x_t)
    if kind == "epsilon":
        return (x_t - s * prediction) / a                      # Ho et al. eq. 15
    if kind == "x0":
        return prediction
    if kind == "v":
        return (a * x_t - s * prediction) / (a ** 2 + s ** 2)  # = α·x_t − σ·v when α² + σ² = 1
    return (x_t - s * prediction) / (a + s)                    # = x_t − t·u on the straight path


def prediction_target(x0: torch.Tensor, noise: torch.Tensor, kind: str, alpha, sigma) -> torch.Tensor:
    """What a network of the given kind should output for data x₀ noised with ε at (α, σ)."""
    check_choice("prediction", kind, PREDICTIONS)
    if kind == "epsilon":
        return noise
    if kind == "x0":
        return x0
    if kind == "v":
        return _b(alpha, x0) * noise - _b(sigma, x0) * x0
    return noise - x0


def convert(prediction: torch.Tensor, kind: str, to: str, x_t: torch.Tensor, alpha, sigma) -> torch.Tensor:
    """Turn a prediction of one kind into another (through x̂₀ and ε̂ = (x_t − α·x̂₀)/σ; needs σ > 0)."""
    x0 = predict_x0(prediction, kind, x_t, alpha, sigma)
    noise = (x_t - _b(alpha, x_t) * x0) / _b(sigma, x_t)
    return prediction_target(x0, noise, to, alpha, sigma)


def vp_to_sigma_space(x_t: torch.Tensor, sigma) -> torch.Tensor:
    """x = x_t/α_t = x_t·√(1 + σ²): a DDPM-style x_t in the samplers' coordinates."""
    return x_t * (1 + _b(sigma, x_t) ** 2).sqrt()


def sigma_space_to_vp(x: torch.Tensor, sigma) -> torch.Tensor:
    """x_t = α_t·x = x/√(1 + σ²): back to the scale a DDPM-style network was trained on."""
    return x * (1 + _b(sigma, x) ** 2).rsqrt()
