"""Real photographs that ship inside installed packages, so nothing is downloaded.

Contents: the catalogue of photos (`PHOTOS`), `load_photo(name)` -> float tensor (3, H, W) in [0, 1],
the split into training photos and one held-out photo (`TRAIN`, `HELD_OUT`), `held_out_photo()` (a
centre crop used for evaluation), and `PatchSampler`, which draws random training patches from a
seeded `torch.Generator`, so a training run is the same bit for bit on a CPU.

The held-out photo is matplotlib's portrait of Grace Hopper. It was chosen before any model was trained
and is never used for training or for tuning the classical denoisers: results on it measure
generalisation to a photo the model has not seen.
"""
from functools import lru_cache

import numpy as np
import torch

# name -> how to read it (as a uint8 or float array, H x W or H x W x 3). Only natural photographs:
# synthetic pictures (chessboard, logo, phantom) would teach the network the wrong statistics.
# Grayscale photos are repeated to three channels; they add texture (brick, grass, gravel) to the
# training set.
PHOTOS = {
    "grace_hopper": lambda: _matplotlib_sample("grace_hopper.jpg"),
    "astronaut": lambda: _skimage("astronaut"),
    "coffee": lambda: _skimage("coffee"),
    "chelsea": lambda: _skimage("chelsea"),
    "rocket": lambda: _skimage("rocket"),
    "hubble_deep_field": lambda: _skimage("hubble_deep_field"),
    "immunohistochemistry": lambda: _skimage("immunohistochemistry"),
    "retina": lambda: _skimage("retina"),
    "motorcycle": lambda: _skimage("stereo_motorcycle")[0],  # left view of the stereo pair
    "camera": lambda: _skimage("camera"),
    "moon": lambda: _skimage("moon"),
    "coins": lambda: _skimage("coins"),
    "brick": lambda: _skimage("brick"),
    "grass": lambda: _skimage("grass"),
    "gravel": lambda: _skimage("gravel"),
}
HELD_OUT = "grace_hopper"
TRAIN = tuple(name for name in PHOTOS if name != HELD_OUT)
EVAL_CROP = 256  # evaluation uses the 256 x 256 centre crop of the held-out photo (her face): fast, and fair


def _matplotlib_sample(filename: str) -> np.ndarray:
    import matplotlib.cbook
    import matplotlib.image
    return matplotlib.image.imread(matplotlib.cbook.get_sample_data(filename, asfileobj=False))


def _skimage(name: str):
    import skimage.data
    return getattr(skimage.data, name)()


def names() -> list[str]:
    """All photo names, held-out one first."""
    return list(PHOTOS)


@lru_cache(maxsize=None)
def _load(name: str) -> torch.Tensor:
    array = np.asarray(PHOTOS[name]())
    if array.dtype == np.uint8:
        array = array.astype(np.float32) / 255.0
    array = array.astype(np.float32)
    if array.ndim == 2:                                        # (H, W) grayscale
        array = np.repeat(array[:, :, None], 3, axis=2)        # (H, W, 3)
    return torch.from_numpy(np.ascontiguousarray(array[:, :, :3])).permute(2, 0, 1).contiguous()  # (3, H, W)


def load_photo(name: str) -> torch.Tensor:
    """Return photo `name` as a float32 tensor of shape (3, H, W) with values in [0, 1]."""
    if name not in PHOTOS:
        raise ValueError(f"Unknown photo {name!r}. Available photos: {', '.join(PHOTOS)}.")
    return _load(name).clone()  # a copy: the cached original stays untouched


def center_crop(image: torch.Tensor, size: int) -> torch.Tensor:
    """The size x size centre of an image (..., H, W)."""
    height, width = image.shape[-2:]
    if not 0 < size <= min(height, width):
        raise ValueError(f"Crop size {size} does not fit an image of {height} x {width}.")
    top, left = (height - size) // 2, (width - size) // 2
    return image[..., top:top + size, left:left + size]


def held_out_photo(size: int | None = EVAL_CROP) -> torch.Tensor:
    """The evaluation photo (3, size, size): the centre crop of HELD_OUT (the whole photo if size is None)."""
    photo = load_photo(HELD_OUT)
    return photo if size is None else center_crop(photo, size)


class PatchSampler:
    """Random square patches of the training photos, reproducible from a seed.

    Each patch picks a photo uniformly (so the large photos do not dominate), a uniform position, and one
    of the 8 flips/rotations of the square. All randomness comes from one torch.Generator.
    """

    def __init__(self, photo_names=TRAIN, patch_size: int = 64, seed: int = 0):
        photo_names = tuple(photo_names)
        if HELD_OUT in photo_names:
            raise ValueError(f"{HELD_OUT!r} is the held-out photo; it must not be used for training.")
        self.photos = [load_photo(name) for name in photo_names]  # each (3, H, W)
        smallest = min(min(p.shape[-2:]) for p in self.photos)
        if not 8 <= patch_size <= smallest:
            raise ValueError(f"patch_size must be between 8 and {smallest} (the smallest photo side), "
                             f"got {patch_size}.")
        self.patch_size = patch_size
        self.generator = torch.Generator().manual_seed(seed)

    def _randint(self, high: int) -> int:
        return int(torch.randint(high, (), generator=self.generator))

    def sample(self, batch_size: int) -> torch.Tensor:
        """A batch of patches (batch_size, 3, patch_size, patch_size) in [0, 1]."""
        p, patches = self.patch_size, []
        for _ in range(batch_size):
            photo = self.photos[self._randint(len(self.photos))]
            top = self._randint(photo.shape[1] - p + 1)
            left = self._randint(photo.shape[2] - p + 1)
            patch = photo[:, top:top + p, left:left + p]             # (3, p, p)
            patch = torch.rot90(patch, self._randint(4), dims=(1, 2))
            if self._randint(2):
                patch = patch.flip(2)
            patches.append(patch)
        return torch.stack(patches)                                  # (B, 3, p, p)
