"""Notebook 02's exercises 1 and 2, answered (exercise 3 is an open measurement)."""
import torch

from toolkit.data import ShapesWorld, WorldConfig
from toolkit.diffusion import ddpm_schedule, q_sample
from toolkit.exercises import check

world = ShapesWorld(WorldConfig(frames=1, height=32, width=32))
images = world.sample(4, seed=0).images
schedule = ddpm_schedule("linear")
noise = torch.randn(images.shape, generator=torch.Generator().manual_seed(0))

# 1. alpha_bar_500: the cumulative product of (1 - beta_t) up to t = 500.
alpha_bar_500 = torch.cumprod(1 - schedule.betas, 0)[500]
assert check(alpha_bar_500, schedule.alphas_cumprod[500], what="alpha_bar_500")

# 2. x_250 = sqrt(alpha_bar) x0 + sqrt(1 - alpha_bar) eps.
a = torch.cumprod(1 - schedule.betas, 0)[250]
x_250 = a.sqrt() * images + (1 - a).sqrt() * noise
assert check(x_250, q_sample(images, 250, schedule, noise=noise), what="x_250")
