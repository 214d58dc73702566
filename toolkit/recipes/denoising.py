"""Denoising one photograph: classical denoisers against a small learned one, compared honestly.

Contents
  add_noise, psnr, ssim              the noise model y = x + σ·ε, and the two scores (scikit-image's)
  CLASSICAL, STRENGTH, tune_classical four classical denoisers; each has one strength, a multiple of the
                                     known σ, tuned on the training photos (never on the held-out one)
  train_photo_denoiser               trains toolkit.models.photo_denoiser on random patches
  (the shipped checkpoint loads through toolkit.zoo: zoo.load("photo_denoiser"))
  evaluate, format_table, compare_figure, main   the table, the figure and the command line:
      python -m toolkit.recipes.denoising train --preset cpu --out assets/checkpoints
      python -m toolkit.recipes.denoising demo --out outputs/

Conventions: an image is a float tensor (3, H, W) in [0, 1]; σ is the noise's standard deviation in the same
units (σ = 25/255 is "sigma 25" in the papers). Noisy images are not clipped, so the noise is exactly
Gaussian; every denoiser's output is clipped to [0, 1] before it is scored.
"""
import argparse
import math
import os
import sys
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch
from skimage.filters import gaussian
from skimage.metrics import peak_signal_noise_ratio, structural_similarity
from skimage.restoration import denoise_nl_means, denoise_tv_chambolle, denoise_wavelet
from tqdm.auto import tqdm

from .. import checkpoints, runtime, zoo
from ..data.photos import TRAIN, PatchSampler, center_crop, held_out_photo, load_photo
from ..models.photo_denoiser import PhotoDenoiser, PhotoDenoiserConfig, get_config
from ..runtime import pick, seed_everything

NAME = "photo_denoiser"
SIGMAS = tuple(s / 255 for s in (5, 10, 15, 25, 35, 50, 75, 100))  # the levels every table reports
HEADLINE_SIGMA = 25 / 255


# ---------------------------------------------------------------- noise and scores
def _check_image(image, what="image") -> None:
    if not (torch.is_tensor(image) and image.ndim == 3 and image.shape[0] == 3 and min(image.shape[1:]) >= 8
            and image.is_floating_point()):
        shape = tuple(image.shape) if torch.is_tensor(image) else type(image).__name__
        raise ValueError(f"{what} must be a float tensor of shape (3, H, W) with H, W >= 8; got {shape}.")


def _check_sigma(sigma) -> float:
    if not isinstance(sigma, (int, float)) or not 0 < sigma <= 1:
        raise ValueError(f"sigma is the noise level in [0, 1] units (25/255 ≈ 0.098); it must be in (0, 1], "
                         f"got {sigma!r}.")
    return float(sigma)


def add_noise(image: torch.Tensor, sigma: float, seed: int = 0) -> torch.Tensor:
    """y = x + σ·ε with ε ~ N(0, I) drawn from `seed`; not clipped."""
    _check_image(image)
    eps = torch.randn(image.shape, generator=torch.Generator().manual_seed(seed))
    return image + _check_sigma(sigma) * eps


def _hwc(image: torch.Tensor) -> np.ndarray:
    return image.detach().permute(1, 2, 0).numpy()                          # (H, W, 3)


def _chw(array: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(array, dtype=np.float32)).permute(2, 0, 1).clamp(0, 1)


def psnr(clean: torch.Tensor, estimate: torch.Tensor) -> float:
    """Peak signal-to-noise ratio in dB, 10·log10(1 / MSE), of the estimate clipped to [0, 1]."""
    _check_image(clean, "clean"), _check_image(estimate, "estimate")
    return float(peak_signal_noise_ratio(_hwc(clean), _hwc(estimate.clamp(0, 1)), data_range=1.0))


def ssim(clean: torch.Tensor, estimate: torch.Tensor) -> float:
    """Structural similarity (Wang et al. 2004), averaged over the three channels; 1 is perfect."""
    _check_image(clean, "clean"), _check_image(estimate, "estimate")
    return float(structural_similarity(_hwc(clean), _hwc(estimate.clamp(0, 1)), data_range=1.0, channel_axis=-1))


