"""The step loop both domain experiments share: epochs of steps, a progress bar, a checkpoint
at every epoch's end and on Ctrl-C."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from torch import nn

from minimaxlab.atomic import atomic_write_text
from minimaxlab.interrupt import StopSignal, TrainingInterrupted
from minimaxlab.runs import Run

# step → 0-d tensors to average over the epoch (kept on the device: no sync per step)
StepFn = Callable[[int], dict[str, torch.Tensor]]
EpochFn = Callable[[int, dict[str, float]], None]  # epoch (from 1), epoch means
SaveFn = Callable[[int, dict[str, torch.Tensor]], None]  # step, the current epoch's sums so far


@dataclass
class TrainingState:
    """A loop's model, optimiser and progress: restored from a checkpoint, saved into one."""

    model: nn.Module
    optimizer: torch.optim.Optimizer
    history: list[dict[str, Any]] = field(default_factory=list)  # one record per epoch
    sums: dict[str, torch.Tensor] = field(default_factory=dict)  # the current epoch's so far
    start_step: int = 0
    elapsed: float = 0.0  # seconds trained before this process
    started: float = field(default_factory=time.perf_counter)

    @classmethod
    def restore(
        cls, model: nn.Module, optimizer: torch.optim.Optimizer, checkpoint: dict | None
    ) -> TrainingState:
        """A fresh state, or the one ``checkpoint`` (from :meth:`checkpoint`) holds."""
        if checkpoint is None:
            return cls(model, optimizer)
        model.load_state_dict(checkpoint["model"])
        optimizer.load_state_dict(checkpoint["optimizer"])
        return cls(
            model,
            optimizer,
            checkpoint["history"],
            checkpoint["sums"],
            checkpoint["step"],
            checkpoint["seconds"],
        )

    @property
    def seconds(self) -> float:
        return self.elapsed + time.perf_counter() - self.started

    def checkpoint(self, step: int, sums: dict[str, torch.Tensor], **extra: Any) -> dict:
        return {
            **extra,
            "step": step,
            "model": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "history": self.history,
            "sums": dict(sums),
            "seconds": self.seconds,
        }


def run_epochs(
    epochs: int,
    steps_per_epoch: int,
    start_step: int,
    sums: dict[str, torch.Tensor],
    step_fn: StepFn,
    epoch_fn: EpochFn,
    save_fn: SaveFn,
    stop: StopSignal | None,
    description: str,
    progress: bool,
) -> None:
    """Run steps ``start_step`` … ``epochs·steps_per_epoch − 1``; ``sums`` holds what the
    current epoch summed before ``start_step`` (non-empty when resumed mid-epoch)."""
    total = epochs * steps_per_epoch
    bar = Progress(
        TextColumn(description),
        BarColumn(bar_width=24),
        MofNCompleteColumn(),
        TextColumn("{task.fields[numbers]}"),
        TimeRemainingColumn(),
        disable=not progress,
        transient=True,
    )
    with bar:
        task = bar.add_task("", total=total, completed=start_step, numbers="")
        for step in range(start_step, total):
            for key, value in step_fn(step).items():
                sums[key] = sums.get(key, 0.0) + value.detach()
            done = step + 1
            bar.update(task, advance=1)
            if done % steps_per_epoch == 0:  # the one read-back from the device per epoch
                means = {k: float(v) / steps_per_epoch for k, v in sums.items()}
                epoch_fn(done // steps_per_epoch, means)
                bar.update(task, numbers=" ".join(f"{k} {v:.3f}" for k, v in means.items()))
                sums.clear()
                save_fn(done, sums)
            if stop is not None and stop.requested:
                save_fn(done, sums)
                raise TrainingInterrupted(done)


def forget_records(run: Run, keep: Callable[[dict], bool]) -> None:
    """Rewrite metrics.jsonl with only the records ``keep`` accepts (training that a resume
    repeats must not appear twice in the curves)."""
    records = list(run.metrics())
    kept = [r for r in records if keep(r)]
    if len(kept) != len(records):
        atomic_write_text(run.metrics_path, "".join(json.dumps(r) + "\n" for r in kept))
