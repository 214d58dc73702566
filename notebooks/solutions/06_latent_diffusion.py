"""Notebook 06's exercises, answered."""

import torch

from toolkit import checkpoints, zoo
from toolkit.data import ShapesWorld, WorldConfig
from toolkit.exercise_answers import check_exercise

vae = zoo.load("shapes_vae")
world = ShapesWorld(WorldConfig(frames=1))
cost = checkpoints.metrics("latent_cost")
measured = cost["rows"]

# 1. 2 FLOPs per multiply-add, C_in·C_out·9 multiply-adds per position, H·W positions (the bias is not counted).
conv = torch.nn.Conv2d(64, 64, kernel_size=3, padding=1)
flops_32 = 2 * 64 * 64 * 9 * 32 * 32                        # 75.5 M
flops_8 = 2 * 64 * 64 * 9 * 8 * 8                          # 4.7 M: 16 times fewer, as the positions are
assert check_exercise("06.1a", flops_32, conv=conv)
assert check_exercise("06.1b", flops_8, conv=conv)

# 2. Encode (the posterior mean, scaled), noise along the straight path, and the velocity target u = ε − z₀.
x = world.sample(3, seed=7).images
t = torch.tensor([0.1, 0.5, 0.9])
eps = torch.randn(3, 4, 8, 8, generator=torch.Generator().manual_seed(0))
z_0 = vae.to_latent(x)                                      # (3, 4, 8, 8)
z_t = (1 - t)[:, None, None, None] * z_0 + t[:, None, None, None] * eps
target = eps - z_0
assert check_exercise("06.2a", z_t, vae=vae, x=x, t=t, eps=eps)
assert check_exercise("06.2b", target, vae=vae, x=x, t=t, eps=eps)

# 3. N·(U-Net per step) + (text encoder + decoder, once) = the pixel pipeline's FLOPs; solve for N.
latent = measured["latent"]["flops_by_module"]
per_step = latent["FlowTime"] / cost["steps"]
once = latent["TextEncoder"] + latent["Decoder"]
break_even_steps = (measured["pixel"]["flops_per_picture"] - once) / per_step     # about 230 steps for the pixel's 20
assert check_exercise("06.3", break_even_steps, measured=measured, cost=cost)
