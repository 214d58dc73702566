"""Do sound and picture agree? Synchrony of clicks and bounces, and the hum's pitch against the prompt.

    python -m toolkit.experiments.sound_video --out assets/metrics/sound_video.json

    events(videos, audio)       # per clip: the frames of its bounces (read from the picture) and of its clicks
    synchrony(videos, audio)    # {"precision": 0.95, "recall": 0.93, "offset_frames": 0, ...}
    pitch_adherence(audio, truths)
    timing_swap(sound_for, *swap_pairs(48))   # {"click_shift_per_bounce_shift": 1 if the sound follows, 0 if not, ...}

Read with no learned weights, as the other judges:
  * bounces, from the picture: the attribute reader (toolkit.eval.reader) follows the object's centre; a clip
    it reads as a bounce ("left then right") bounces at its turning frame, the extreme of the path;
  * clicks, from the sound: toolkit.data.sound.click_frames, the frames where the waveform's curvature jumps;
  * pitch: toolkit.data.sound.hum_pitch, the loudest frequency between 100 and 1000 Hz.
Synchrony: a click and a bounce match if they are at most TOLERANCE = 1 frame apart (each used once);
precision is the fraction of clicks that match a bounce, recall the fraction of bounces that match a click.
The offset is the lag (in frames, sound after picture) that maximises the cross-correlation of the two event
trains, summed over clips: 0 when the sound is on time. Pitch adherence: the fraction of clips whose hum is
within 3% (half a semitone) of the pitch of the prompt's shape.

The timing swap asks whether sound made for a finished clip (video-to-audio) follows its picture, with nothing
else to go on: each pair is one clip rendered twice, identical but for its bounce frame, k and k + 3
(ShapesWorld.sample(..., bounce_frame=k)), given the same prompt and the same noise. A model that listens to the
picture moves its click by 3 frames; one that clicks where the prompt makes clicks likely does not move it.

The command line measures the joint model (shapes_sound_video_dit) against the separate-models baseline
(shapes_video_dit for the picture, shapes_sound_dit for the sound); the joint model writing sound for real clips
(video-to-audio: it sees a finished picture); and real clips with their true soundtracks, on the 220 prompts of the "wording" set (every training combination, in wordings training never used) and the
204 of the "combination" set (held-out combinations).
"""
import time

import torch
from tqdm.auto import tqdm

from ..data import ShapesBatch, ShapesWorld, WorldConfig, vocab
from ..data.sound import FPS, PITCH, click_frames, hum_pitch, soundtrack
from .reader import read_clips
from .video_adherence import prompt_set

TOLERANCE = 1             # frames
MAX_LAG = 4               # frames either way searched for the offset
PITCH_TOLERANCE = 0.03    # relative: half a semitone is 2.9%
SWAP_FRAMES = ((5, 8), (6, 9), (7, 10))   # (k_a, k_b) of the standard pairs: a bounce 3 frames later, both in 5..10


def _check(videos, audio):
    if not isinstance(videos, torch.Tensor) or videos.ndim != 5 or videos.shape[1] != 3:
        raise ValueError(f"videos must be clips (B, 3, T, H, W) in [-1, 1], got "
                         f"{tuple(videos.shape) if isinstance(videos, torch.Tensor) else type(videos).__name__}")
    if not isinstance(audio, torch.Tensor) or audio.ndim != 2 or audio.shape[0] != videos.shape[0]:
        raise ValueError(f"audio must be one waveform per clip ({videos.shape[0]}, samples), got "
                         f"{tuple(audio.shape) if isinstance(audio, torch.Tensor) else type(audio).__name__}")
    if audio.shape[1] % videos.shape[2]:
        raise ValueError(f"{audio.shape[1]} samples do not divide into {videos.shape[2]} frames")


def bounce_frames(videos: torch.Tensor) -> list[list[int]]:
    """Per clip (B, 3, T, H, W): the frame of its bounce, [k], if the reader reads a bounce, else []."""
    out = []
    for reading in read_clips(videos):
        if reading.motion not in vocab.BOUNCES:
            out.append([])
            continue
        first = reading.motion.split(" then ")[0]                        # "left" in "left then right"
        axis = 0 if first in ("left", "right") else 1
        p = reading.path[:, axis]
        p = torch.where(torch.isfinite(p), p, p.nanmean())               # an unseen frame cannot be the extreme
        out.append([int(p.argmin() if first in ("left", "up") else p.argmax())])
    return out


