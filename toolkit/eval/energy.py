"""Notebook 10: what a generated clip costs, in FLOPs and in energy, and how that grows with frames, size and steps.

    python -m toolkit.experiments.energy --out assets/metrics/energy.json [--watts 15]

    clip = clip_flops(pipe)                          # one clip of the shipped model, counted by component
    flops = scaled_flops(pipe, frames=64, size=128)  # any size, counted on the meta device in milliseconds
    transformer_flops(PRODUCTION)                    # the same sum in closed form, for a production model

Counting. torch.utils.flop_counter counts every matrix product and convolution (2 FLOPs a multiply-add). A real
call of the shipped pipeline gives the count by component and how many times the sampler calls the
transformer; for other sizes the transformer and the decoder run on the **meta device**, where tensors have
shapes and no values: the counter sees every product and nothing is computed.

Energy. Where the machine exposes Intel's RAPL counters (/sys/class/powercap/intel-rapl:*), the package
energy of a real call is measured. Otherwise it is estimated as wall time x an assumed power (`--watts`,
default 15 W: a laptop processor's package under load); the assumption is written beside every figure.

Up to production, by formula (transformer_flops, checked against the counter on our own transformer):
PRODUCTION is a Wan 2.1 14B-like text-to-video transformer making 5 s of 1280 x 720 video at 16 frames a
second in 50 guided steps, on an H100 GPU at an assumed 40% of its peak bf16 rate and 700 W. Its result
sits beside two published figures: 415 Wh measured for Wan 2.1 14B's default clip on an H100 (Delavande et
al. 2025, "Video Killed the Energy Budget", arXiv:2509.19222), and the estimate of about 3.4 MJ for a
5-second clip (MIT Technology Review, "We did the math on AI's energy footprint", 2025).
"""
import copy
import glob
import math
import time
from pathlib import Path

import torch
from torch.utils.flop_counter import FlopCounterMode

from ..pipelines.text_to_video import DEFAULT_GUIDANCE
from .cost import count_flops

PROMPT = "a small green triangle moving up then down"
DEFAULT_WATTS = 15.0

# A Wan 2.1 14B-like model and clip (the published configuration: 40 blocks of width 5120, MLP 13824,
# cross-attention to 512 text tokens of width 4096; VAE 4 x 8 x 8, patches 1 x 2 x 2; 81 frames of 1280 x 720).
PRODUCTION = dict(name="Wan 2.1 14B-like, 5 s of 1280 x 720 at 16 fps", layers=40, width=5120, mlp=13824,
                  text_tokens=512, text_width=4096, frames=81, height=720, width_px=1280,
                  compression=(4, 8, 8), patch=(1, 2, 2), steps=50, guided=True)
GPU = dict(name="H100 SXM", peak_flops=989e12, utilisation=0.4, watts=700.0)     # bf16 dense peak
PUBLISHED = {"Wan 2.1 14B, measured on an H100 (arXiv:2509.19222)": 415 * 3600.0,
             "a 5-second clip, estimate (MIT Technology Review, 2025)": 3.4e6}


# ---------------------------------------------------------------- counting our pipeline

@torch.no_grad()
def denoiser_calls(pipe, steps: int = 20, sampler="flow_heun", guidance_scale: float = DEFAULT_GUIDANCE) -> tuple[int, int]:
    """(calls, clips per call): how often the sampler runs the transformer for one clip (Heun: twice a step
    but the last), and how many clips each call carries (2 under guidance: the prompt's and the empty one's).
    Read off a real call at the smallest size, with a hook on the transformer."""
    seen = []
    hook = pipe.unet.register_forward_hook(lambda module, args, out: seen.append(args[0].shape[0]))
    try:
        pipe(PROMPT, frames=4, size=16, steps=steps, sampler=sampler, guidance_scale=guidance_scale)
    finally:
        hook.remove()
    return len(seen), max(seen)


@torch.no_grad()
def clip_flops(pipe, steps: int = 20, guidance_scale: float = DEFAULT_GUIDANCE, sampler="flow_heun") -> dict:
    """One clip at the model's own size, counted on a real call: {"total", "text encoder", "transformer",
    "decoder", "calls", "clips per call"}."""
    counts = count_flops(lambda: pipe(PROMPT, steps=steps, guidance_scale=guidance_scale, sampler=sampler))
    calls, batch = denoiser_calls(pipe, steps, sampler, guidance_scale)
    return {"total": counts["total"], "text encoder": counts.get("TextEncoder", 0.0),
            "transformer": counts.get(type(pipe.unet).__name__, 0.0), "decoder": counts.get("Decoder", 0.0),
            "calls": calls, "clips per call": batch}


