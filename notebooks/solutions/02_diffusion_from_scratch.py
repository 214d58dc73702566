"""Notebook 02's exercises, answered."""
import torch

from toolkit import zoo
from toolkit.data import ShapesWorld, WorldConfig
from toolkit.diffusion import ddpm_schedule, ddpm_sigmas, sample_ddpm
from toolkit.exercise_answers import check_exercise
from toolkit.recipes import image_diffusion
from toolkit.runtime import pick

world = ShapesWorld(WorldConfig(frames=1, height=32, width=32))
images = world.sample(4, seed=0).images
schedule = ddpm_schedule("linear")
noise = torch.randn(images.shape, generator=torch.Generator().manual_seed(0))

# 1. alpha_bar_500: the cumulative product of (1 - beta_t) up to t = 500.
alpha_bar_500 = torch.cumprod(1 - schedule.betas, 0)[500]
assert check_exercise("02.1", alpha_bar_500, schedule=schedule)

# 2. x_250 = sqrt(alpha_bar) x0 + sqrt(1 - alpha_bar) eps.
a = torch.cumprod(1 - schedule.betas, 0)[250]
x_250 = a.sqrt() * images + (1 - a).sqrt() * noise
assert check_exercise("02.2", x_250, images=images, noise=noise, schedule=schedule)

# 3. Section 4's measurement with 50 steps instead of 250: fewer, larger steps leave more samples that the
#    reader does not see as one clean shape.
D = image_diffusion.denoiser(zoo.load("shapes_epsilon_unet"), "epsilon")
n = pick(64, 16)
g = torch.Generator().manual_seed(2)
sigmas_50 = ddpm_sigmas(schedule, 50)
with torch.no_grad():
    batch_50 = sample_ddpm(D, torch.randn(n, 3, 32, 32, generator=g) * sigmas_50[0], sigmas_50, generator=g)
rate_50 = image_diffusion.valid_shape_rate(batch_50)
assert check_exercise("02.3", rate_50, D=D, schedule=schedule, n=n)