def events(videos: torch.Tensor, audio: torch.Tensor) -> tuple[list, list]:
    """(bounces, clicks): per clip, the frames of the bounces seen and of the clicks heard."""
    _check(videos, audio)
    per_frame = audio.shape[1] // videos.shape[2]
    return bounce_frames(videos), [click_frames(a.float(), sample_rate=FPS * per_frame) for a in audio]


def match(bounces: list[int], clicks: list[int], tolerance: int = TOLERANCE) -> int:
    """How many (bounce, click) pairs at most `tolerance` frames apart, each event used once (nearest first)."""
    pairs = sorted((abs(b - c), i, j) for i, b in enumerate(bounces) for j, c in enumerate(clicks))
    used_b, used_c = set(), set()
    for gap, i, j in pairs:
        if gap <= tolerance and i not in used_b and j not in used_c:
            used_b.add(i), used_c.add(j)
    return len(used_b)


def offset_curve(bounces: list, clicks: list, max_lag: int = MAX_LAG) -> dict[int, int]:
    """lag -> how many (bounce at t, click at t + lag) coincide, summed over clips."""
    curve = {}
    for lag in range(-max_lag, max_lag + 1):
        curve[lag] = sum(len({b + lag for b in bs} & set(cs)) for bs, cs in zip(bounces, clicks))
    return curve


def synchrony(videos: torch.Tensor, audio: torch.Tensor) -> dict:
    """Precision, recall and F1 of clicks against bounces within TOLERANCE frames, the best offset, and counts."""
    bounces, clicks = events(videos, audio)
    matched = sum(match(b, c) for b, c in zip(bounces, clicks))
    n_bounces, n_clicks = sum(map(len, bounces)), sum(map(len, clicks))
    precision = matched / n_clicks if n_clicks else float("nan")
    recall = matched / n_bounces if n_bounces else float("nan")
    curve = offset_curve(bounces, clicks)
    best = max(curve.values())
    return {"precision": precision, "recall": recall,
            "f1": 2 * matched / (n_clicks + n_bounces) if n_clicks + n_bounces else float("nan"),
            "offset_frames": min((lag for lag, v in curve.items() if v == best), key=abs) if best else None,
            "offset_curve": curve, "bounces": n_bounces, "clicks": n_clicks, "matched": matched}


def pitch_adherence(audio: torch.Tensor, truths: list[dict], sample_rate: int = 8000) -> float:
    """The fraction of waveforms whose hum is within PITCH_TOLERANCE of the pitch of their truth's shape."""
    if len(truths) != len(audio):
        raise ValueError(f"{len(audio)} waveforms for {len(truths)} truths")
    want = torch.tensor([PITCH[t["shape"]] for t in truths])
    return float(((hum_pitch(audio.float(), sample_rate) - want).abs() <= PITCH_TOLERANCE * want).float().mean())


def real(truths: list[dict], seed: int = 10**6) -> tuple[torch.Tensor, torch.Tensor]:
    """Real clips with the truths' attributes and their true soundtracks: the judge's own ceiling."""
    world, g = ShapesWorld(WorldConfig(frames=16, height=32, width=32)), torch.Generator().manual_seed(seed)
    batches = []
    for i, t in enumerate(truths):
        size = t.get("size") or vocab.SIZE_NAMES[int(torch.randint(2, (1,), generator=g))]
        batches.append(world.sample(1, seed=seed + i, split="all", shape=t["shape"], colour=t["colour"],
                                    motion=t["motion"], size=size))
    return torch.cat([b.video for b in batches]), torch.cat([soundtrack(b) for b in batches])


