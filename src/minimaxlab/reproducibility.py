"""Seeds, random-number-generator states and the record of the environment a run used."""

from __future__ import annotations

import os
import platform
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import torch

import minimaxlab


def seed_everything(seed: int, device: torch.device, deterministic: bool = False) -> None:
    """Seed Python, NumPy and torch (CPU and CUDA); with ``deterministic``, also make the
    kernels bitwise repeatable between processes (one CPU thread; deterministic GPU kernels)."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)  # also seeds every CUDA device
    if device.type == "cuda":
        # cheap for models of this size, and it removes cuDNN's run-to-run algorithm choice
        torch.backends.cudnn.deterministic = True
        torch.backends.cudnn.benchmark = False
    if not deterministic:
        return
    if device.type == "cpu":
        # Measured: 2-thread CPU runs of one config gave 3 different results in 10 processes;
        # 1-thread runs gave 10 identical ones.
        torch.set_num_threads(1)
    else:
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
        torch.use_deterministic_algorithms(True)


def derived_seed(seed: int, *stream: int) -> int:
    """A seed for a named sub-stream (for example an epoch's shuffle), stable across runs."""
    return int(np.random.SeedSequence([seed % 2**63, *stream]).generate_state(1, np.uint64)[0] >> 1)


def seeded_generator(seed: int, device: torch.device | str) -> torch.Generator:
    """A torch generator on ``device`` seeded with ``seed``, so draws happen where they are used."""
    generator = torch.Generator(device=device)
    generator.manual_seed(seed)
    return generator


def global_rng_state() -> dict[str, Any]:
    """Every global generator's state, as tensors and plain values (safe to load)."""
    kind, key, position, has_gauss, gauss = np.random.get_state(legacy=True)
    state: dict[str, Any] = {
        "python": random.getstate(),
        "numpy": {
            "kind": kind,
            "key": torch.from_numpy(key.astype(np.int64)),
            "position": int(position),
            "has_gauss": int(has_gauss),
            "gauss": float(gauss),
        },
        "torch": torch.get_rng_state(),
    }
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_global_rng_state(state: dict[str, Any]) -> None:
    """Restore what :func:`global_rng_state` saved (or an old checkpoint's NumPy tuple)."""
    random.setstate(_python_state(state["python"]))
    numpy_state = state["numpy"]
    if isinstance(numpy_state, dict):
        key = numpy_state["key"].cpu().numpy().astype(np.uint32)
        numpy_state = (
            numpy_state["kind"],
            key,
            numpy_state["position"],
            numpy_state["has_gauss"],
            numpy_state["gauss"],
        )
    np.random.set_state(numpy_state)
    torch.set_rng_state(state["torch"].cpu())
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all([s.cpu() for s in state["cuda"]])


def _python_state(value: Any) -> tuple:
    """``random.setstate`` wants tuples; a state that went through lists is mended."""
    version, internal, gauss = value
    return (version, tuple(internal), gauss)


def _git_commit() -> str | None:
    root = Path(__file__).resolve().parents[2]
    if not (root / ".git").exists():
        return None
    try:
        out = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def environment_info(device: torch.device, seed: int) -> dict[str, Any]:
    """Versions, hardware and seed: what a reader needs to trust or repeat a run."""
    info: dict[str, Any] = {
        "minimaxlab": minimaxlab.__version__,
        "git_commit": _git_commit(),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "torch": torch.__version__,
        "numpy": np.__version__,
        "device": str(device),
        "cpu_threads": torch.get_num_threads(),
        "deterministic_algorithms": torch.are_deterministic_algorithms_enabled(),
        "seed": seed,
        "command": " ".join(Path(sys.argv[0]).name.split() + sys.argv[1:]),
    }
    if device.type == "cuda":
        info["gpu"] = torch.cuda.get_device_name(device)
        info["cuda"] = torch.version.cuda
        info["cudnn"] = torch.backends.cudnn.version()
    return info
