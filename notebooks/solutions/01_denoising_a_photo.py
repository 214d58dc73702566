"""Notebook 01's exercises, answered."""
import math

import torch.nn.functional as F

from toolkit import zoo
from toolkit.recipes import denoising as D
from toolkit.data import photos
from toolkit.exercise_answers import check_exercise

photo = photos.held_out_photo()                                   # (3, 256, 256)
sigma = D.HEADLINE_SIGMA
noisy_photo = D.add_noise(photo, sigma, seed=0)
learned = zoo.load(D.NAME)

# 1. MSE ≈ σ², so PSNR ≈ 10·log10(1/σ²) = 20·log10(255/25) ≈ 20.17 dB. D.psnr says 20.81 dB because it clips
#    the estimate to [0, 1], which removes the part of the noise that pushes dark or bright pixels past the ends.
psnr_formula = 10 * math.log10(1 / sigma**2)
assert check_exercise("01.1", psnr_formula, photo=photo, noisy_photo=noisy_photo)

# 2. A 3 x 3 mean with reflected edges (scipy calls torch's "reflect" "mirror"). About 26.1 dB, against 20.8 for
#    the noisy input, 26.3 for the tuned Gaussian blur and 29.0 for non-local means; 5 x 5 blurs edges more
#    than it removes noise (24.0 dB).
box = F.avg_pool2d(F.pad(noisy_photo[None], (1, 1, 1, 1), mode="reflect"), 3, stride=1)[0]   # (3, 256, 256)
assert check_exercise("01.2", box, noisy_photo=noisy_photo)

# 3. The gain grows with the noise: the learned denoiser pays most at the loudest level, σ = 100/255.
table = D.evaluate({"non-local means": D.nl_means, "learned (shipped)": learned.denoise})
largest_gain_at = 100
assert check_exercise("01.3", largest_gain_at, table=table)

# 4. The true σ is best (about 27.0 dB). Telling it too little leaves noise in (16 dB when told 10/255);
#    telling it too much only over-smooths (about 25.8 dB when told 75/255).
noisy_50 = D.add_noise(photo, 50 / 255, seed=0)
told = (10, 25, 35, 50, 75, 100)
best_told = 50
assert check_exercise("01.4", best_told, photo=photo, noisy_50=noisy_50, learned=learned, told=told)