def swap_pairs(n: int | None = None, seed: int = 2 * 10**6) -> tuple[ShapesBatch, ShapesBatch, list[str]]:
    """(clips_a, clips_b, prompts): the standard timing-swap pairs. Pair i is the i-th bouncing prompt of the
    "wording" set (70 of them, cycled), drawn from seed + i with its bounce at frame k_a and again at k_b, the
    (k_a, k_b) of SWAP_FRAMES in turn; 210 pairs cover every prompt with each of them. n: the first n pairs."""
    prompts, truths = prompt_set("wording")
    bouncy = [(p, t) for p, t in zip(prompts, truths) if t["motion"] in vocab.BOUNCES]
    total = len(bouncy) * len(SWAP_FRAMES)
    if n is not None and (isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= total):
        raise ValueError(f"n must be an integer from 1 to {total} (each bouncing prompt with each of "
                         f"{SWAP_FRAMES}), or None for all, got {n!r}")
    world, g = ShapesWorld(WorldConfig(frames=16, height=32, width=32)), torch.Generator().manual_seed(seed)
    a, b, chosen = [], [], []
    for i in range(total if n is None else n):
        prompt, t = bouncy[i % len(bouncy)]
        size = t.get("size") or vocab.SIZE_NAMES[int(torch.randint(2, (1,), generator=g))]
        attributes = {"shape": t["shape"], "colour": t["colour"], "motion": t["motion"], "size": size}
        for clips, k in zip((a, b), SWAP_FRAMES[i % len(SWAP_FRAMES)]):
            clips.append(world.sample(1, seed=seed + i, split="all", bounce_frame=k, **attributes))
        chosen.append(prompt)
    return ShapesBatch.cat(a), ShapesBatch.cat(b), chosen


def timing_swap(sound_for, clips_a: ShapesBatch, clips_b: ShapesBatch, prompts: list[str]) -> dict:
    """Does the sound move with the bounce? sound_for(videos, prompts) -> (B, samples) must use the same noise
    for clip i on every call (a fixed seed). Per pair, the click shift is the mean click frame for clip b minus
    that for clip a (0 when either is silent), the bounce shift k_b - k_a. Returns the pairs, the mean of
    click shift / bounce shift (1 when the sound follows the picture, 0 when it ignores it), the share of pairs
    whose click shift is within TOLERANCE of the bounce shift, the share whose two clips click at exactly the
    same frames, and how many pairs had a silent clip."""
    _check_pairs(clips_a, clips_b, prompts)
    audio_a, audio_b = sound_for(clips_a.video, prompts), sound_for(clips_b.video, prompts)
    _check(clips_a.video, audio_a), _check(clips_b.video, audio_b)
    rate = FPS * audio_a.shape[1] // clips_a.video.shape[2]                     # samples per second
    ratios, follows, same, silent = [], [], 0, 0
    for wave_a, wave_b, k_a, k_b in zip(audio_a, audio_b, clips_a.bounce_frame[:, 0].tolist(),
                                        clips_b.bounce_frame[:, 0].tolist()):
        clicks_a, clicks_b = click_frames(wave_a.float(), rate), click_frames(wave_b.float(), rate)
        same += clicks_a == clicks_b
        if clicks_a and clicks_b:
            click_shift = sum(clicks_b) / len(clicks_b) - sum(clicks_a) / len(clicks_a)
        else:
            click_shift, silent = 0.0, silent + 1
        ratios.append(click_shift / (k_b - k_a))
        follows.append(abs(click_shift - (k_b - k_a)) <= TOLERANCE)
    return {"pairs": len(ratios), "click_shift_per_bounce_shift": sum(ratios) / len(ratios),
            "follow_share": sum(follows) / len(follows), "same_clicks_share": same / len(ratios),
            "silent_pairs": silent}


def _check_pairs(clips_a, clips_b, prompts):
    if not isinstance(clips_a, ShapesBatch) or not isinstance(clips_b, ShapesBatch):
        raise ValueError("clips_a and clips_b must be ShapesBatch pairs, e.g. from swap_pairs(n)")
    if not len(clips_a) == len(clips_b) == len(prompts):
        raise ValueError(f"{len(clips_a)} clips a, {len(clips_b)} clips b and {len(prompts)} prompts: "
                         "pass one prompt per pair")
    if clips_a.bounce_frame.shape[1] != 1:
        raise ValueError("the timing swap reads clips of one object")
    if clips_a.captions != clips_b.captions or not torch.equal(clips_a.motion, clips_b.motion):
        raise ValueError("each pair must be one clip drawn twice (same seed), differing only in bounce_frame")
    k_a, k_b = clips_a.bounce_frame[:, 0], clips_b.bounce_frame[:, 0]
    if (k_a < 0).any() or (k_a == k_b).any():
        raise ValueError("every pair must bounce, at two different frames (bounce_frame=k_a and k_b)")


