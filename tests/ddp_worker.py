"""Trains a small regression network with toolkit.recipes.train, for tests/test_multiprocess.py.

    python tests/ddp_worker.py whole OUT.json                               # one process, batches of 16
    torchrun --nproc_per_node 2 tests/ddp_worker.py halves OUT.json         # two processes, 8 each

Half-batch k is fixed by k, and toolkit.recipes.train gives process r of W the batch step·W + r, so the two processes
of step s see half-batches 2s and 2s + 1: together exactly the whole batch s of the one-process run. The
loss draws no random numbers, so data-parallel training (gradients averaged across processes) must end
with the one-process run's weights, up to float rounding.
"""
import json
import sys

import torch
from accelerate import PartialState

from toolkit.recipes.train import TrainConfig, train

TARGET = torch.tensor([[1.0], [-2.0], [0.5], [3.0]])


def half_batch(k: int) -> dict:
    x = torch.randn(8, 4, generator=torch.Generator().manual_seed(k))
    return {"x": x, "y": x @ TARGET}


def whole_batch(k: int) -> dict:
    a, b = half_batch(2 * k), half_batch(2 * k + 1)
    return {key: torch.cat([a[key], b[key]]) for key in a}


def main(mode: str, out: str) -> None:
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(4, 16), torch.nn.Tanh(), torch.nn.Linear(16, 1))
    loss = lambda m, batch, generator: (m(batch["x"]) - batch["y"]).pow(2).mean()    # noqa: E731
    config = TrainConfig(steps=40, batch_size=16, lr=5e-2, warmup=1)
    result = train(model, loss, half_batch if mode == "halves" else whole_batch, config, progress=False)
    state = PartialState()
    if state.is_main_process:
        with open(out, "w") as f:
            json.dump({"processes": state.num_processes, "losses": result.losses,
                       "weights": {k: v.tolist() for k, v in result.model.state_dict().items()}}, f)


if __name__ == "__main__":
    main(*sys.argv[1:])
