"""How fast is the toolkit U-Net on this CPU? Two targets, one table.

    python bench/bench_unet.py [--preset cpu] [--batch 32] [--size 32] [--repeats 10] [--threads N]

1. Per-step latency against diffusers' UNet2DModel built (from a config, nothing downloaded) with the same
   levels, widths, blocks and attention, so that the parameter counts match within ~10%: forward
   (a sampling step, no autograd) and forward + backward (a training step). Target: ratio <= 1.0.
2. Training throughput (forward + backward + AdamW step) as a fraction of this CPU's fp32 matmul peak,
   measured in the same run with a large matmul. FLOPs are counted by torch.utils.flop_counter.
   Target: >= 30% of the peak. Also shown against a large oneDNN convolution: on AMD processors MKL's
   matmul runs its AVX2 code while oneDNN uses AVX-512, so the convolution is the truer ceiling.

Timings are medians of `--repeats` runs after warm-up, taken in turns (toolkit, diffusers, toolkit, ...)
so that other processes on the same cores slow both alike. The load average is printed so that a reader
can tell a quiet machine from a busy one; with busy cores, `--threads 1` gives steadier numbers.
"""
import argparse
import os
import statistics
import time

import torch
import torch.nn.functional as F
from diffusers import UNet2DModel
from torch.utils.flop_counter import FlopCounterMode

from toolkit.models.unet import UNet, UNetConfig


STEPS = ("forward", "forward+backward", "train step (+AdamW)")


def diffusers_twin(c: UNetConfig, size: int) -> UNet2DModel:
    """A UNet2DModel with our levels, widths, block counts, attention levels, heads and scale-shift."""
    attend = [2 ** i in c.attention_resolutions for i in range(len(c.channel_mult))]
    return UNet2DModel(
        sample_size=size, in_channels=c.in_channels, out_channels=c.out_channels,
        block_out_channels=tuple(c.channels * m for m in c.channel_mult), layers_per_block=c.num_res_blocks,
        down_block_types=tuple("AttnDownBlock2D" if a else "DownBlock2D" for a in attend),
        up_block_types=tuple("AttnUpBlock2D" if a else "UpBlock2D" for a in reversed(attend)),
        norm_num_groups=c.norm_groups, attention_head_dim=c.head_channels, dropout=c.dropout,
        resnet_time_scale_shift="scale_shift", downsample_padding=1)


def params(model) -> int:
    return sum(p.numel() for p in model.parameters())


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def interleaved_medians(fns: dict, repeats: int, warmup: int = 2) -> dict:
    """Median seconds of each closure, timed in turns (A B C A B C ...) so that load from other
    processes falls on all of them alike."""
    for _ in range(warmup):
        for fn in fns.values():
            fn()
    times = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            times[name].append(timed(fn))
    return {name: statistics.median(ts) for name, ts in times.items()}


def peaks(n: int = 2048, repeats: int = 10) -> tuple[float, float]:
    """fp32 FLOP/s of (an n x n matmul, a 256-channel 3x3 convolution at 32 x 32).

    The first is the matmul peak the targets refer to (torch.mm, through MKL). The second goes through
    oneDNN, which uses AVX-512 where MKL may not (MKL takes its AVX2 path on AMD processors), so on such
    a CPU it is the higher and more honest ceiling."""
    a, b = torch.randn(n, n), torch.randn(n, n)
    x = torch.randn(16, 256, 32, 32).contiguous(memory_format=torch.channels_last)
    w = torch.randn(256, 256, 3, 3)
    s = interleaved_medians({"mm": lambda: a @ b, "conv": lambda: F.conv2d(x, w, padding=1)}, repeats)
    return 2 * n ** 3 / s["mm"], 2 * 16 * 256 * 256 * 9 * 32 * 32 / s["conv"]


def steps(model, x, t, ours: bool):
    """Return (forward, forward+backward, train step) closures for one model."""
    call = (lambda: model(x, t)) if ours else (lambda: model(x, t).sample)
    target = torch.randn_like(x)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)

    def forward():
        with torch.no_grad():
            call()

    def forward_backward():
        model.zero_grad(set_to_none=True)
        F.mse_loss(call(), target).backward()

    def train_step():
        forward_backward()
        optimizer.step()
    return forward, forward_backward, train_step


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="cpu")
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--size", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's choice)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, "
          f"load average before: {os.getloadavg()[0]:.2f}")

    ours = UNet.from_preset(args.preset).train()
    theirs = diffusers_twin(ours.config, args.size).train()
    x = torch.randn(args.batch, ours.config.in_channels, args.size, args.size)
    t = torch.rand(args.batch) * 1000
    n_ours, n_theirs = params(ours), params(theirs)
    print(f"preset {args.preset!r}, batch {args.batch}, {args.size} x {args.size}: toolkit {n_ours / 1e6:.2f} M "
          f"parameters, diffusers UNet2DModel {n_theirs / 1e6:.2f} M ({n_theirs / n_ours - 1:+.1%})")

    with FlopCounterMode(display=False) as counter:
        ours(x, t).square().mean().backward()
    flops = counter.get_total_flops()                      # forward + backward of one batch
    ours.zero_grad(set_to_none=True)

    mm_peak, conv_peak = peaks()
    fns = {}
    for name, model in (("toolkit", ours), ("diffusers", theirs)):
        for what, fn in zip(STEPS, steps(model, x, t, ours=name == "toolkit")):
            fns[name, what] = fn
    seconds = interleaved_medians(fns, args.repeats)
    mm_after, conv_after = peaks()
    mm_peak, conv_peak = max(mm_peak, mm_after), max(conv_peak, conv_after)

    print(f"fp32 peaks (best of before/after): matmul {mm_peak / 1e9:.0f} GFLOP/s (2048^3 torch.mm), "
          f"conv {conv_peak / 1e9:.0f} GFLOP/s (oneDNN 3x3, 256 ch); load average after: {os.getloadavg()[0]:.2f}")
    print(f"\n{'step':<22}{'toolkit ms':>12}{'diffusers ms':>14}{'ratio':>8}   target")
    for what in STEPS:
        a, b = seconds["toolkit", what] * 1e3, seconds["diffusers", what] * 1e3
        verdict = "" if what == STEPS[2] else ("<= 1.0 met" if a <= b else "<= 1.0 MISSED")
        print(f"{what:<22}{a:>12.1f}{b:>14.1f}{a / b:>8.2f}   {verdict}")
    step = seconds["toolkit", STEPS[2]]
    achieved = flops / step
    print(f"\ntraining throughput: {flops / 1e9:.1f} GFLOP per step (fwd+bwd, FlopCounterMode) in {step * 1e3:.0f} ms "
          f"= {achieved / 1e9:.0f} GFLOP/s, {args.batch / step:.0f} images/s")
    print(f"  = {achieved / mm_peak:.0%} of the matmul peak "
          f"({'>= 30% met' if achieved >= 0.3 * mm_peak else '>= 30% MISSED'}), "
          f"{achieved / conv_peak:.0%} of the oneDNN conv peak")

if __name__ == "__main__":
    main()
