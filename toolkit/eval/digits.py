"""The bouncing-digits scoreboard: which digit does a clip show, and how does it move?

    python -m toolkit.experiments.digits --out assets/metrics/digits.json

The judge reads every frame: the ink's centre of mass gives the digit's path, and the shipped digit classifier
(toolkit.recipes.digits_video, trained on the training sprites only, never on a generated clip) reads a 14 x 14 crop
around it; the digit is the class with the highest log-probability summed over the frames. The motion comes
from the path: its axis is the one it travels further along, and each time it turns back by more than
TURN_PX pixels is a turn. One turn is "up then down" (or "down then up", ...); two or more are Sync-DRAW's
"up and down" or "left and right"; none is a straight line, which no caption asks for.

Two prompt sets, in every caption template: "held-out", for each digit the one motion training never showed it
(Sync-DRAW's protocol: ten unseen combinations), and "seen", the 50 training pairs. Beside the model, real clips
of the same pairs drawn with the eval sprites (writers the classifier never saw): the judge's own ceiling.
"""
import time

import torch
import torch.nn.functional as F
from tqdm.auto import tqdm

from ..data import digits
from .reconstruction import psnr, reconstruct

TURN_PX = 2.0                  # a path must come back this far to count as a turn (not jitter)
SETS = {"held-out": ("heldout", 10), "seen": ("train", 1)}        # split, clips per (pair, template)


def ink(video: torch.Tensor) -> torch.Tensor:
    """Clips (B, 3, T, H, W) in [-1, 1] -> ink (B, T, H, W) in [0, 1]: how white each pixel is."""
    return ((video.mean(dim=1) + 1) / 2).clamp(0, 1)


def centres(ink_: torch.Tensor, floor: float = 0.15) -> torch.Tensor:
    """The ink's centre of mass (..., 2) as (x, y) in pixels, ignoring faint ink below `floor` (NaN if none)."""
    weight = (ink_ - floor).clamp(min=0)
    H, W = ink_.shape[-2:]
    total = weight.sum(dim=(-2, -1))
    x = (weight.sum(dim=-2) * (torch.arange(W) + 0.5)).sum(-1) / total
    y = (weight.sum(dim=-1) * (torch.arange(H) + 0.5)).sum(-1) / total
    return torch.stack([x, y], dim=-1)


def crop(images: torch.Tensor, centre: torch.Tensor, size: int = digits.SPRITE) -> torch.Tensor:
    """size x size crops of images (N, H, W) centred at (x, y) pixels (N, 2), bilinear, zeros outside."""
    N, H, W = images.shape
    offsets = torch.arange(size, dtype=torch.float32) - (size - 1) / 2
    x = (centre[:, 0, None] + offsets) / W * 2 - 1                                # (N, size)
    y = (centre[:, 1, None] + offsets) / H * 2 - 1
    grid = torch.stack(torch.broadcast_tensors(x[:, None, :], y[:, :, None]), dim=-1)
    return F.grid_sample(images[:, None], grid, align_corners=False)[:, 0]


@torch.no_grad()
def classifier_accuracy(model, split: str = "eval") -> float:
    """The judge's top-1 accuracy on a sprite split's clean crops (the eval sprites: writers it never saw)."""
    images, labels = digits.sprites(split)
    padded = F.pad(images, (4, 4, 4, 4))
    return float((model(crop(padded, centres(padded))).argmax(1) == labels).float().mean())


def read_motion(path: torch.Tensor, turn_px: float = TURN_PX) -> str | None:
    """A path (T, 2) of (x, y) pixels -> a name of digits.MOTION_NAMES, or None (straight, or no ink)."""
    if not torch.isfinite(path).all():
        return None
    axis = int((path.max(0).values - path.min(0).values).argmax())
    p = path[:, axis].tolist()
    moves, extreme, direction = [], p[0], 0             # signs of the confirmed legs, in order
    for value in p[1:]:
        if direction == 0:
            if abs(value - extreme) >= turn_px:
                direction = 1 if value > extreme else -1
                moves.append(direction)
                extreme = value
        elif (value - extreme) * direction > 0:          # still going the same way: push the extreme
            extreme = value
        elif abs(value - extreme) >= turn_px:            # came back far enough: a turn
            direction = -direction
            moves.append(direction)
            extreme = value
    turns = len(moves) - 1
    if turns < 1:
        return None
    if turns >= 2:
        return "up and down" if axis == 1 else "left and right"
    names = ("left", "right") if axis == 0 else ("up", "down")
    first = names[moves[0] > 0]
    return f"{first} then {names[moves[0] < 0]}"