def score(videos, audio, truths) -> dict:
    from .adherence import adherence
    s = synchrony(videos, audio)
    return {"pitch_adherence": pitch_adherence(audio, truths), "motion_adherence": adherence(videos, truths)["motion"],
            **s}


def evaluate(sets=("wording", "combination"), limit: int | None = None, batch: int = 32, progress: bool = True,
             steps: int = 20, scales=(2.0, 4.0)) -> list[dict]:
    """One row per (contender, guidance scale, prompt set): joint, separate (the baseline), video-to-audio, and
    one for real clips. Batch k uses seed k."""
    from ..pipelines import TextToVideoPipeline
    from ..pipelines.sound_video import SoundVideoPipeline, separate
    joint = SoundVideoPipeline.from_pretrained()
    pipes = (TextToVideoPipeline.from_pretrained(), SoundVideoPipeline.from_pretrained("shapes_sound_dit"))
    contenders = {}
    for g in scales:
        contenders[f"joint (shapes_sound_video_dit), guidance {g:g}"] = \
            lambda p, k, g=g: joint(p, seed=k, steps=steps, guidance_scale=g)
        contenders[f"separate (shapes_video_dit + shapes_sound_dit), guidance {g:g}"] = \
            lambda p, k, g=g: separate(p, seed=k, steps=steps, guidance_scale=g, pipes=pipes)
    rows = []
    for set_name in sets:
        prompts, truths = prompt_set(set_name)
        prompts, truths = prompts[:limit], truths[:limit]
        for name, generate in contenders.items():
            start, videos, audio = time.perf_counter(), [], []
            chunks = range(0, len(prompts), batch)
            for k, i in enumerate(tqdm(chunks, desc=f"{name.split()[0]}, {set_name}", disable=not progress)):
                out = generate(prompts[i:i + batch], k)
                videos.append(out.videos), audio.append(out.audio)
            rows.append({"model": name, "set": set_name, "prompts": len(prompts),
                         **score(torch.cat(videos), torch.cat(audio), truths),
                         "seconds": round(time.perf_counter() - start)})
        real_videos, real_audio = real(truths)
        for g in scales:
            start, audio = time.perf_counter(), []
            for k, i in enumerate(tqdm(range(0, len(prompts), batch), desc=f"video-to-audio, {set_name}",
                                       disable=not progress)):
                audio.append(joint.sound_for(real_videos[i:i + batch], prompts[i:i + batch], seed=k, steps=steps,
                                             guidance_scale=g))
            rows.append({"model": f"joint, sound for real clips (video-to-audio), guidance {g:g}", "set": set_name,
                         "prompts": len(prompts), **score(real_videos, torch.cat(audio), truths),
                         "seconds": round(time.perf_counter() - start)})
        rows.append({"model": "real clips with their soundtracks", "set": set_name, "prompts": len(prompts),
                     **score(real_videos, real_audio, truths), "seconds": 0})
    return rows


def evaluate_swap(n: int | None = None, scales=(2.0, 4.0), steps: int = 20, batch: int = 32) -> list[dict]:
    """One timing-swap row per guidance scale for the joint model's video-to-audio, on swap_pairs(n).
    Batch k of either side uses seed k, so both clips of a pair get the same noise."""
    from ..pipelines.sound_video import SoundVideoPipeline
    joint, pairs, rows = SoundVideoPipeline.from_pretrained(), swap_pairs(n), []
    for g in scales:
        def sound_for(videos, prompts, g=g):
            return torch.cat([joint.sound_for(videos[i:i + batch], prompts[i:i + batch], seed=k, steps=steps,
                                              guidance_scale=g)
                              for k, i in enumerate(range(0, len(videos), batch))])
        start = time.perf_counter()
        rows.append({"model": f"joint, sound for real clips (video-to-audio), guidance {g:g}", "steps": steps,
                     **timing_swap(sound_for, *pairs), "seconds": round(time.perf_counter() - start)})
    return rows
