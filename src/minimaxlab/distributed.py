"""Data-parallel training under torchrun: one process per device, rank 0 writes the run.

``torchrun --nproc_per_node N -m minimaxlab run <experiment> …`` sets WORLD_SIZE, RANK and
LOCAL_RANK; every process then trains the same models on its shard of each batch and
DistributedDataParallel averages the gradients (NCCL between GPUs, gloo on the CPU).
"""

from __future__ import annotations

import os

import torch
import torch.distributed as dist

from minimaxlab.device import resolve_device


def launched() -> bool:
    """Whether torchrun started this process: it sets WORLD_SIZE, also to 1, so that
    ``torchrun --nproc_per_node 1`` trains through DistributedDataParallel too."""
    return int(os.environ.get("WORLD_SIZE", "0")) >= 1


def setup(device_spec: str) -> torch.device:
    """Join torchrun's process group; this process's device (GPU number LOCAL_RANK on CUDA)."""
    device = resolve_device(device_spec)
    if device.type == "cuda":
        device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0")))
        torch.cuda.set_device(device)
    if not dist.is_initialized():
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
    return device


def process_group() -> tuple[int, int] | None:
    """(this process's rank, the number of processes) in a process group, or None outside one."""
    if not (dist.is_available() and dist.is_initialized()):
        return None
    return dist.get_rank(), dist.get_world_size()


def is_main() -> bool:
    """Rank 0, or the only process: the one that writes files."""
    group = process_group()
    return group is None or group[0] == 0


def mean_over_processes(tensor: torch.Tensor) -> torch.Tensor:
    """The mean of ``tensor`` over the processes of the group (a copy; ``tensor`` outside one)."""
    group = process_group()
    if group is None:
        return tensor
    total = tensor.clone()
    dist.all_reduce(total)
    return total / group[1]


def teardown() -> None:
    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()
