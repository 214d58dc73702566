"""One training loop for every network of the course, on `accelerate`.

    result = train(model, loss_fn, batches, TrainConfig.from_preset("cpu"), out_dir="runs/unet")
    result.ema_model          # the exponential moving average of the weights: sample with this one
    result.losses             # one float per step, from step 0 (kept across resumes)

What the caller provides:
    loss_fn(model, batch, generator) -> scalar loss. Draw every random number (noise, timesteps, label
        dropout) from `generator`, which is seeded from (config.seed, step), so a step is a pure function
        of its inputs.
    batches(k) -> batch number k: a tensor, a tuple or a dict. The same k must give the same batch, e.g.
        `lambda k: world.sample(64, seed=k).images`. With several processes, process r of W trains
        on batches(step * W + r).

Exact resume. Every `checkpoint_every` steps (and at the end) the main process writes
`out_dir/step-XXXXXXXX.safetensors` with the model, the EMA copy, the optimizer state and the loss
history, and a JSON manifest beside it (toolkit.checkpoints). Random numbers need no saving: the
generator and torch's global RNG (dropout) are re-seeded from (seed, step, process) at every step, and
batches(k) is deterministic. So a run killed and restarted with the same call ends with the same bits as
one that ran straight through (on CPU, with the same number of threads).

Safe writes. Each file is written to a temporary name and renamed into place; an older checkpoint is
deleted only after the newer one is complete, so a failed write leaves the previous checkpoint loadable.
Nothing is pickled: the optimizer state is flattened into the safetensors file.

Devices. The loop runs on `toolkit.runtime.device()` (a GPU when there is one, or $TOOLKIT_DEVICE); every random
number is drawn on the CPU and moved, so a seed gives the same noise on any device. The models come back on
the CPU, where the notebooks' data, plots and the zoo's models are.
"""
import copy
import json
import sys
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
from accelerate import Accelerator
from accelerate.utils import send_to_device
from tqdm.auto import tqdm

from .. import checkpoints, runtime
from ..runtime import from_preset


@dataclass(frozen=True)
class TrainConfig:
    steps: int = 3000
    batch_size: int = 64            # read by the caller's batches(); recorded in the manifest
    lr: float = 5e-4                # AdamW learning rate after warm-up (constant, as in DDPM)
    warmup: int = 200               # steps of linear learning-rate warm-up from 0
    weight_decay: float = 0.0
    grad_clip: float = 1.0          # clip the global gradient norm to this; 0 turns clipping off
    ema_decay: float = 0.999        # ema ← decay·ema + (1 - decay)·weights, after a short warm-up
    checkpoint_every: int = 250
    seed: int = 0                   # seeds every step's randomness; seed the model's initialisation yourself
    mixed_precision: str = "bf16"   # autocast dtype on CUDA ("no", "bf16", "fp16"); the CPU always runs fp32
    compile: str | None = None      # a torch.compile backend ("inductor" on a GPU); None runs eagerly

    @classmethod
    def from_preset(cls, name: str, **overrides) -> "TrainConfig":
        return from_preset(PRESETS, name, "training", **overrides)


PRESETS = {
    "cpu-tiny": TrainConfig(steps=20, batch_size=8, lr=1e-3, warmup=5, ema_decay=0.9, checkpoint_every=10),
    "cpu": TrainConfig(),           # ~3000 steps of 64 images: under an hour on 2 cores for a ~2 M-parameter U-Net
    "gpu": TrainConfig(steps=100_000, batch_size=128, lr=2e-4, warmup=5000, ema_decay=0.9999,
                       checkpoint_every=5000, compile="inductor"),   # DDPM's CIFAR-10 recipe (Ho et al. 2020, app. B)
}

# The fields a resumed run may change: the others must match the checkpoint, or the result is another run.
RESUMABLE_CHANGES = ("steps", "checkpoint_every")


@dataclass
class TrainResult:
    model: torch.nn.Module          # the trained weights
    ema_model: torch.nn.Module      # their exponential moving average (eval mode, no gradients)
    losses: list                    # the loss of every step since step 0
    step: int                       # steps done


