"""A 2-D Gaussian mixture whose ideal denoiser is closed form: probability-flow paths without training.

Data x₀ ~ Σ_k w_k·N(μ_k, s_k²·I) in d dimensions (d = 2 for plots). On the path x_t = α·x₀ + σ·ε each
component stays Gaussian, x_t | k ~ N(α·μ_k, v_k·I) with v_k = α²·s_k² + σ², so E[x₀ | x_t] is exact:

    log r_k(x_t) = log w_k − |x_t − α·μ_k|²/(2·v_k) − (d/2)·log v_k    (normalised with logsumexp)
    m_k(x_t)     = μ_k + α·s_k²/v_k · (x_t − α·μ_k)                      E[x₀ | x_t, component k]
    E[x₀ | x_t]  = Σ_k r_k·m_k

`denoise` is this in σ-space (α = 1), `denoise_flow` in flow space (α = 1 − t, σ = t): a perfectly
trained network, so every sampler of `toolkit.diffusion` runs on it. With one component it is
`GaussianData`'s denoiser.

One probability-flow ODE, three coordinate systems (its solution curves are the same; only the view changes):

    σ-space   x                                  x = x₀ + σ·ε                  (the samplers' own)
    VP/DDPM   x_VP   = x/√(1 + σ²)               = α·x₀ + √(1 − α²)·ε, α = 1/√(1 + σ²)   (`sigma_space_to_vp`)
    flow      x_flow = x/(1 + σ), t = σ/(1 + σ)  = (1 − t)·x₀ + t·ε                    (`flow_to_sigma`)

For a single data point the flow path is a straight line, travelled at constant speed in t, while the
VP path is an arc (α² + σ_VP² = 1): that is the path flow matching trains on. The ODE paths of a whole
mixture bend in either view where a sample commits to a mode, less in the flow view (`bend`). Euler's
method is exact along a straight line and cuts corners on an arc: `sample_vp_euler` takes Euler steps
in VP coordinates, to compare with `sample_euler`, which on the same σ grid is both DDIM and flow Euler.
"""
import math

import torch

from .trajectory import Steps
from .utils import append_dims, as_batch


class GaussianMixture:
    """x₀ ~ Σ_k w_k·N(μ_k, s_k²·I): means (K, d), stds (K,) or a number, weights (K,) (default equal)."""

    def __init__(self, means, stds, weights=None):
        self.means = torch.as_tensor(means, dtype=torch.float64)                      # (K, d)
        K = self.means.shape[0]
        self.stds = torch.as_tensor(stds, dtype=torch.float64).expand(K).clone()     # (K,)
        weights = torch.ones(K, dtype=torch.float64) if weights is None else torch.as_tensor(weights, dtype=torch.float64)
        if self.means.ndim != 2 or weights.shape != (K,):
            raise ValueError(f"expected means (K, d) and weights (K,), got {tuple(self.means.shape)} and "
                             f"{tuple(weights.shape)}")
        if not (self.stds > 0).all() or not (weights > 0).all():
            raise ValueError("every std and weight must be positive")
        self.weights = weights / weights.sum()                                        # (K,) w_k

    @classmethod
    def ring(cls, k: int = 8, radius: float = 4.0, std: float = 0.1) -> "GaussianMixture":
        """k equal components evenly spaced on a circle: the classic 2-D test of flow-matching papers.

        The defaults put narrow modes far apart compared with the unit noise, the regime where the
        straight view pays off. (Data shaped like one unit Gaussian are the opposite case: there the
        VP path stands still, x_VP = ε throughout, and Euler is exact in the VP view.)
        """
        angle = torch.arange(k, dtype=torch.float64) * 2 * math.pi / k
        return cls(radius * torch.stack([angle.cos(), angle.sin()], 1), std)

    def __repr__(self):
        return f"GaussianMixture(K={len(self.weights)}, d={self.dim})"

    @property
    def dim(self) -> int:
        return self.means.shape[1]

    @property
    def mean(self) -> torch.Tensor:
        """E[x₀] = Σ_k w_k·μ_k, (d,)."""
        return self.weights @ self.means

    @property
    def covariance(self) -> torch.Tensor:
        """Cov[x₀] = Σ_k w_k·(s_k²·I + μ_k·μ_kᵀ) − E[x₀]·E[x₀]ᵀ, (d, d)."""
        second = torch.einsum("k,ki,kj->ij", self.weights, self.means, self.means)
        eye = torch.eye(self.dim, dtype=torch.float64)
        return second + (self.weights @ self.stds ** 2) * eye - torch.outer(self.mean, self.mean)

    def sample(self, n: int, generator: torch.Generator | None = None, dtype=torch.float32) -> torch.Tensor:
        """n samples of x₀, (n, d): a component by its weight, then a Gaussian draw around its mean."""
        k = torch.multinomial(self.weights, n, replacement=True, generator=generator)            # (n,)
        noise = torch.randn(n, self.dim, generator=generator, dtype=torch.float64)
        return (self.means[k] + self.stds[k, None] * noise).to(dtype)

    def responsibilities(self, x_t: torch.Tensor, alpha, sigma) -> torch.Tensor:
        """r_k = P(component k | x_t) for x_t = α·x₀ + σ·ε, (B, K); α, σ numbers or (B,)."""
        return self._posterior(x_t, alpha, sigma)[0]

    def posterior_mean(self, x_t: torch.Tensor, alpha, sigma) -> torch.Tensor:
        """E[x₀ | x_t] for x_t = α·x₀ + σ·ε, (B, d) in x_t's dtype."""
        r, m = self._posterior(x_t, alpha, sigma)
        return torch.einsum("bk,bkd->bd", r, m).to(x_t.dtype)

    def _posterior(self, x_t, alpha, sigma):
        if x_t.ndim != 2 or x_t.shape[1] != self.dim:
            raise ValueError(f"expected a batch of shape (B, {self.dim}), got {tuple(x_t.shape)}")
        x = x_t.double()[:, None]                                        # (B, 1, d)
        a = append_dims(as_batch(alpha, x_t, torch.float64), 3)          # (B, 1, 1)
        g = append_dims(as_batch(sigma, x_t, torch.float64), 3)
        s2 = self.stds[None, :, None] ** 2                               # (1, K, 1)
        v = a ** 2 * s2 + g ** 2                                         # (B, K, 1) v_k
        diff = x - a * self.means                                        # (B, K, d) x_t − α·μ_k
        log_r = (self.weights.log() - (diff ** 2).sum(-1) / (2 * v[..., 0])
                 - self.dim / 2 * v[..., 0].log())                       # (B, K)
        r = (log_r - log_r.logsumexp(-1, keepdim=True)).exp()            # (B, K) r_k
        return r, self.means + a * s2 / v * diff                         # (B, K), (B, K, d) m_k

    def denoise(self, x: torch.Tensor, sigma, **cond) -> torch.Tensor:
        """The ideal σ-space denoiser D(x; σ) = E[x₀ | x₀ + σ·ε]."""
        return self.posterior_mean(x, 1.0, sigma)

    def denoise_flow(self, x: torch.Tensor, t, **cond) -> torch.Tensor:
        """The ideal flow-space denoiser D(x; t) = E[x₀ | (1 − t)·x₀ + t·ε]; fine at t = 1."""
        t = as_batch(t, x, torch.float64)
        return self.posterior_mean(x, 1 - t, t)


