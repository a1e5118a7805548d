"""Checkpoints hold data, never code: every file is written with ``torch.save`` and read back
with ``torch.load(weights_only=True)``, the unpickler that builds only tensors and plain types.

A run folder can come from someone else (a shared study, a notebook), so a ``checkpoint.pt``
must not be able to run anything when ``sample``, ``evaluate`` or ``--resume`` opens it. What a
checkpoint holds besides weights (RNG states, counters, a config) is stored as tensors and
plain Python values (``reproducibility.global_rng_state`` gives the RNG states in that form).

Checkpoints written before this module (format 1 of the GAN trainer and the other loops) hold
NumPy arrays inside their RNG states; they are still read, with the allow-list widened to
NumPy's array reconstruction and nothing else.
"""

from __future__ import annotations

import io
import os
import pickle
from pathlib import Path
from typing import Any

import numpy as np
import torch

from minimaxlab.atomic import atomic_write_bytes
from minimaxlab.errors import MinimaxlabError

UNSAFE = "not a minimaxlab checkpoint or unsafe"


def save_checkpoint(path: str | os.PathLike, state: Any) -> Path:
    """``torch.save`` ``state`` to ``path`` atomically (serialised in memory, then renamed)."""
    buffer = io.BytesIO()
    torch.save(state, buffer)
    atomic_write_bytes(path, buffer.getvalue())
    return Path(path)


def _legacy_numpy_globals() -> list[Any]:
    """What a NumPy array in an old checkpoint's RNG state needs: the array, its dtype."""
    core = getattr(np, "_core", None) or np.core
    allowed = [core.multiarray._reconstruct, np.ndarray, np.dtype]
    allowed += [type(np.dtype(name)) for name in ("uint32", "int64", "float64")]
    return allowed


def load_checkpoint(path: str | os.PathLike, map_location: str | torch.device = "cpu") -> Any:
    """What :func:`save_checkpoint` wrote, read without running any code from the file.

    A missing, damaged or unsafe file raises MinimaxlabError naming it.
    """
    path = Path(path)
    if not path.is_file():
        raise MinimaxlabError(
            f"{path.parent} has no {path.name}; the run stopped before its first checkpoint"
        )
    try:
        try:
            return torch.load(path, map_location=map_location, weights_only=True)
        except pickle.UnpicklingError:
            with torch.serialization.safe_globals(_legacy_numpy_globals()):
                return torch.load(path, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError:
        raise MinimaxlabError(
            f"{path} is {UNSAFE} (it asks to build objects a checkpoint never holds); "
            "it was not loaded: delete it or use a run folder you trust"
        ) from None
    except (OSError, RuntimeError, EOFError, ValueError, KeyError, IndexError) as err:
        raise MinimaxlabError(
            f"cannot read {path} ({type(err).__name__}): the file is damaged or "
            f"{UNSAFE}; delete it, or train the run again"
        ) from None