def train(model: torch.nn.Module, loss_fn, batches, config: TrainConfig = TrainConfig(), out_dir=None,
          resume: bool = True, command: str | None = None, progress: bool = True, callback=None) -> TrainResult:
    """Train `model` for config.steps steps of AdamW; see the module docstring for loss_fn and batches.

    out_dir: where checkpoints go (None: none are written). resume: continue from the newest checkpoint
    in out_dir, if there is one (a finished run is just loaded, so calling train again costs nothing);
    resume=False starts afresh and replaces out_dir's checkpoints. command: how to reproduce this run,
    recorded in the manifest (default: this process's command line). progress: show the tqdm bar.
    callback(steps_done, ema_model): called after every step, for example to sample the model as it learns;
    it cannot change the run (each step reseeds its own random numbers).
    """
    command = command if command is not None else "python " + " ".join(sys.argv)
    chosen = runtime.device()
    if chosen.type not in ("cpu", "cuda", "mps"):
        raise ValueError(f"train() runs on the CPU or a GPU, not on {chosen.type!r} (TOOLKIT_DEVICE); "
                         "meta is for shape-only checks of one step (tests/test_device.py)")
    use_autocast = chosen.type == "cuda" and config.mixed_precision != "no"
    # cpu=True on the CPU: accelerate then reads torchrun's (or `accelerate launch --multi_gpu`'s) process
    # group and trains data-parallel on CPU processes over gloo; without it, each process would train alone.
    accelerator = Accelerator(cpu=chosen.type == "cpu",
                              mixed_precision=config.mixed_precision if use_autocast else "no")
    device, rank, world = accelerator.device, accelerator.process_index, accelerator.num_processes

    # The EMA copy is taken before `prepare`, which may wrap the model (DDP, autocast).
    ema_model = copy.deepcopy(model).requires_grad_(False).eval().to(device)
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=config.lr,
                                  weight_decay=config.weight_decay)
    raw_model = model                   # the module itself: its state_dict is what checkpoints and EMA read
    if config.compile:
        model = torch.compile(model, backend=config.compile)
    model, optimizer = accelerator.prepare(model, optimizer)

    start, losses = 0, []
    if out_dir is not None and resume and (name := latest_checkpoint(out_dir)) is not None:
        start, losses = load_checkpoint(out_dir, name, raw_model, ema_model, optimizer, config)

    model.train()
    bar = tqdm(range(start, config.steps), initial=start, total=config.steps, desc="train",
               disable=not (progress and accelerator.is_main_process))
    for step in bar:
        noise_seed, global_seed = step_seeds(config.seed, step, rank)
        torch.manual_seed(global_seed)                                   # dropout and any other global draws
        generator = torch.Generator().manual_seed(noise_seed)            # loss_fn's noise and timesteps, on the CPU
        batch = send_to_device(batches(step * world + rank), device)

        for group in optimizer.param_groups:
            group["lr"] = lr_at(config, step)
        loss = loss_fn(model, batch, generator)
        optimizer.zero_grad(set_to_none=True)
        accelerator.backward(loss)
        if config.grad_clip > 0:
            accelerator.clip_grad_norm_(model.parameters(), config.grad_clip)
        optimizer.step()
        update_ema(ema_model, raw_model, ema_decay_at(config, step))

        losses.append(accelerator.reduce(loss.detach().float(), reduction="mean").item())
        if step % 10 == 0 or step + 1 == config.steps:
            bar.set_postfix(loss=f"{losses[-1]:.4f}", refresh=False)
        done = step + 1
        if callback is not None:
            callback(done, ema_model)
        if out_dir is not None and (done % config.checkpoint_every == 0 or done == config.steps):
            accelerator.wait_for_everyone()
            if accelerator.is_main_process:
                save_checkpoint(out_dir, done, raw_model, ema_model, optimizer, losses, config, command)
    bar.close()
    return TrainResult(model=raw_model.cpu(), ema_model=ema_model.cpu(), losses=losses, step=max(start, config.steps))


def ship(result: TrainResult, folder, name: str, config, command: str, seconds: float, keep=None,
         **metrics) -> Path:
    """Save result.ema_model as shipped weights (float16) whose manifest records the recipe (`config`, a
    dataclass), the command, the training time and loss, and any other `metrics`; returns the manifest's path.
    keep(name) -> bool chooses the tensors to ship (default all)."""
    metrics = {**metrics, "train_seconds_this_session": round(seconds),
               "final_loss_mean_last_100": sum(result.losses[-100:]) / len(result.losses[-100:])}
    tensors = {k: v for k, v in result.ema_model.state_dict().items() if keep is None or keep(k)}
    return checkpoints.save(folder, name, tensors, asdict(config), command.strip(), metrics, half=True)


# ---------------------------------------------------------------- schedules and seeds

def lr_at(config: TrainConfig, step: int) -> float:
    """Linear warm-up over config.warmup steps, then constant."""
    return config.lr * min(1.0, (step + 1) / config.warmup) if config.warmup > 0 else config.lr


def ema_decay_at(config: TrainConfig, step: int) -> float:
    """min(decay, (1 + step) / (10 + step)): early on the average forgets the random initialisation
    quickly (the warm-up of diffusers' EMAModel)."""
    return min(config.ema_decay, (1 + step) / (10 + step))