# --- views of one path ------------------------------------------------------------------------------

def _along(sigmas, x: torch.Tensor) -> torch.Tensor:
    """σ per state as a tensor broadcasting against x: a number, or (N+1,) beside a trajectory (N+1, B, d)."""
    sigmas = torch.as_tensor(sigmas, dtype=x.dtype, device=x.device)
    return append_dims(sigmas, x.ndim) if sigmas.ndim == 1 else sigmas


def vp_coordinates(x: torch.Tensor, sigmas) -> torch.Tensor:
    """x_VP = x/√(1 + σ²): σ-space states (a trajectory's `x` with its `sigmas`) as DDPM's x_t."""
    return x * (1 + _along(sigmas, x) ** 2).rsqrt()


def flow_coordinates(x: torch.Tensor, sigmas) -> torch.Tensor:
    """x_flow = x/(1 + σ): σ-space states as flow-matching states at t = σ/(1 + σ)."""
    return x / (1 + _along(sigmas, x))


def straightness(path: torch.Tensor) -> torch.Tensor:
    """Path length over end-to-end distance, (B,), for paths (N+1, B, d): 1 for a straight line.

    It also counts going back and forth along one line (which the flow view does early on, heading
    for the data mean before turning to a mode), so read it beside `bend`.
    """
    length = (path[1:] - path[:-1]).norm(dim=-1).sum(0)
    return length / (path[-1] - path[0]).norm(dim=-1)


def bend(path: torch.Tensor) -> torch.Tensor:
    """Largest distance from the chord (start to end) over the chord's length, (B,): 0 for a straight line."""
    chord = path[-1] - path[0]                                           # (B, d)
    unit = chord / chord.norm(dim=-1, keepdim=True)
    offset = path - path[0]                                              # (N+1, B, d)
    across = offset - (offset * unit).sum(-1, keepdim=True) * unit       # the part perpendicular to the chord
    return across.norm(dim=-1).amax(0) / chord.norm(dim=-1)


def sample_vp_euler(denoiser, x, sigmas, *, generator=None, cond=None, callback=None, return_trajectory=False,
                    progress=False):
    """Euler's method on the probability-flow ODE in VP coordinates, for comparison with `sample_euler`.

    With α = cos θ and σ_VP = sin θ (θ = arctan σ), y = x_VP = cos θ·x₀ + sin θ·ε, and the ODE reads
        dy/dθ = −sin θ·x̂₀ + cos θ·ε̂,      ε̂ = (x − x̂₀)/σ
    Each step is y' = y + (θ' − θ)·dy/dθ: a tangent to the arc, so it leaves the curved path. Takes and
    returns σ-space states like every σ-space sampler (the same `sigmas` grid, the same trajectory).
    """
    steps = Steps(denoiser, x, sigmas, cond, callback, return_trajectory, progress, name="VP Euler")
    for i, sigma, sigma_next in steps:
        denoised = steps.denoise(x, sigma)
        theta, theta_next = math.atan(sigma), math.atan(sigma_next)
        eps = (x - denoised) / sigma                                     # ε̂
        y = x * math.cos(theta)                                          # x_VP
        y = y + (theta_next - theta) * (-math.sin(theta) * denoised + math.cos(theta) * eps)
        x = y / math.cos(theta_next)                                     # back to σ-space
    return steps.result(x)
