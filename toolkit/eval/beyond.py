"""Measuring notebook 11's three tasks on the shipped latent video transformer, judged by the attribute reader.

    python -m toolkit.experiments.beyond --out assets/metrics/beyond.json

animate   pictures: frame 0 of real clips of the world; prompts: a held-out wording of the clip's caption,
          or its motion alone. first_frame_psnr_db against the picture; adherence (joint: shape, colour and
          size as in the picture, motion as the prompt says) and temporal consistency, across known_noise.
edit      real clips; the new prompt changes the colour (half of them) or the shape (the other half) and keeps
          the rest. Per strength: `edited` (the changed attribute is as asked), `kept` (the others are the
          source's), path_distance_px (the mean distance of the object's centre to the source's, per clip), and
          as_asked_and_kept: edited, kept and a path within PATH_KEPT_PX: the edit-against-faithfulness curve.
extend    prompts of every (shape, colour, motion) of the training split, extended to the longest length;
          the shorter lengths are its beginnings (an extended clip begins with the shorter one of its seed).
          Adherence over the whole clip (straight and bounce motions apart: a bounce asked of a 16-frame window
          is not defined for 64 frames), and at the seams against inside the windows: identity changes
          between consecutive frames, path jerk |p_{t+1} − 2 p_t + p_{t−1}| (pooled mean and median, px) and
          the mean pixel change between consecutive frames.
"""
import time

import torch
from tqdm.auto import tqdm

from ..data import ShapesWorld, WorldConfig, caption, vocab
from ..data.captions import SYNONYMS
from .adherence import ATTRIBUTES, adherence, heldout_prompts
from .reader import read_clips, read_images
from .temporal import consistency, frame_readings

PATH_KEPT_PX = 2.0          # an edit keeps the path when the centre stays this close, on average (a small radius: 4 px)


