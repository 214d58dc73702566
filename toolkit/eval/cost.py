"""What a generated picture costs: FLOPs counted by torch.utils.flop_counter and wall time, side by side.

    count_flops(lambda: pipe(prompts, steps=20))       # {"total": 9.1e10, "FlowTime": ..., "TextEncoder": ..., "Decoder": ...}
    wall_times({"pixel": f, "latent": g}, repeats=5)   # median seconds of each, runs interleaved

    python -m toolkit.experiments.latent_cost --out assets/metrics/latent_cost.json     # notebook 06's table, pixel against latent

FLOPs count every multiply and add of the matrix products and convolutions (2 per multiply-accumulate),
which is what flop_counter counts; element-wise work (norms, activations) is left out, as in the papers'
FLOP tables. Wall times depend on the machine and its load: only ratios measured in one run, with the
contenders' runs interleaved, are comparable, which is how `wall_times` measures them.
"""
import json
import statistics
import time
from pathlib import Path

import torch
from torch.utils.flop_counter import FlopCounterMode, flop_registry, register_flop_formula, sdpa_flop_count

from ..checkpoints import write_json
from ..pipelines.text_to_image import DEFAULT_GUIDANCE
from .adherence import sweep


# torch's counter knows the GPU kernels of F.scaled_dot_product_attention but not the CPU one, so on the CPU
# every attention would count 0 FLOPs. Its formula is the same: 4·N·M·d a head (scores, then mixing).
_CPU_ATTENTION = torch.ops.aten._scaled_dot_product_flash_attention_for_cpu
if _CPU_ATTENTION not in flop_registry:
    register_flop_formula(_CPU_ATTENTION)(
        lambda query_shape, key_shape, value_shape, *args, out_shape=None, **kwargs:
        sdpa_flop_count(query_shape, key_shape, value_shape))


def count_flops(fn) -> dict:
    """Run fn() once and count its FLOPs: {"total": n, and per top-level module that ran (by class name)}."""
    with FlopCounterMode(display=False, depth=1) as counter:
        fn()
    # get_flop_counts() lists every nested module ("FlowTime.unet.down.0", ...) whatever the depth; keep the top level
    counts = {name: sum(ops.values()) for name, ops in counter.get_flop_counts().items()
              if name != "Global" and "." not in name}
    return {"total": counter.get_total_flops(), **counts}


def wall_times(fns: dict, repeats: int = 5, warmup: int = 1) -> dict:
    """The median wall time in seconds of each fn in `fns`, calling them in turn `repeats` times (after
    `warmup` unmeasured rounds), so that a change in the machine's load hits all of them alike."""
    if repeats < 1:
        raise ValueError(f"repeats must be at least 1, got {repeats}")
    seconds = {name: [] for name in fns}
    for round_ in range(warmup + repeats):
        for name, fn in fns.items():
            start = time.perf_counter()
            fn()
            if round_ >= warmup:
                seconds[name].append(time.perf_counter() - start)
    return {name: statistics.median(s) for name, s in seconds.items()}


def compare_pipelines(pipes: dict, steps: int = 20, guidance_scale: float = DEFAULT_GUIDANCE, batch: int = 16,
                      repeats: int = 5, per_combination: dict | None = None, progress: bool = True) -> dict:
    """FLOPs and wall time per picture of each text-to-image pipeline in `pipes`, and its adherence.

    FLOPs: one call with `batch` prompts, divided by batch. Wall time: the median of `repeats` interleaved
    calls of `batch` prompts (throughput), and of single-prompt calls (latency). Adherence: the classifier-free
    sweep at `guidance_scale` on the held-out prompt sets (toolkit.eval.adherence.sweep)."""
    prompts = ["a small red circle", "a big blue square", "a large green triangle", "a tiny yellow cross"]
    prompts = (prompts * batch)[:batch]
    call = lambda pipe, p: lambda: pipe(p, seed=0, steps=steps, guidance_scale=guidance_scale)  # noqa: E731
    flops = {name: {k: v / batch for k, v in count_flops(call(pipe, prompts)).items()} for name, pipe in pipes.items()}
    batched = wall_times({name: call(pipe, prompts) for name, pipe in pipes.items()}, repeats)
    single = wall_times({name: call(pipe, prompts[:1]) for name, pipe in pipes.items()}, repeats)
    rows = {}
    for name, pipe in pipes.items():
        scores = sweep(pipe, "cfg", [guidance_scale], per_combination=per_combination, steps=steps, progress=progress)
        rows[name] = {"flops_per_picture": flops[name]["total"], "flops_by_module": flops[name],
                      "seconds_per_picture_batched": batched[name] / batch, "seconds_single_picture": single[name],
                      "adherence": {r["prompts"]: {k: r[k] for k in ("joint", "shape", "colour", "size", "n")}
                                    for r in scores}}
    return rows


def recount_flops(pipes: dict, out: Path, steps: int, batch: int = 16) -> int:
    """Update the FLOP columns of an existing table (the count is exact, so it can be redone alone)."""
    table = json.loads(out.read_text())
    prompts = (["a small red circle", "a big blue square", "a large green triangle", "a tiny yellow cross"] * batch)[:batch]
    for name, pipe in pipes.items():
        counts = count_flops(lambda: pipe(prompts, seed=0, steps=steps, guidance_scale=table["guidance_scale"]))
        table["rows"][name]["flops_by_module"] = {k: v / batch for k, v in counts.items()}
        table["rows"][name]["flops_per_picture"] = counts["total"] / batch
        print(f"{name:7s} {counts['total'] / batch / 1e9:7.2f} GFLOP/picture")
    table["pixel_over_latent"]["flops"] = table["rows"]["pixel"]["flops_per_picture"] / table["rows"]["latent"]["flops_per_picture"]
    table["flops_command"] = f"python -m toolkit.experiments.latent_cost --flops-only --out {out}"
    write_json(out, table)
    print(f"pixel / latent: {table['pixel_over_latent']['flops']:.2f}x the FLOPs; wrote {out}")
    return 0