# ---------------------------------------------------------------- classical denoisers
# Each method has one strength, a multiple k of the known σ (Gaussian blur: of √(255σ) pixels). The multipliers
# below are what tune_classical() picks on 128 x 128 crops of the TRAINING photos at σ = 25/255.
STRENGTH = {"gaussian blur": 0.2, "total variation": 0.9, "wavelet": 1.0, "non-local means": 0.9}
GRIDS = {"gaussian blur": (0.1, 0.15, 0.2, 0.25, 0.3), "total variation": (0.6, 0.75, 0.9, 1.05, 1.2),
         "wavelet": (0.8, 0.9, 1.0, 1.1, 1.2), "non-local means": (0.6, 0.7, 0.8, 0.9, 1.0, 1.1)}


def _k(k, method):
    return STRENGTH[method] if k is None else k


def gaussian_blur(noisy, sigma, k=None):
    """Average each pixel with its neighbours; the blur's width grows with the noise: k·√(255σ) pixels."""
    width = _k(k, "gaussian blur") * math.sqrt(255 * sigma)
    return _chw(gaussian(_hwc(noisy), sigma=width, channel_axis=-1))


def total_variation(noisy, sigma, k=None):
    """Rudin-Osher-Fatemi: the image closest to y with small total variation (Chambolle 2004); weight k·σ."""
    return _chw(denoise_tv_chambolle(_hwc(noisy), weight=_k(k, "total variation") * sigma,
                                     channel_axis=-1))


def wavelet(noisy, sigma, k=None):
    """Soft-threshold the wavelet coefficients, BayesShrink thresholds (Chang et al. 2000), in YCbCr."""
    return _chw(denoise_wavelet(_hwc(noisy), sigma=_k(k, "wavelet") * sigma, method="BayesShrink",
                                mode="soft", convert2ycbcr=True, rescale_sigma=True, channel_axis=-1))


def nl_means(noisy, sigma, k=None):
    """Non-local means (Buades et al. 2005): average pixels whose 5x5 patches look alike, within 13x13; h = k·σ."""
    return _chw(denoise_nl_means(_hwc(noisy), h=_k(k, "non-local means") * sigma, sigma=sigma,
                                 patch_size=5, patch_distance=6, fast_mode=False, channel_axis=-1))


CLASSICAL = {"gaussian blur": gaussian_blur, "total variation": total_variation, "wavelet": wavelet,
             "non-local means": nl_means}


def tune_classical(sigma: float = HEADLINE_SIGMA, crop: int = 128, seed: int = 0, photos=TRAIN) -> dict:
    """For each classical method, the multiplier k in GRIDS with the best mean PSNR on crops of `photos`.

    Returns {method: {"best": k, "psnr": {k: mean PSNR}}}. Refuses the held-out photo.
    """
    if set(photos) - set(TRAIN):
        raise ValueError(f"Tune only on training photos {TRAIN}; got {sorted(set(photos) - set(TRAIN))}.")
    pairs = [(clean, add_noise(clean, sigma, seed + i))
             for i, clean in enumerate(center_crop(load_photo(name), crop) for name in photos)]
    result = {}
    for method, grid in GRIDS.items():
        scores = {k: float(np.mean([psnr(c, CLASSICAL[method](y, sigma, k)) for c, y in pairs])) for k in grid}
        result[method] = {"best": max(scores, key=scores.get), "psnr": scores}
    return result


# ---------------------------------------------------------------- the learned denoiser
def train_photo_denoiser(preset: str = "cpu", seed: int = 0, steps: int | None = None, progress: bool = True,
                         threads: int | None = 1):
    """Train a PhotoDenoiser on random patches of the training photos, a random σ per patch.

    Returns (model in eval mode, history {"loss": [...], "seconds", "cpu_seconds", "steps"}). The same seed gives
    the same weights bit for bit on a CPU: all randomness comes from seeded generators.

    threads: CPU threads while training (None: torch's choice). One by default: for convolutions this small a
    second thread gains less than 2x, and stalls badly (up to 10x slower) when other jobs share the CPU;
    the thread count also fixes the order of floating-point sums, so it is part of what makes a run exact.
    """
    config = get_config(preset)
    steps = pick(config.steps, config.fast_steps) if steps is None else steps
    if not isinstance(steps, int) or steps < 1:
        raise ValueError(f"steps must be a positive integer, got {steps!r}.")
    torch.set_flush_denormal(True)  # tiny 'denormal' floats make CPU arithmetic ~10x slower
    threads_before = torch.get_num_threads()
    torch.set_num_threads(threads or threads_before)
    try:
        return _train(config, preset, seed, steps, progress)
    finally:
        torch.set_num_threads(threads_before)


