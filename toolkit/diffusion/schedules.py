"""Noise schedules: how much signal and how much noise there is at each time t.

Every schedule here describes a Gaussian path from data x₀ to noise ε ~ N(0, I):

    x_t = α_t·x₀ + σ_t·ε

* `DiscreteSchedule`, DDPM-style (Ho et al. 2020): T steps with variances β_t, ᾱ_t = ∏_{s≤t}(1 − β_s),
  α_t = √ᾱ_t and σ_t = √(1 − ᾱ_t) (a variance-preserving path). Time t is the step index 0..T-1.
  Made by `ddpm_schedule("linear" | "cosine" | "scaled_linear")` or from any betas.
* `FlowSchedule`, the straight path of rectified flow / flow matching (Liu et al. 2022; Lipman et al. 2023):
  α_t = 1 − t, σ_t = t, with t ∈ [0, 1] continuous.

Both answer the same three questions, which is all that the losses, the forward process and the
network wrappers ask of a schedule:

    coefficients(t) -> (α_t, σ_t)       float64, shaped like t
    sample_t(n, generator) -> t         training times, float64 (n,)
    sigma_to_t(σ) -> t                  the time at which the samplers' noise level is σ

The samplers' noise level σ (EDM's σ, Karras et al. 2022) is the noise-to-signal ratio σ = σ_t/α_t,
so that x_t/α_t = x₀ + σ·ε and SNR = 1/σ². Sampling grids are decreasing sequences that end at 0:
`ddpm_sigmas`, `karras_sigmas` (EDM eq. 5) and, in flow time, `flow_times`.
"""
import math
from dataclasses import dataclass

import torch

from .utils import check_choice

SPACINGS = ("leading", "trailing", "linspace")


# --- betas ------------------------------------------------------------------------------------------

def linear_betas(num_steps: int = 1000, beta_start: float = 1e-4, beta_end: float = 0.02) -> torch.Tensor:
    """β_t rising linearly from 1e-4 to 0.02 (Ho et al. 2020, Sec. 4, for T = 1000). (T,) float64.

    As in diffusers, the end points do not change with T (so a small T adds noise quickly).
    """
    return torch.linspace(beta_start, beta_end, num_steps, dtype=torch.float64)


def scaled_linear_betas(num_steps: int = 1000, beta_start: float = 0.00085, beta_end: float = 0.012):
    """√β_t linear: the schedule of latent diffusion / Stable Diffusion (Rombach et al. 2022). (T,) float64."""
    return torch.linspace(beta_start ** 0.5, beta_end ** 0.5, num_steps, dtype=torch.float64) ** 2


def cosine_betas(num_steps: int = 1000, s: float = 0.008, max_beta: float = 0.999) -> torch.Tensor:
    """The cosine schedule of improved DDPM (Nichol & Dhariwal 2021, eq. 17). (T,) float64.

    ᾱ(τ) = f(τ)/f(0) with f(τ) = cos²((τ/T + s)/(1 + s) · π/2), and β_t = 1 − ᾱ(t+1)/ᾱ(t), clipped at
    0.999 so that the last steps stay finite. Index t here samples ᾱ at τ = t + 1.
    """
    f = lambda tau: math.cos((tau / num_steps + s) / (1 + s) * math.pi / 2) ** 2
    betas = [min(1 - f(t + 1) / f(t), max_beta) for t in range(num_steps)]
    return torch.tensor(betas, dtype=torch.float64)


BETA_SCHEDULES = {"linear": linear_betas, "cosine": cosine_betas, "scaled_linear": scaled_linear_betas}


# --- DDPM-style discrete schedule ------------------------------------------------------------------