def latent_shape(pipe, batch: int, frames: int, size: int) -> tuple:
    """The latent (B, C, T/4, H/4, W/4) of a clip of `frames` x size x size; any size, for counting."""
    c = pipe.vae.config
    if frames % c.time_factor or size % (c.spatial_factor * 2):
        raise ValueError(f"frames must divide by {c.time_factor} and size by {c.spatial_factor * 2}, "
                         f"got frames={frames}, size={size}")
    return (batch, c.latent_channels, frames // c.time_factor, size // c.spatial_factor, size // c.spatial_factor)


def meta_flops(module: torch.nn.Module, *args, **kwargs) -> float:
    """FLOPs of module(*args, **kwargs) run on the meta device (arguments already on it)."""
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        module(*args, **kwargs)
    return float(counter.get_total_flops())


def scaled_flops(pipe, frames: int = 16, size: int = 32, steps: int = 20, guidance_scale: float = DEFAULT_GUIDANCE,
                 sampler="flow_heun", calls: tuple | None = None, text_encoder: float | None = None) -> dict:
    """One clip of any size: calls x the transformer's FLOPs for that latent + the decoder's + the text
    encoder's (which does not depend on the clip), the first two counted on the meta device."""
    n_calls, batch = calls or denoiser_calls(pipe, steps, sampler, guidance_scale)
    net, vae = copy.deepcopy(pipe.unet).to("meta"), copy.deepcopy(pipe.vae).to("meta")
    z = torch.zeros(latent_shape(pipe, batch, frames, size), device="meta")
    # the padding mask stays behind: checking it reads values, and masking changes no FLOP count
    cond = {k: torch.zeros_like(v, device="meta") for k, v in pipe.text.null(batch).items() if k != "context_mask"}
    transformer = n_calls * meta_flops(net, z, torch.zeros(batch, device="meta"), **cond)
    decoder = meta_flops(vae.decode, z[:1])
    if text_encoder is None:
        text_encoder = text_encoder_flops(pipe)
    return {"total": transformer + decoder + text_encoder, "text encoder": text_encoder,
            "transformer": transformer, "decoder": decoder, "frames": frames, "size": size, "steps": steps,
            "tokens": z[0, 0].numel() // math.prod(pipe.unet.config.patch_size)}


def text_encoder_flops(pipe) -> float:
    """The prompt's and the empty prompt's encodings: the same for any clip size."""
    return count_flops(lambda: (pipe.text([PROMPT]), pipe.text.null(1)))["total"]


def sweep(pipe, frames=(4, 8, 16, 32, 64, 128), sizes=(16, 32, 64, 128, 256), steps=(5, 10, 20, 40, 80)) -> dict:
    """Clip FLOPs as one of frames, size and steps grows and the others stay at the shipped 16, 32 and 20."""
    calls = {s: denoiser_calls(pipe, s) for s in set(steps) | {20}}
    text = text_encoder_flops(pipe)
    one = lambda **kw: scaled_flops(pipe, **({"frames": 16, "size": 32, "steps": 20} | kw),     # noqa: E731
                                    calls=calls[kw.get("steps", 20)], text_encoder=text)
    return {"frames": [one(frames=f) for f in frames], "size": [one(size=s) for s in sizes],
            "steps": [one(steps=s) for s in steps]}


def slopes(xs, ys) -> list[float]:
    """Local exponents d log y / d log x between neighbouring points: 1 is linear growth, 2 quadratic."""
    xs, ys = torch.tensor(xs, dtype=torch.float64).log(), torch.tensor(ys, dtype=torch.float64).log()
    return ((ys[1:] - ys[:-1]) / (xs[1:] - xs[:-1])).tolist()


def fit_tokens(tokens, flops) -> tuple[float, float]:
    """Least-squares (a, b) of flops ≈ a·N + b·N² over token counts N (each point weighted by 1/flops, so
    small and large clips count alike): the per-token work and the attention term."""
    N = torch.tensor(tokens, dtype=torch.float64)
    y = torch.tensor(flops, dtype=torch.float64)
    design = torch.stack([N, N * N], dim=1) / y[:, None]
    a, b = torch.linalg.lstsq(design, torch.ones_like(y)[:, None]).solution[:, 0].tolist()
    return a, b


# ---------------------------------------------------------------- the closed form

def transformer_flops(layers: int, width: int, tokens: int, mlp: int, text_tokens: int = 0,
                      text_width: int | None = None) -> float:
    """FLOPs of one transformer call over `tokens` tokens (2 a multiply-add): per block, the self-attention's
    four D x D projections and its N x N scores and mixing (4·N²·D), the MLP (two D x mlp maps), and, with
    text, cross-attention (query and output maps, key and value maps of the text, N x L scores and mixing).
    Per-sample work (adaLN's modulation, the timestep MLP) and embeddings are left out: they do not grow with N."""
    N, D, L = tokens, width, text_tokens
    block = 2 * N * (4 * D * D + 2 * D * mlp) + 4 * N * N * D
    if L:
        block += 2 * N * 2 * D * D + 2 * L * 2 * (text_width or D) * D + 4 * N * L * D
    return float(layers * block)


def production_estimate(model: dict = PRODUCTION, gpu: dict = GPU) -> dict:
    """FLOPs, GPU time and energy of one clip of `model` on `gpu`, from transformer_flops (the VAE decoder and
    the text encoder, a few percent, are left out)."""
    ct, ch, cw = model["compression"]
    pt, ph, pw = model["patch"]
    latent = (1 + (model["frames"] - 1) // ct, model["height"] // ch, model["width_px"] // cw)
    tokens = (latent[0] // pt) * (latent[1] // ph) * (latent[2] // pw)
    per_call = transformer_flops(model["layers"], model["width"], tokens, model["mlp"], model["text_tokens"],
                                 model["text_width"])
    flops = per_call * model["steps"] * (2 if model["guided"] else 1)
    seconds = flops / (gpu["peak_flops"] * gpu["utilisation"])
    return {"model": model["name"], "gpu": gpu["name"], "tokens": tokens, "flops_per_call": per_call,
            "flops": flops, "gpu_seconds": seconds, "joules": seconds * gpu["watts"]}


# ---------------------------------------------------------------- energy on this machine

def rapl_joules() -> float | None:
    """The summed package energy counters of Intel RAPL in joules, or None where the machine has none."""
    files = sorted(glob.glob("/sys/class/powercap/intel-rapl:[0-9]*/energy_uj"))
    try:
        return sum(int(Path(f).read_text()) for f in files) / 1e6 if files else None
    except (OSError, ValueError):
        return None


@torch.no_grad()
def measure(pipe, steps: int = 20, guidance_scale: float = DEFAULT_GUIDANCE, repeats: int = 3, watts: float = DEFAULT_WATTS) -> dict:
    """Wall time of one clip (the median of `repeats`, after a warm-up), the FLOP rate it achieved, and its
    energy: measured by RAPL where present (counter wrap-around is not handled), else time x `watts`."""
    if repeats < 1 or watts <= 0:
        raise ValueError(f"repeats must be at least 1 and watts positive, got repeats={repeats}, watts={watts}")
    flops = clip_flops(pipe, steps, guidance_scale)["total"]
    pipe(PROMPT, steps=steps, guidance_scale=guidance_scale)                                # warm-up
    seconds, joules = [], []
    for _ in range(repeats):
        e0, t0 = rapl_joules(), time.perf_counter()
        pipe(PROMPT, steps=steps, guidance_scale=guidance_scale)
        seconds.append(time.perf_counter() - t0)
        e1 = rapl_joules()
        if e0 is not None and e1 is not None and e1 >= e0:
            joules.append(e1 - e0)
    s = sorted(seconds)[len(seconds) // 2]
    measured = sorted(joules)[len(joules) // 2] if joules else None
    return {"seconds": s, "flops": flops, "flops_per_second": flops / s, "threads": torch.get_num_threads(),
            "joules": measured if measured is not None else s * watts,
            "energy_source": "RAPL package counters" if measured is not None else f"estimate: wall time x {watts:g} W"}


@torch.no_grad()
def video_cost(steps: int = 20, repeats: int = 1) -> dict:
    """Notebook 07's comparison: FLOPs and wall time of one clip, pixel space-time U-Net against the latent
    transformer and its decoder (same prompt, steps and guidance; wall times interleaved, see cost.wall_times)."""
    from ..pipelines import TextToVideoPipeline
    from .cost import wall_times
    pipes = {"pixel space-time U-Net": TextToVideoPipeline.from_pretrained("shapes_spacetime_unet"),
             "latent transformer": TextToVideoPipeline.from_pretrained()}
    calls = {name: (lambda pipe=pipe: pipe(PROMPT, steps=steps)) for name, pipe in pipes.items()}
    flops = {name: count_flops(call)["total"] for name, call in calls.items()}
    seconds = wall_times(calls, repeats=repeats, warmup=0)
    return {name: {"flops": flops[name], "seconds": seconds[name]} for name in calls}
