"""Notebook 11's exercises, answered."""
import torch

from toolkit.diffusion import keep_known
from toolkit.exercise_answers import check_exercise

# 1. SDEdit's starting point: the latent taken a share s of the way to the noise.
z, eps, s = torch.randn(1, 8, 4, 8, 8, generator=torch.Generator().manual_seed(0)), \
    torch.randn(1, 8, 4, 8, 8, generator=torch.Generator().manual_seed(1)), 0.6
x_s = (1 - s) * z + s * eps
assert check_exercise("11.1", x_s, z=z, eps=eps, s=s)

# 2. The first window gives 16 frames; each next one 4 * (4 - o) new ones: 16 + (k - 1) * 4 * (4 - o).
#    (pipe.frames + (k - 1) * pipe.new_frames(o) in the notebook: the same numbers, without loading the model.)
frames_5_windows_overlap_2 = 16 + (5 - 1) * 4 * (4 - 2)             # 48
frames_3_windows_overlap_1 = 16 + (3 - 1) * 4 * (4 - 1)             # 40
assert check_exercise("11.2a", frames_5_windows_overlap_2)
assert check_exercise("11.2b", frames_3_windows_overlap_1)

# 3. The known frame noised to c * t = 0.5 * 0.8 = 0.4: (1 - 0.4) * known + 0.4 * noise.
seen = {}


def spy(x, t):
    seen["x"] = x.clone()
    return torch.zeros_like(x)


known, noise = torch.randn(1, 8, 4, 8, 8), torch.randn(1, 8, 4, 8, 8)
mask = (torch.arange(4) < 1).view(1, 1, -1, 1, 1)
keep_known(spy, known, mask, noise, known_noise=0.5)(torch.randn(1, 8, 4, 8, 8), torch.tensor([0.8]))
level = 0.5 * 0.8
shown_frame_0 = (1 - level) * known[:, :, :1] + level * noise[:, :, :1]
assert torch.equal(shown_frame_0, seen["x"][:, :, :1])               # what the spy saw
assert check_exercise("11.3", shown_frame_0, known=known, noise=noise)
