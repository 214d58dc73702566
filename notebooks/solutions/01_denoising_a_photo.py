"""Notebook 01's exercises, answered."""
import math

import torch.nn.functional as F
from scipy.ndimage import uniform_filter

from toolkit import zoo
from toolkit.recipes import denoising as D
from toolkit.data import photos
from toolkit.exercises import check

photo = photos.held_out_photo()                                   # (3, 256, 256)
sigma = D.HEADLINE_SIGMA
noisy_photo = D.add_noise(photo, sigma, seed=0)
learned = zoo.load(D.NAME)

# 1. MSE ≈ σ², so PSNR ≈ 10·log10(1/σ²) = 20·log10(255/25) ≈ 20.17 dB. D.psnr says 20.81 dB because it clips
#    the estimate to [0, 1], which removes the part of the noise that pushes dark or bright pixels past the ends.
psnr_formula = 10 * math.log10(1 / sigma**2)
measured = 10 * (1 / (noisy_photo - photo).square().mean()).log10()
assert check(psnr_formula, measured, atol=0.05, what="psnr_formula")

# 2. A 3 x 3 mean with reflected edges (scipy calls torch's "reflect" "mirror"). About 26.1 dB, against 20.8 for
#    the noisy input, 26.3 for the tuned Gaussian blur and 29.0 for non-local means; 5 x 5 blurs edges more
#    than it removes noise (24.0 dB).
box = F.avg_pool2d(F.pad(noisy_photo[None], (1, 1, 1, 1), mode="reflect"), 3, stride=1)[0]   # (3, 256, 256)
assert check(box, uniform_filter(noisy_photo.numpy(), size=(1, 3, 3), mode="mirror"), what="box")

# 3. The gain grows with the noise: the learned denoiser pays most at the loudest level, σ = 100/255.
table = D.evaluate({"non-local means": D.nl_means, "learned (shipped)": learned.denoise})
gain = {s: table["learned (shipped)"][s]["psnr"] - table["non-local means"][s]["psnr"] for s in table["non-local means"]}
largest_gain_at = 100
assert check(largest_gain_at, max(gain, key=gain.get), what="largest_gain_at")

# 4. The true σ is best (about 27.0 dB). Telling it too little leaves noise in (16 dB when told 10/255);
#    telling it too much only over-smooths (about 25.8 dB when told 75/255).
noisy_50 = D.add_noise(photo, 50 / 255, seed=0)
told = (10, 25, 35, 50, 75, 100)
psnr_told = {s: D.psnr(photo, learned.denoise(noisy_50, s / 255)) for s in told}
best_told = 50
assert check(best_told, max(psnr_told, key=psnr_told.get), what="best_told")
