"""Choosing the device: a parameter everywhere, never a global."""

from __future__ import annotations

import torch

from minimaxlab.errors import MinimaxlabError


def resolve_device(spec: str = "auto") -> torch.device:
    """``auto`` picks CUDA when present, else the CPU; ``cpu``, ``cuda``, ``cuda:N`` are checked."""
    spec = spec.strip().lower()
    if spec == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        device = torch.device(spec)
    except RuntimeError:
        raise MinimaxlabError(f"unknown device {spec!r}; use auto, cpu, cuda or cuda:N") from None
    if device.type == "cpu":
        return device
    if device.type != "cuda":
        raise MinimaxlabError(f"device {spec!r} is not supported; use auto, cpu, cuda or cuda:N")
    if not torch.cuda.is_available():
        raise MinimaxlabError(
            f"device {spec!r} was asked for but no CUDA GPU is available; use --device cpu"
        )
    if device.index is not None and device.index >= torch.cuda.device_count():
        raise MinimaxlabError(
            f"device {spec!r} does not exist; this machine has {torch.cuda.device_count()} GPU(s)"
        )
    return device
