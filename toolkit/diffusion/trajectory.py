"""The loop every sampler shares: checks, progress bar, callback and the recorded trajectory.

A sampler reads as its paper's update rule because the bookkeeping lives here:

    steps = Steps(denoiser, x, sigmas, ...)
    for i, sigma, sigma_next in steps:            # floats, σ_i > σ_{i+1}
        denoised = steps.denoise(x, sigma)         # D(x; σ_i), checked and recorded
        x = ...                                    # the update
    return steps.result(x)                         # x, or (x, Trajectory)
"""
from dataclasses import dataclass

import torch
from tqdm.auto import tqdm

from .utils import as_batch


@dataclass
class Trajectory:
    """What a sampler visited, for plotting the progression from noise to data.

    sigmas (N+1,) the grid; x (N+1, B, ...) the state at each σ_i, x[0] the starting noise and x[-1]
    the sample; denoised (N, B, ...) the prediction x̂₀ = D(x_i; σ_i) made at each step.
    flow: True when the grid holds flow times t and x = (1 − t)·x₀ + t·ε (a flow sampler's trajectory).
    """
    sigmas: torch.Tensor
    x: torch.Tensor
    denoised: torch.Tensor
    flow: bool = False


def check_sigmas(sigmas, flow: bool = False) -> torch.Tensor:
    """A sampling grid as a float64 CPU tensor, after checking it: 1-D, finite, ≥ 0, strictly decreasing."""
    sigmas = torch.as_tensor(sigmas, dtype=torch.float64).detach().cpu()
    name = "flow times" if flow else "sigmas"
    if sigmas.ndim != 1 or len(sigmas) < 2:
        raise ValueError(f"{name} must be a 1-D grid of at least 2 values (1 step), got shape {tuple(sigmas.shape)}")
    if not torch.isfinite(sigmas).all() or (sigmas < 0).any():
        raise ValueError(f"{name} must be finite and non-negative, got {_short(sigmas)}")
    rising = (sigmas[1:] >= sigmas[:-1]).nonzero()
    if len(rising):
        i = int(rising[0])
        raise ValueError(f"{name} must be strictly decreasing (noisy to clean), but entry {i + 1} "
                         f"({sigmas[i + 1]:.4g}) >= entry {i} ({sigmas[i]:.4g}) in {_short(sigmas)}")
    if flow and sigmas[0] > 1:
        raise ValueError(f"flow times must lie in [0, 1], got {_short(sigmas)}")
    return sigmas


def _short(values: torch.Tensor) -> str:
    v = [f"{x:.4g}" for x in values.tolist()]
    return f"[{', '.join(v)}]" if len(v) <= 8 else f"[{', '.join(v[:3])}, ..., {', '.join(v[-2:])}] ({len(v)} values)"


class Steps:
    """Iterate over the steps of a grid; call the denoiser; report to callback, trajectory and progress bar.

    callback, if given, is called once per step with a dict: i, sigma, sigma_next, x (the state at σ_i)
    and denoised (D(x; σ_i)).
    """

    def __init__(self, denoiser, x: torch.Tensor, sigmas, cond=None, callback=None, return_trajectory=False,
                 progress=False, flow=False, name="sampling"):
        if not torch.is_tensor(x) or x.ndim < 2:
            raise ValueError("x must be a batch tensor of shape (B, ...) with at least 2 dims")
        self.denoiser, self.cond, self.callback = denoiser, dict(cond or {}), callback
        self.sigmas = check_sigmas(sigmas, flow)
        self.progress, self.name, self.flow = progress, name, flow
        self.xs, self.denoised = ([], []) if return_trajectory else (None, None)
        self._i, self._reported = None, None            # current step, last step reported

    def __iter__(self):
        for i in tqdm(range(len(self.sigmas) - 1), desc=self.name, disable=not self.progress, leave=False):
            self._i = i
            yield i, float(self.sigmas[i]), float(self.sigmas[i + 1])

    def denoise(self, x: torch.Tensor, sigma: float) -> torch.Tensor:
        """D(x; σ) with σ as a (B,) tensor. The first call of each step is reported and recorded."""
        denoised = self.denoiser(x, as_batch(sigma, x), **self.cond)
        if not torch.is_tensor(denoised) or denoised.shape != x.shape:
            shape = tuple(denoised.shape) if torch.is_tensor(denoised) else type(denoised).__name__
            raise ValueError(f"the denoiser returned {shape} for an input of shape {tuple(x.shape)}")
        if self._reported != self._i:                            # first call in this step
            self._reported = self._i
            if self.callback is not None:
                self.callback({"i": self._i, "sigma": sigma, "sigma_next": float(self.sigmas[self._i + 1]),
                               "x": x, "denoised": denoised})
            if self.xs is not None:
                self.xs.append(x)
                self.denoised.append(denoised)
        return denoised

    def result(self, x: torch.Tensor):
        if self.xs is None:
            return x
        return x, Trajectory(self.sigmas, torch.stack(self.xs + [x]), torch.stack(self.denoised), self.flow)