def psnr(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Per item of a batch, in dB, for values in [-1, 1] (peak to peak 2)."""
    return 10 * torch.log10(4 / ((a - b) ** 2).flatten(1).mean(1))


def sources(n: int, seed: int) -> tuple[torch.Tensor, list[dict], list[str]]:
    """n real clips of the training split, their attributes, and a held-out wording of each caption."""
    batch, g = ShapesWorld(WorldConfig()).sample(n, seed=seed, split="train"), torch.Generator().manual_seed(seed)
    truths = [{k: batch.objects(i)[0][k] for k in ATTRIBUTES} for i in range(n)]
    return batch.video, truths, [caption([t], g, wording="heldout") for t in truths]


def batched(generate, n: int, batch: int, desc: str) -> torch.Tensor:
    """generate(slice, k) -> clips, over slices of `batch` items; batch k uses seed k."""
    starts = range(0, n, batch)
    return torch.cat([generate(slice(i, i + batch), k) for k, i in enumerate(tqdm(starts, desc=desc, leave=False))])


def animate_rows(pipe, n: int = 120, known_noises=(1.0, 0.5, 0.0), steps: int = 20, batch: int = 30) -> list[dict]:
    videos, truths, prompts = sources(n, seed=2026)
    pictures = videos[:, :, 0]
    motion = [SYNONYMS["motion"][t["motion"]][0] for t in truths]                 # "moving right"
    read = [f"a {r.size} {r.colour} {r.shape} {m}" if r.shape else m for r, m in zip(read_images(pictures), motion)]
    runs = [("caption", prompts, c) for c in known_noises] + [("motion only", motion, 0.5),
                                                              ("motion only, object read from the picture", read, 0.5)]
    rows = []
    for name, texts, c in runs:
        start = time.perf_counter()
        clips = batched(lambda s, k: pipe.animate(pictures[s], texts[s], seed=k, steps=steps, known_noise=c).videos,
                        n, batch, f"animate ({name}, {c})")
        rows.append({"task": "animate", "prompts": name, "known_noise": c, "n": n, **first_frame(clips, pictures),
                     **adherence(clips, truths), **consistency(clips), "seconds": round(time.perf_counter() - start)})
    start = time.perf_counter()
    clips = batched(lambda s, k: pipe(prompts[s], seed=k, steps=steps).videos, n, batch, "text to video")
    rows.append({"task": "animate", "prompts": "caption, no picture (text to video)", "known_noise": None, "n": n,
                 **first_frame(clips, pictures), **adherence(clips, truths), **consistency(clips),
                 "seconds": round(time.perf_counter() - start)})
    rows.append({"task": "animate", "prompts": "real clips", "known_noise": None, "n": n,      # the reader's ceiling
                 **adherence(videos, truths), **consistency(videos), "seconds": 0})
    return rows


def first_frame(clips: torch.Tensor, pictures: torch.Tensor) -> dict:
    values = psnr(clips[:, :, 0], pictures)
    return {"first_frame_psnr_db": float(values.mean()), "first_frame_psnr_min_db": float(values.min())}


def edit_targets(truths: list[dict], seed: int = 0) -> tuple[list[str], list[dict]]:
    """For clip i, the attribute to change (colour for even i, shape for odd) and the attributes asked: the new
    value drawn among those that keep the combination in the training split."""
    g, kinds, targets = torch.Generator().manual_seed(seed), [], []
    for i, t in enumerate(truths):
        kind = "colour" if i % 2 == 0 else "shape"
        options = [{**t, kind: v} for v in (vocab.COLOUR_NAMES if kind == "colour" else vocab.SHAPES) if v != t[kind]]
        options = [o for o in options if not vocab.is_held_out(o["shape"], o["colour"], o["motion"])]
        kinds.append(kind)
        targets.append(options[int(torch.randint(len(options), (1,), generator=g))])
    return kinds, targets


def path_distance(a: torch.Tensor, b: torch.Tensor) -> float:
    """The mean distance in pixels between two paths (T, 2), over the frames where both are seen (NaN if none)."""
    d = (a - b).norm(dim=1)
    d = d[torch.isfinite(d)]
    return float(d.mean()) if len(d) else float("nan")


def edit_rows(pipe, n: int = 100, strengths=(0.2, 0.4, 0.6, 0.8, 1.0), steps: int = 20, batch: int = 25) -> list[dict]:
    videos, truths, _ = sources(n, seed=2027)
    kinds, targets = edit_targets(truths)
    g = torch.Generator().manual_seed(1)
    prompts = [caption([t], g, wording="heldout") for t in targets]
    before, rows = read_clips(videos), []
    for strength in strengths:
        start = time.perf_counter()
        clips = batched(lambda s, k: pipe.edit(videos[s], prompts[s], strength=strength, seed=k, steps=steps).videos,
                        n, batch, f"edit (strength {strength})")
        seconds, after = round(time.perf_counter() - start), read_clips(clips)
        for kind in ("colour", "shape"):
            picked = [i for i in range(n) if kinds[i] == kind]
            edited = [getattr(after[i], kind) == targets[i][kind] for i in picked]
            kept = [all(getattr(after[i], a) == truths[i][a] for a in ATTRIBUTES if a != kind) for i in picked]
            distance = [path_distance(after[i].path, before[i].path) for i in picked]
            rows.append({"task": "edit", "change": kind, "strength": strength, "n": len(picked),
                         "edited": share(edited), "kept": share(kept),
                         "path_distance_px": mean([d for d in distance if d == d]),
                         "as_asked_and_kept": share([e and k and d <= PATH_KEPT_PX
                                                     for e, k, d in zip(edited, kept, distance)]),
                         "unreadable": sum(d != d for d in distance), "seconds": seconds})
    return rows


def share(flags: list) -> float:
    return sum(flags) / len(flags)


def mean(values: list) -> float | None:
    return sum(values) / len(values) if values else None


def seam_measures(readings: list[list], clips: torch.Tensor, seams: list[int]) -> dict:
    """Identity changes, path jerk and pixel change between consecutive frames, at the seams (the pair of
    frames s − 1, s; the jerks centred on s − 1 and s) and inside the windows."""
    pairs = {s - 1 for s in seams}                       # the pair (t, t + 1) crosses a seam when t + 1 is one
    centres = {t for s in seams for t in (s - 1, s)}     # second differences that reach across a seam
    identity, jerk = {True: [], False: []}, {True: [], False: []}
    for frames in readings:
        ids = [(r.shape, r.colour) for r in frames]
        for t in range(len(ids) - 1):
            identity[t in pairs].append(ids[t] != ids[t + 1])
        path = torch.stack([r.path[0] for r in frames])                          # (T, 2)
        second = (path[2:] - 2 * path[1:-1] + path[:-2]).norm(dim=1)              # centred on t = 1 .. T − 2
        for t, value in enumerate(second.tolist(), start=1):
            if value == value:
                jerk[t in centres].append(value)
    change = (clips[:, :, 1:] - clips[:, :, :-1]).abs().mean(dim=(1, 3, 4))      # (B, T − 1)
    at_seam = torch.tensor([t in pairs for t in range(change.shape[1])])
    result = {}
    for where, flag in (("seams", True), ("inside", False)):
        values, frames = torch.tensor(jerk[flag]), at_seam == flag
        result |= {f"identity_changes_{where}": mean(identity[flag]),
                   f"path_jerk_px_{where}_mean": float(values.mean()) if len(values) else None,
                   f"path_jerk_px_{where}_median": float(values.median()) if len(values) else None,
                   f"frame_change_{where}": float(change[:, frames].mean()) if frames.any() else None}
    return result


def extend_rows(pipe, n: int = 60, lengths=(16, 32, 48, 64), steps: int = 20, batch: int = 30) -> list[dict]:
    prompts, truths = heldout_prompts("wording", per_combination=1, with_motion=True)
    picked = torch.linspace(0, len(prompts) - 1, n).round().long().tolist()       # every kind, evenly
    prompts, truths = [prompts[i] for i in picked], [truths[i] for i in picked]
    start = time.perf_counter()
    longest = max(lengths)
    clips = batched(lambda s, k: pipe.extend(prompts[s], frames=longest, seed=k, steps=steps).videos, n, batch,
                    f"extend to {longest} frames")
    seconds, readings, rows = round(time.perf_counter() - start), frame_readings(clips), []
    bounce = [" then " in t["motion"] for t in truths]
    for length in lengths:
        part = clips[:, :, :length]
        whole = read_clips(part)
        moved = [r.motion == t["motion"] for r, t in zip(whole, truths)]
        rows.append({"task": "extend", "frames": length, "windows": 1 + len(pipe.seams(length)), "n": n,
                     **adherence(part, truths),
                     "motion_straight": share([m for m, b in zip(moved, bounce) if not b]),
                     "motion_bounce": share([m for m, b in zip(moved, bounce) if b]),
                     **seam_measures([r[:length] for r in readings], part, pipe.seams(length)),
                     "seconds": seconds if length == longest else 0})
    return rows