@torch.no_grad()
def update_ema(ema_model: torch.nn.Module, model: torch.nn.Module, decay: float) -> None:
    for e, p in zip(ema_model.parameters(), model.parameters()):
        e.lerp_(p.detach(), 1 - decay)                                  # e ← decay·e + (1 - decay)·p
    for e, b in zip(ema_model.buffers(), model.buffers()):
        e.copy_(b)


def step_seeds(seed: int, step: int, rank: int) -> tuple[int, int]:
    """Two independent seeds for one step of one process: (loss_fn's generator, torch's global RNG)."""
    noise, global_ = np.random.SeedSequence([seed, step, rank]).generate_state(2)
    return int(noise), int(global_)


# ---------------------------------------------------------------- checkpoints

def latest_checkpoint(out_dir) -> str | None:
    """The name of the newest complete checkpoint (one with a manifest) in out_dir, or None."""
    names = sorted(p.stem for p in Path(out_dir).glob("step-*.json"))
    return names[-1] if names else None


def save_checkpoint(out_dir, step: int, model, ema_model, optimizer, losses, config: TrainConfig,
                    command: str) -> Path:
    """Write step-XXXXXXXX.{safetensors,json}, then delete older checkpoints; return the manifest path."""
    out_dir = Path(out_dir)
    tensors = {f"model.{k}": v for k, v in model.state_dict().items()}
    tensors |= {f"ema.{k}": v for k, v in ema_model.state_dict().items()}
    optimizer_tensors, optimizer_scalars = flatten_optimizer_state(optimizer)
    tensors |= optimizer_tensors
    tensors["losses"] = torch.tensor(losses, dtype=torch.float64)
    model_config = getattr(model, "config", None)
    name = f"step-{step:08d}"
    manifest = checkpoints.save(
        out_dir, name, tensors, command=command,
        config={"train": asdict(config),
                "model": asdict(model_config) if hasattr(model_config, "__dataclass_fields__") else None},
        metrics={"loss": float(np.mean(losses[-100:]))},
        extra={"step": step, "optimizer_scalars": optimizer_scalars})
    # Only now that the new checkpoint is complete: remove the older ones (manifest first, then weights).
    for old in sorted(out_dir.glob("step-*.json")) + sorted(out_dir.glob("step-*.safetensors")):
        if old.stem != name:
            old.unlink()
    return manifest


def load_checkpoint(out_dir, name: str, model, ema_model, optimizer, config: TrainConfig) -> tuple[int, list]:
    """Restore model, EMA and optimizer in place from a checkpoint; return (step, losses)."""
    tensors, manifest = checkpoints.load(out_dir, name)
    saved = manifest["config"]["train"]
    now = json.loads(json.dumps(asdict(config)))                        # compare as JSON sees it
    changed = {k: (saved.get(k), v) for k, v in now.items() if k not in RESUMABLE_CHANGES and saved.get(k) != v}
    if changed:
        raise checkpoints.CheckpointError(
            f"{Path(out_dir) / name} was trained with other settings {{field: (checkpoint, now)}}: {changed}. "
            "Use the same TrainConfig (only steps and checkpoint_every may change), another out_dir, or resume=False.")
    if manifest.get("threads", torch.get_num_threads()) != torch.get_num_threads():
        warnings.warn(f"the checkpoint was written with {manifest['threads']} threads and this run uses "
                      f"{torch.get_num_threads()}: the resumed run will not be bit-identical to an unbroken one")

    def part(prefix):
        return {k[len(prefix):]: v for k, v in tensors.items() if k.startswith(prefix)}
    model.load_state_dict(part("model."))
    ema_model.load_state_dict(part("ema."))
    optimizer.load_state_dict(unflatten_optimizer_state(optimizer, part("optimizer."),
                                                        manifest.get("optimizer_scalars", {})))
    return manifest["step"], tensors["losses"].tolist()


def flatten_optimizer_state(optimizer) -> tuple[dict, dict]:
    """optimizer.state_dict()["state"] {param index: {key: value}} as flat {"optimizer.3.exp_avg": tensor},
    plus a JSON-able dict for any non-tensor values. The param_groups hold the config's hyperparameters
    and are rebuilt from it on load."""
    tensors, scalars = {}, {}
    for index, state in optimizer.state_dict()["state"].items():
        for key, value in state.items():
            if torch.is_tensor(value):
                tensors[f"optimizer.{index}.{key}"] = value
            else:
                scalars[f"{index}.{key}"] = value
    return tensors, scalars


def unflatten_optimizer_state(optimizer, tensors: dict, scalars: dict) -> dict:
    """The inverse of flatten_optimizer_state, as a state dict for optimizer.load_state_dict."""
    state = {}
    for flat, value in list(tensors.items()) + list(scalars.items()):
        index, key = flat.split(".", 1)
        state.setdefault(int(index), {})[key] = value
    return {"state": state, "param_groups": optimizer.state_dict()["param_groups"]}
