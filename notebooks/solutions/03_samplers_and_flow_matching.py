"""Notebook 03's exercises, answered."""
import torch

from toolkit.diffusion import GaussianData, flow_times, sample_ddim, sigmas_from_flow_times
from toolkit.diffusion.toy import GaussianMixture
from toolkit.exercise_answers import check_exercise

# 1. One DDIM step from sigma = 2 to 0.5: keep the predicted noise, shrink it to the new level.
gauss = GaussianData(mean=torch.tensor([1.0, -1.0]), std=torch.tensor([0.5, 2.0]))
x = torch.randn(4, 2, generator=torch.Generator().manual_seed(0)) * 2.0
x0_hat = gauss.denoise(x, 2.0)
eps_hat = (x - x0_hat) / 2.0
x_next = x0_hat + 0.5 * eps_hat
assert check_exercise("03.1", x_next, gauss=gauss, x=x)

# 2. One flow Euler step from t = 0.8 to 0.6 with the velocity u = (x - x0_hat) / t.
toy = GaussianMixture.ring()
x = torch.randn(4, 2, generator=torch.Generator().manual_seed(1))
u = (x - toy.denoise_flow(x, 0.8)) / 0.8
x_flow_next = x + (0.6 - 0.8) * u
assert check_exercise("03.2", x_flow_next, toy=toy, x=x)

# 3. DDIM in sigma-space and flow Euler in flow space are the same method in other coordinates: the points
#    x_sigma = x_flow (1 + sigma) correspond at every step, and at sigma = 0 (t = 0) the two coincide.
z = torch.randn(400, 2, generator=torch.Generator().manual_seed(3))
fine = torch.cat([torch.logspace(2.3, -3, 200, dtype=torch.float64), torch.zeros(1, dtype=torch.float64)])
few = sigmas_from_flow_times(flow_times(4) * fine[0] / (1 + fine[0]))
ddim_end = sample_ddim(toy.denoise, z[:8] * few[0], few)
assert check_exercise("03.3", ddim_end, toy=toy, z=z, few=few)
