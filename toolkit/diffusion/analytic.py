"""Gaussian data, for which the ideal denoiser is known in closed form: diffusion without training.

If every dimension of x₀ is independent Gaussian, x₀ ~ N(μ, s²), and x_t = α·x₀ + σ·ε, then x₀ given
x_t is Gaussian too, with

    E[x₀ | x_t]   = μ + α·s²/(α²·s² + σ²) · (x_t − α·μ)
    Var[x₀ | x_t] = s²·σ²/(α²·s² + σ²)

and E[x₀ | x_t] is exactly what a perfectly trained denoiser outputs. So any sampler driven by it must
reproduce N(μ, s²), and its error can be measured against the exact solution of the probability-flow
ODE, which for Gaussian data simply rescales the deviation from the moving mean:

    x' − α'·μ = √((α'²·s² + σ'²)/(α²·s² + σ²)) · (x − α·μ)

`GaussianData(mean, std)` takes per-dimension μ and s (any shapes broadcasting to one event shape,
e.g. (C, H, W) or (C, T, H, W)) and offers the σ-space denoiser, the flow-space denoiser, a perfect
network of any parameterisation, samples, and the exact ODE solutions.
"""
import torch

from .parameterizations import PREDICTIONS, prediction_target
from .utils import append_dims, as_batch, check_choice


class GaussianData:
    """Independent Gaussian data x₀ ~ N(mean, std²) with per-dimension mean and std."""

    def __init__(self, mean, std):
        self.mean, self.std = torch.as_tensor(mean), torch.as_tensor(std)
        if not (self.std > 0).all():
            raise ValueError("every std must be positive")
        self.shape = torch.broadcast_shapes(self.mean.shape, self.std.shape)   # the event shape

    def __repr__(self):
        return f"GaussianData(shape={tuple(self.shape)})"

    def _check(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """μ and s as tensors like x (B, *shape), after checking x's shape."""
        if tuple(x.shape[1:]) != tuple(self.shape):
            raise ValueError(f"expected a batch of shape (B, {', '.join(map(str, self.shape))}), "
                             f"got {tuple(x.shape)}")
        return self.mean.to(x), self.std.to(x)

    def sample(self, n: int, generator: torch.Generator | None = None, dtype=torch.float32) -> torch.Tensor:
        """n samples of x₀, shape (n, *shape)."""
        noise = torch.randn((n, *self.shape), generator=generator, dtype=dtype)
        return self.mean.to(dtype) + self.std.to(dtype) * noise

    def posterior_mean(self, x_t: torch.Tensor, alpha, sigma) -> torch.Tensor:
        """E[x₀ | x_t] for x_t = α·x₀ + σ·ε; α, σ numbers or (B,)."""
        mu, s = self._check(x_t)
        a = append_dims(as_batch(alpha, x_t), x_t.ndim)
        g = append_dims(as_batch(sigma, x_t), x_t.ndim)
        return mu + a * s ** 2 / (a ** 2 * s ** 2 + g ** 2) * (x_t - a * mu)

    def posterior_variance(self, alpha, sigma) -> torch.Tensor:
        """Var[x₀ | x_t] = s²σ²/(α²s² + σ²) for numbers α, σ; shaped like the event."""
        s2 = self.std.double() ** 2
        return s2 * sigma ** 2 / (alpha ** 2 * s2 + sigma ** 2)

    def denoise(self, x: torch.Tensor, sigma, **cond) -> torch.Tensor:
        """The ideal σ-space denoiser D(x; σ) = E[x₀ | x₀ + σ·ε]."""
        return self.posterior_mean(x, 1.0, sigma)

    def denoise_flow(self, x: torch.Tensor, t, **cond) -> torch.Tensor:
        """The ideal flow-space denoiser D(x; t) = E[x₀ | (1 − t)·x₀ + t·ε]."""
        t = as_batch(t, x)
        return self.posterior_mean(x, 1 - t, t)

    def network(self, prediction: str, schedule):
        """A perfectly trained network model(x_t, t) for `schedule`, predicting `prediction`.

        Wrapping it (`SigmaDenoiser(data.network("epsilon", schedule), schedule)`) must give back
        `denoise`, and its training loss is the smallest any network can reach.
        """
        check_choice("prediction", prediction, PREDICTIONS)

        def model(x_t: torch.Tensor, t: torch.Tensor, **cond) -> torch.Tensor:
            alpha, sigma = schedule.coefficients(t)                        # (B,) float64
            alpha, sigma = alpha.to(x_t.dtype), sigma.to(x_t.dtype)
            x0 = self.posterior_mean(x_t, alpha, sigma)
            eps = (x_t - append_dims(alpha, x_t.ndim) * x0) / append_dims(sigma, x_t.ndim)
            return prediction_target(x0, eps, prediction, alpha, sigma)
        return model

    def ode_solution(self, x: torch.Tensor, sigma: float, sigma_next: float) -> torch.Tensor:
        """The exact probability-flow ODE solution in σ-space, from x at σ to σ' (σ may be 0 at the end)."""
        return self._transport(x, 1.0, sigma, 1.0, sigma_next)

    def flow_ode_solution(self, x: torch.Tensor, t: float, t_next: float) -> torch.Tensor:
        """The exact flow-matching ODE solution, from x at flow time t to t'."""
        return self._transport(x, 1 - t, t, 1 - t_next, t_next)

    def _transport(self, x, alpha, sigma, alpha_next, sigma_next):
        mu, s = self._check(x)
        scale = ((alpha_next ** 2 * s ** 2 + sigma_next ** 2) / (alpha ** 2 * s ** 2 + sigma ** 2)).sqrt()
        return alpha_next * mu + scale * (x - alpha * mu)
