"""Notebook 07's exercises, answered."""
from toolkit.exercise_answers import check_exercise
from toolkit.models.spacetime_unet import SpaceTimeUNet
from toolkit.models.unet import UNet

# 1. Every temporal layer's output projection starts at zero (and so does its temporal convolution).
fresh = SpaceTimeUNet(UNet.from_preset("cpu", context_dim=64))
zero_layers = sum(int(not layer.out.weight.any()) for layer in fresh.temporal.values())
assert check_exercise("07.1", zero_layers, fresh=fresh)

# 2. Consecutive pairs that differ, over the number of pairs.
readings = [("circle", "red"), ("circle", "red"), ("square", "red"), ("square", "red"), ("circle", "red")]
change_rate = sum(a != b for a, b in zip(readings, readings[1:])) / (len(readings) - 1)
assert check_exercise("07.2", change_rate, readings=readings)