def _train(config: PhotoDenoiserConfig, preset: str, seed: int, steps: int, progress: bool):
    seed_everything(seed)
    device = runtime.device()        # the batches are drawn on the CPU either way, so the data is the same
    model = PhotoDenoiser(config).to(device)   # initialised from the seeded global generator
    sampler = PatchSampler(TRAIN, config.patch_size, seed=seed)
    noise = torch.Generator().manual_seed(seed + 1)
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr)
    warmup = max(1, steps // 20)     # linear warm-up, then cosine decay to zero
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda i: min(1.0, (i + 1) / warmup) * 0.5 * (1 + math.cos(math.pi * i / steps)))
    losses, start, cpu_start = [], time.perf_counter(), time.process_time()
    bar = tqdm(range(steps), desc=f"training photo denoiser ({preset})", disable=not progress)
    for _ in bar:
        clean = sampler.sample(config.batch_size)                                   # (B, 3, p, p)
        sigma = (config.sigma_min + (config.sigma_max - config.sigma_min)
                 * torch.rand(config.batch_size, generator=noise))                # (B,)
        noisy = clean + sigma[:, None, None, None] * torch.randn(clean.shape, generator=noise)
        clean, noisy, sigma = clean.to(device), noisy.to(device), sigma.to(device)
        # Mean squared error, each patch weighted by (25/255)/σ: without it the loudest patches dominate
        # and the network neglects the low noise levels.
        error = (model(noisy, sigma) - clean).square().mean(dim=(1, 2, 3))         # (B,)
        loss = (error * HEADLINE_SIGMA / sigma).mean()
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), config.clip_grad_norm)  # guards the high lr
        optimizer.step()
        schedule.step()
        losses.append(loss.item())
        if len(losses) % 20 == 0:
            bar.set_postfix(loss=f"{sum(losses[-20:]) / 20:.2e}", refresh=False)
    model.cpu().eval()
    return model, {"loss": losses, "seconds": time.perf_counter() - start, "steps": steps,
                   "cpu_seconds": time.process_time() - cpu_start, "threads": torch.get_num_threads()}


# ---------------------------------------------------------------- evaluation, figures, command line
def evaluate(methods: dict, sigmas=SIGMAS, image: torch.Tensor | None = None, seed: int = 0,
             progress: bool = False) -> dict:
    """{method: {σ·255: {"psnr": dB, "ssim": ...}}} on `image` (default: the held-out crop).

    Every method sees the same noisy image at each σ (one fixed ε from `seed`, scaled by σ).
    """
    image = held_out_photo() if image is None else image
    _check_image(image)
    table = {name: {} for name in methods}
    for sigma in tqdm(sigmas, desc="evaluating", disable=not progress):
        noisy = add_noise(image, sigma, seed)
        for name, denoise in methods.items():
            estimate = denoise(noisy, sigma)
            table[name][round(sigma * 255, 2)] = {"psnr": psnr(image, estimate), "ssim": ssim(image, estimate)}
    return table


def format_table(table: dict, metric: str = "psnr") -> str:
    """A plain-text table: one row per method, one column per σ (in /255 units)."""
    sigmas = list(next(iter(table.values())))
    lines = [f"{metric.upper() + ' at σ·255 =':<22}" + "".join(f"{s:>8g}" for s in sigmas)]
    lines += [f"{name:<22}" + "".join(f"{row[s][metric]:>8.{2 if metric == 'psnr' else 3}f}" for s in sigmas)
              for name, row in table.items()]
    return "\n".join(lines)