class DiscreteSchedule:
    """A variance-preserving schedule of T discrete steps (Ho et al. 2020), in float64.

    Tables, each (T,) and indexed by t = 0..T-1: `betas` β_t, `alphas_cumprod` ᾱ_t, and `sigmas`
    σ = √((1 − ᾱ_t)/ᾱ_t), the samplers' noise level, increasing with t. Between grid points t and σ
    are interpolated linearly in log σ (as k-diffusion does), so a sampler may ask for any σ in range.
    """

    def __init__(self, betas):
        betas = torch.as_tensor(betas, dtype=torch.float64)
        if betas.ndim != 1 or len(betas) < 2:
            raise ValueError(f"betas must be a 1-D sequence of at least 2 values, got shape {tuple(betas.shape)}")
        if not ((betas > 0) & (betas < 1)).all():
            raise ValueError("every beta must lie in (0, 1)")
        self.betas = betas                                          # (T,) β_t
        self.alphas_cumprod = torch.cumprod(1 - betas, dim=0)       # (T,) ᾱ_t (Ho et al. eq. 4)
        self.sigmas = ((1 - self.alphas_cumprod) / self.alphas_cumprod).sqrt()  # (T,) σ, increasing
        self.log_sigmas = self.sigmas.log()

    @classmethod
    def from_alphas_cumprod(cls, alphas_cumprod) -> "DiscreteSchedule":
        """The schedule whose ᾱ_t are given (e.g. a diffusers scheduler's `alphas_cumprod`)."""
        ac = torch.as_tensor(alphas_cumprod, dtype=torch.float64)
        return cls(1 - ac / torch.cat([ac.new_ones(1), ac[:-1]]))

    def __repr__(self):
        return f"DiscreteSchedule(T={self.num_steps}, sigma_min={self.sigma_min:.4g}, sigma_max={self.sigma_max:.4g})"

    @property
    def num_steps(self) -> int:
        return len(self.betas)

    @property
    def sigma_min(self) -> float:
        return float(self.sigmas[0])

    @property
    def sigma_max(self) -> float:
        return float(self.sigmas[-1])

    def t_to_sigma(self, t: torch.Tensor) -> torch.Tensor:
        """σ at (possibly fractional) times t ∈ [0, T-1]; float64, shaped like t."""
        t = torch.as_tensor(t, dtype=torch.float64).clamp(0, self.num_steps - 1)
        log_sigmas = self.log_sigmas.to(t.device)
        low = t.floor().long().clamp(max=self.num_steps - 2)
        w = t - low
        return ((1 - w) * log_sigmas[low] + w * log_sigmas[low + 1]).exp()

    def sigma_to_t(self, sigma: torch.Tensor) -> torch.Tensor:
        """The (fractional) time t at which the noise level is σ; float64, shaped like σ, clamped to [0, T-1]."""
        log_sigmas = self.log_sigmas.to(torch.as_tensor(sigma).device)
        log_sigma = torch.as_tensor(sigma, dtype=torch.float64).log().clamp(log_sigmas[0], log_sigmas[-1])
        low = (torch.searchsorted(log_sigmas, log_sigma, right=True) - 1).clamp(0, self.num_steps - 2)
        w = (log_sigma - log_sigmas[low]) / (log_sigmas[low + 1] - log_sigmas[low])
        return low + w

    def coefficients(self, t: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(α_t, σ_t) = (√ᾱ_t, √(1 − ᾱ_t)), float64, shaped like t (fractional t interpolates)."""
        sigma = self.t_to_sigma(t)
        alpha = (1 + sigma ** 2).rsqrt()                            # √ᾱ = 1/√(1 + σ²)
        return alpha, sigma * alpha

    def sample_t(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """n training times drawn uniformly from {0, ..., T-1} (Ho et al. Algorithm 1), as float64 (n,)."""
        device = generator.device if generator is not None else None
        return torch.randint(0, self.num_steps, (n,), generator=generator, device=device).double()

    def timesteps(self, steps: int, spacing: str = "trailing") -> torch.Tensor:
        """`steps` decreasing step indices (steps,) for sampling, with diffusers' spacings.

        "trailing" starts at T-1, the noisiest step, as Lin et al. (2024) recommend; it is our default,
        while diffusers' DDPM and DDIM default to "leading" (0, T/n, 2T/n, ... reversed, which never
        visits the last steps). "linspace" rounds linspace(0, T-1, n).
        """
        check_choice("spacing", spacing, SPACINGS)
        T = self.num_steps
        if not isinstance(steps, int) or not 1 <= steps <= T:
            raise ValueError(f"steps must be an integer between 1 and T={T}, got {steps!r}")
        k = torch.arange(steps, dtype=torch.float64)
        if spacing == "leading":
            t = k * (T // steps)
        elif spacing == "trailing":
            t = torch.round(T - k * (T / steps)).flip(0) - 1
        else:
            t = torch.linspace(0, T - 1, steps, dtype=torch.float64).round()
        return t.flip(0).long()

    def sigmas_at(self, timesteps: torch.Tensor) -> torch.Tensor:
        """The sampling grid (n+1,): σ at the given step indices, then 0 (a clean final sample)."""
        timesteps = torch.as_tensor(timesteps).long().cpu()
        return torch.cat([self.sigmas[timesteps], self.sigmas.new_zeros(1)])


def ddpm_schedule(name: str = "linear", num_steps: int = 1000) -> DiscreteSchedule:
    """A DDPM-style schedule by name: "linear" (Ho et al.), "cosine" (Nichol & Dhariwal), "scaled_linear"."""
    check_choice("schedule", name, tuple(BETA_SCHEDULES))
    return DiscreteSchedule(BETA_SCHEDULES[name](num_steps))


# --- rectified flow / flow matching ---------------------------------------------------------------

@dataclass(frozen=True)
class FlowSchedule:
    """The straight path x_t = (1 − t)·x₀ + t·ε, t ∈ [0, 1] (Liu et al. 2022; Lipman et al. 2023).

    `shift` > 1 spends more of training and of the sampling grid at noisy times, through
    t ↦ shift·t / (1 + (shift − 1)·t), the timestep shift of Esser et al. 2024 (SD3) and diffusers' `shift`;
    1 leaves t alone.
    """
    shift: float = 1.0

    def __post_init__(self):
        if not self.shift > 0:
            raise ValueError(f"shift must be positive, got {self.shift}")

    def shift_time(self, t: torch.Tensor) -> torch.Tensor:
        return self.shift * t / (1 + (self.shift - 1) * t)

    def coefficients(self, t: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(α_t, σ_t) = (1 − t, t), float64."""
        t = torch.as_tensor(t, dtype=torch.float64)
        return 1 - t, t

    def sample_t(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """n training times t = shift(u), u ~ U[0, 1), as float64 (n,)."""
        device = generator.device if generator is not None else None
        return self.shift_time(torch.rand(n, generator=generator, device=device, dtype=torch.float64))

    def sigma_to_t(self, sigma: torch.Tensor) -> torch.Tensor:
        """t = σ/(1 + σ): the flow time whose noise-to-signal ratio t/(1 − t) is σ."""
        return flow_times_from_sigmas(sigma)

    def times(self, steps: int) -> torch.Tensor:
        """The sampling grid (steps+1,) from t = 1 to 0, shifted: `flow_times(steps, self.shift)`."""
        return flow_times(steps, self.shift)


# --- sampling grids -------------------------------------------------------------------------------

def _check_steps(steps) -> None:
    if not isinstance(steps, int) or steps < 1:
        raise ValueError(f"steps must be an integer >= 1, got {steps!r}")


def ddpm_sigmas(schedule: DiscreteSchedule, steps: int, spacing: str = "trailing") -> torch.Tensor:
    """σ at `steps` of the schedule's own time steps, then 0: (steps+1,) float64."""
    return schedule.sigmas_at(schedule.timesteps(steps, spacing))


def karras_sigmas(steps: int, sigma_min: float, sigma_max: float, rho: float = 7.0) -> torch.Tensor:
    """EDM's grid (Karras et al. 2022, eq. 5), then 0: (steps+1,) float64.

    σ_i = (σ_max^(1/ρ) + i/(N−1)·(σ_min^(1/ρ) − σ_max^(1/ρ)))^ρ; ρ = 7 packs steps near σ_min.
    """
    _check_steps(steps)
    if not 0 < sigma_min < sigma_max:
        raise ValueError(f"need 0 < sigma_min < sigma_max, got {sigma_min} and {sigma_max}")
    ramp = torch.linspace(0, 1, steps, dtype=torch.float64)
    lo, hi = sigma_min ** (1 / rho), sigma_max ** (1 / rho)
    return torch.cat([(hi + ramp * (lo - hi)) ** rho, torch.zeros(1, dtype=torch.float64)])


def flow_times(steps: int, shift: float = 1.0) -> torch.Tensor:
    """Flow times from 1 (pure noise) to 0 (data), evenly spaced then shifted: (steps+1,) float64.

    diffusers' FlowMatchEulerDiscreteScheduler stops its even spacing at 1/T before jumping to 0;
    here the spacing runs all the way to 0.
    """
    _check_steps(steps)
    return FlowSchedule(shift).shift_time(torch.linspace(1, 0, steps + 1, dtype=torch.float64))


def sigmas_from_flow_times(t: torch.Tensor) -> torch.Tensor:
    """σ = t/(1 − t), the σ-space grid of flow times t < 1 (t = 1 would be σ = ∞)."""
    t = torch.as_tensor(t, dtype=torch.float64)
    if (t >= 1).any() or (t < 0).any():
        raise ValueError("flow times must lie in [0, 1): t = 1 is infinite noise in sigma space")
    return t / (1 - t)


def flow_times_from_sigmas(sigma: torch.Tensor) -> torch.Tensor:
    """t = σ/(1 + σ), the flow time of noise level σ (σ = ∞ gives t = 1)."""
    sigma = torch.as_tensor(sigma, dtype=torch.float64)
    return torch.where(torch.isinf(sigma), torch.ones_like(sigma), sigma / (1 + sigma))