@torch.no_grad()
def read_clips(videos: torch.Tensor, classifier) -> list[dict]:
    """Clips (B, 3, T, H, W) in [-1, 1] -> [{"digit": "7", "motion": "up then down", "path": (T, 2)}]."""
    if not isinstance(videos, torch.Tensor) or videos.ndim != 5 or videos.shape[1] != 3:
        got = tuple(videos.shape) if isinstance(videos, torch.Tensor) else type(videos).__name__
        raise ValueError(f"videos must be clips (B, 3, T, H, W) in [-1, 1], got {got}")
    B, T = videos.shape[0], videos.shape[2]
    frames = ink(videos)                                           # (B, T, H, W)
    path = centres(frames)                                         # (B, T, 2)
    found = torch.isfinite(path).all(-1)                           # frames with any ink
    crops = crop(frames.flatten(0, 1), torch.nan_to_num(path.flatten(0, 1), nan=frames.shape[-1] / 2))
    logp = classifier(crops).log_softmax(-1).view(B, T, 10) * found[..., None]
    readings = []
    for i in range(B):
        readings.append({"digit": str(int(logp[i].sum(0).argmax())) if found[i].any() else None,
                         "motion": read_motion(path[i]), "path": path[i]})
    return readings


def accuracy(readings: list[dict], truths: list[tuple[str, str]]) -> dict:
    """Fractions of clips whose digit, motion, and both, are read as their (digit, motion) truth."""
    digit = [r["digit"] == d for r, (d, _) in zip(readings, truths)]
    motion = [r["motion"] == m for r, (_, m) in zip(readings, truths)]
    n = len(truths)
    return {"digit": sum(digit) / n, "motion": sum(motion) / n, "joint": sum(a and b for a, b in zip(digit, motion)) / n}


def prompt_set(name: str) -> tuple[list[str], list[tuple[str, str]]]:
    """The set's prompts (each pair in every template, `per` times) and their (digit, motion) truths."""
    split, per = SETS[name]
    rows = [(t.format(digit=d, motion=m), (d, m)) for d, m in digits.combinations(split)
            for t in digits.TEMPLATES for _ in range(per)]
    return [p for p, _ in rows], [t for _, t in rows]


def real_clips(truths: list[tuple[str, str]], seed: int = 10**6) -> torch.Tensor:
    """One clip per truth, drawn with the eval sprites (writers nobody trained on)."""
    world = digits.DigitsWorld()
    return torch.cat([world.sample(1, seed=seed + i, split="all", sprites_from="eval", digit=d, motion=m).video
                      for i, (d, m) in enumerate(truths)])


@torch.no_grad()
def vae_metrics(vae, classifier, n: int = 200, seed: int = 10**6) -> dict:
    """The digits video VAE on held-out pairs drawn with the eval sprites: PSNR, and the judge on the
    reconstructions beside the originals (decoding must not change the digit or its motion)."""
    batch = digits.DigitsWorld().sample(n, seed=seed, split="heldout")
    x_hat = reconstruct(vae.eval(), batch.video)
    truths = [(o["digit"], o["motion"]) for i in range(n) for o in batch.objects(i)]
    return {"psnr_heldout_db": float(psnr(batch.video, x_hat).mean()),
            "judge_on_reconstructions": accuracy(read_clips(x_hat, classifier), truths),
            "judge_on_originals": accuracy(read_clips(batch.video, classifier), truths), "clips": n}


def evaluate(generate, classifier, sets=tuple(SETS), batch: int = 40, progress: bool = True) -> list[dict]:
    """generate(prompts, seed) -> (B, 3, T, H, W); batch k of a set uses seed k. One row per set for the model
    and one for real clips."""
    rows = []
    for name in sets:
        prompts, truths = prompt_set(name)
        start, videos = time.perf_counter(), []
        for k, i in enumerate(tqdm(range(0, len(prompts), batch), desc=name, disable=not progress)):
            videos.append(generate(prompts[i:i + batch], k))
        rows.append({"model": "digits video transformer", "prompts": name, "n": len(prompts),
                     **accuracy(read_clips(torch.cat(videos), classifier), truths),
                     "seconds": round(time.perf_counter() - start, 1)})
        rows.append({"model": "real clips (eval sprites)", "prompts": name, "n": len(prompts),
                     **accuracy(read_clips(real_clips(truths), classifier), truths), "seconds": 0.0})
    return rows
