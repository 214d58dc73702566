"""Data-parallel training on CPU: two processes with half the batch each end where one process with the
whole batch ends (toolkit.recipes.train on accelerate, launched by torchrun over gloo)."""
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import torch

WORKER = Path(__file__).with_name("ddp_worker.py")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(args, tmp_path, name) -> dict:
    out = tmp_path / f"{name}.json"
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    subprocess.run([*args, str(WORKER), name, str(out)], check=True, env=env, timeout=300,
                   capture_output=True, text=True)
    return json.loads(out.read_text())


def test_two_processes_with_half_batches_match_one_with_the_whole_batch(tmp_path):
    torchrun = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2",
                "--master_addr", "127.0.0.1", "--master_port", str(free_port())]
    two = run(torchrun, tmp_path, "halves")
    one = run([sys.executable], tmp_path, "whole")
    assert two["processes"] == 2 and one["processes"] == 1          # really two processes, not one alone
    assert one["losses"][-1] < 0.5 * one["losses"][0]               # the run learned something
    for key, weight in one["weights"].items():
        torch.testing.assert_close(torch.tensor(two["weights"][key]), torch.tensor(weight), rtol=1e-5, atol=1e-5)
    # the losses logged are the mean over processes: the whole batch's loss
    torch.testing.assert_close(torch.tensor(two["losses"]), torch.tensor(one["losses"]), rtol=1e-5, atol=1e-5)
