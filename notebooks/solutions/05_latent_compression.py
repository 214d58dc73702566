"""Notebook 05's exercises, answered."""
import math

from toolkit import zoo
from toolkit.recipes import autoencoder
from toolkit.eval import codecs
from toolkit.exercise_answers import check_exercise
from toolkit.runtime import pick

video_vae = zoo.load("shapes_video_vae")
clips, _ = autoencoder.pictures(autoencoder.make_config("video"), pick(32, 4), seed=autoencoder.EVAL_SEED,
                                split="heldout")
by_clip, _ = codecs.vae_point(video_vae, clips, bits_per_value=16)

# 1. Numbers in the video over numbers in the latent: 3 colours x 81 frames x 480 x 832 against 16 x 21 x 60 x 104.
compression_ratio = (3 * 81 * 480 * 832) / (16 * 21 * 60 * 104)
assert check_exercise("05.1", compression_ratio)

# 2. PSNR for pictures in [-1, 1]: the peak-to-peak range is 2, so 10·log10(2² / MSE).
x_clip, x_hat = clips[0], by_clip[0]
mse = (x_hat - x_clip).pow(2).mean()
my_psnr = 10 * math.log10(4 / float(mse))
assert check_exercise("05.2", my_psnr, x_clip=x_clip, x_hat=x_hat)

# 3. 8 bits for each latent value, plus the minimum and maximum as two float16 numbers, over T·H·W pixels.
_, C, t, h, w = video_vae.latent_shape((1, 3, 16, 32, 32))               # (1, 8, 4, 8, 8)
bpp_8bit = (C * t * h * w * 8 + 2 * 16) / (16 * 32 * 32)                   # 1.002: about one bit per pixel
assert check_exercise("05.3", bpp_8bit, video_vae=video_vae, clips=clips)
