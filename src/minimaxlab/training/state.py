"""What a training checkpoint holds, and the checks every loop makes before writing one.

:class:`TrainingState` gathers the things that change while a model trains — modules,
optimisers, schedulers, torch generators, and every global RNG — and turns them into one
checkpoint of tensors and plain values (see ``minimaxlab.checkpoint``), and back. The generic
loop (``training/loop.py``) and the GAN trainer (``gan/trainer.py``) both checkpoint through it,
so a resumed run of either restores the same set of states.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

from minimaxlab.errors import MinimaxlabError
from minimaxlab.interrupt import StopSignal
from minimaxlab.reproducibility import global_rng_state, set_global_rng_state

CHECKPOINT_FORMAT = 2  # 1: before minimaxlab.checkpoint (NumPy arrays in the RNG state)


class TrainingDiverged(MinimaxlabError):
    """A loss became nan or inf; the checkpoint on disk is the last one with finite losses."""


@dataclass
class TrainingState:
    """The parts of training a checkpoint saves and a resume restores."""

    models: Mapping[str, nn.Module]
    optimizers: Mapping[str, torch.optim.Optimizer] = field(default_factory=dict)
    schedulers: Mapping[str, Any] = field(default_factory=dict)  # lr_scheduler objects
    generators: Mapping[str, torch.Generator] = field(default_factory=dict)

    def state_dict(self) -> dict[str, Any]:
        def states(items: Mapping[str, Any]) -> dict[str, Any]:
            return {name: item.state_dict() for name, item in items.items()}

        return {
            "format": CHECKPOINT_FORMAT,
            "models": states(self.models),
            "optimizers": states(self.optimizers),
            "schedulers": states(self.schedulers),
            "generators": {n: g.get_state() for n, g in self.generators.items()},
            "rng": global_rng_state(),
        }

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Restore what :meth:`state_dict` saved; a checkpoint of other models is refused."""
        load_models(state, **self.models)
        for group in ("optimizers", "schedulers"):
            saved = state.get(group, {})
            for name, item in getattr(self, group).items():
                if name not in saved:
                    raise MinimaxlabError(f"the checkpoint holds no {group[:-1]} {name!r}")
                item.load_state_dict(saved[name])
        for name, generator in self.generators.items():
            generator.set_state(state["generators"][name].cpu())
        set_global_rng_state(state["rng"])


def load_models(state: Mapping[str, Any], **models: nn.Module) -> None:
    """Load each named model's weights from a checkpoint, or say why they do not fit."""
    for name, model in models.items():
        weights = state.get("models", {}).get(name)
        if weights is None:
            raise MinimaxlabError(f"the checkpoint holds no {name}")
        try:
            model.load_state_dict(weights)
        except RuntimeError as err:
            first = str(err).strip().splitlines()[0]
            raise MinimaxlabError(
                f"the checkpoint's {name} does not fit the architecture in the config "
                f"({first}); use the config the run was trained with"
            ) from None


def check_finite(means: Mapping[str, float], step: int, checkpoint: str) -> None:
    """Stop a run whose logged means went nan or inf, before it overwrites a good checkpoint."""
    bad = {k: v for k, v in means.items() if isinstance(v, float) and not math.isfinite(v)}
    if bad:
        shown = ", ".join(f"{k} = {v}" for k, v in bad.items())
        raise TrainingDiverged(
            f"training diverged by step {step} ({shown}); the last finite checkpoint is kept "
            f"in {checkpoint}: lower the learning rate, or resume it with other settings"
        )


def stop_requested(stop: StopSignal | None) -> bool:
    return stop is not None and stop.requested