def compare_figure(model: PhotoDenoiser, image: torch.Tensor | None = None, sigma: float = HEADLINE_SIGMA,
                   seed: int = 0):
    """noisy | best classical | learned | clean, PSNR in the titles. Returns (figure, {panel: psnr})."""
    import matplotlib.pyplot as plt
    image = held_out_photo() if image is None else image
    noisy = add_noise(image, sigma, seed)
    classical = {name: fn(noisy, sigma) for name, fn in CLASSICAL.items()}
    best = max(classical, key=lambda name: psnr(image, classical[name]))
    panels = {"noisy": noisy, f"best classical: {best}": classical[best], "learned": model.denoise(noisy, sigma),
              "clean": image}
    scores = {title: psnr(image, picture) for title, picture in panels.items() if title != "clean"}
    fig, axes = plt.subplots(1, 4, figsize=(13, 3.6))
    for ax, (title, picture) in zip(axes, panels.items()):
        ax.imshow(_hwc(picture.clamp(0, 1)))
        ax.set_title(title + (f"\n{scores[title]:.2f} dB" if title in scores else "\n(reference)"), fontsize=10)
        ax.axis("off")
    fig.suptitle(f"held-out photo, σ = {sigma * 255:g}/255", fontsize=11)
    fig.tight_layout(rect=(0, 0, 1, 0.94))
    return fig, scores


def _writable_folder(path) -> Path:
    folder = Path(path)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise ValueError(f"Cannot create the output folder {folder}: {e.strerror}.") from e
    if not folder.is_dir() or not os.access(folder, os.W_OK):
        raise ValueError(f"The output folder {folder} is not a writable directory.")
    return folder


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = argparse.ArgumentParser(prog="python -m toolkit.recipes.denoising", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    train = sub.add_parser("train", help="train, evaluate on the held-out photo, save the checkpoint")
    train.add_argument("--preset", default="cpu")
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--steps", type=int, default=None, help="default: the preset's")
    train.add_argument("--out", default=None, help="where the weights go (default: the shipped checkpoints)")
    train.add_argument("--threads", type=int, default=1, help="CPU threads for training (0: torch's choice)")
    demo = sub.add_parser("demo", help="denoise the held-out photo with the shipped checkpoint, save a figure")
    demo.add_argument("--out", default="outputs")
    demo.add_argument("--checkpoints", default=None, help="the folder of photo_denoiser (default: the shipped one)")
    args = parser.parse_args(argv)

    if args.command == "train":
        out = _writable_folder(checkpoints.resolve(args.out))
        model, history = train_photo_denoiser(args.preset, args.seed, args.steps, threads=args.threads or None)
        methods = {**CLASSICAL, "learned": model.denoise}
        table = evaluate(methods, progress=True)
        print(format_table(table))
        at25 = {name: row[round(HEADLINE_SIGMA * 255, 2)]["psnr"] for name, row in table.items()}
        best = max(CLASSICAL, key=at25.get)
        metrics = {"heldout_psnr_sigma25": at25, "best_classical": best,
                   "margin_db": at25["learned"] - at25[best], "train_seconds": round(history["seconds"], 1),
                   "train_cpu_seconds": round(history["cpu_seconds"], 1), "threads": history["threads"],
                   "steps": history["steps"], "final_loss": history["loss"][-1], "heldout_table": {
                       name: {str(s): v for s, v in row.items()} for name, row in table.items()}}
        path = checkpoints.save(out, NAME, model.state_dict(), asdict(model.config),
                                "python -m toolkit.recipes.denoising " + " ".join(argv), metrics, half=True)
        print(f"margin over {best}: {metrics['margin_db']:+.2f} dB; trained in {history['seconds']:.0f} s; "
              f"saved {path}")
    else:
        out = _writable_folder(args.out)
        import matplotlib
        matplotlib.use("Agg")
        fig, scores = compare_figure(zoo.load(NAME, args.checkpoints))
        path = out / "photo_denoising_demo.png"
        fig.savefig(path, dpi=100, bbox_inches="tight")
        print("  ".join(f"{title}: {db:.2f} dB" for title, db in scores.items()))
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
