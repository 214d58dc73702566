"""Notebook 06's exercises, answered."""

import torch

from toolkit import checkpoints, zoo
from toolkit.data import ShapesWorld, WorldConfig
from toolkit.diffusion import FlowSchedule, prediction_target, q_sample
from toolkit.eval.cost import count_flops
from toolkit.exercises import check

vae = zoo.load("shapes_vae")
world = ShapesWorld(WorldConfig(frames=1))
cost = checkpoints.metrics("latent_cost")
measured = cost["rows"]

# 1. 2 FLOPs per multiply-add, C_in·C_out·9 multiply-adds per position, H·W positions (the bias is not counted).
conv = torch.nn.Conv2d(64, 64, kernel_size=3, padding=1)
flops_32 = 2 * 64 * 64 * 9 * 32 * 32                        # 75.5 M
flops_8 = 2 * 64 * 64 * 9 * 8 * 8                          # 4.7 M: 16 times fewer, as the positions are
assert check(flops_32, count_flops(lambda: conv(torch.zeros(1, 64, 32, 32)))["total"], what="flops_32")
assert check(flops_8, count_flops(lambda: conv(torch.zeros(1, 64, 8, 8)))["total"], what="flops_8")

# 2. Encode (the posterior mean, scaled), noise along the straight path, and the velocity target u = ε − z₀.
x = world.sample(3, seed=7).images
t = torch.tensor([0.1, 0.5, 0.9])
eps = torch.randn(3, 4, 8, 8, generator=torch.Generator().manual_seed(0))
z_0 = vae.to_latent(x)                                      # (3, 4, 8, 8)
z_t = (1 - t)[:, None, None, None] * z_0 + t[:, None, None, None] * eps
target = eps - z_0
assert check(z_t, q_sample(z_0, t, FlowSchedule(), eps), what="z_t")
assert check(target, prediction_target(z_0, eps, "velocity", 1 - t, t), what="target")

# 3. N·(U-Net per step) + (text encoder + decoder, once) = the pixel pipeline's FLOPs; solve for N.
latent = measured["latent"]["flops_by_module"]
per_step = latent["FlowTime"] / cost["steps"]
once = latent["TextEncoder"] + latent["Decoder"]
break_even_steps = (measured["pixel"]["flops_per_picture"] - once) / per_step     # about 230 steps for the pixel's 20
expected = (measured["pixel"]["flops_per_picture"] - (latent["total"] - latent["FlowTime"])) / per_step
assert check(break_even_steps, expected, atol=1e-6, what="break_even_steps")
