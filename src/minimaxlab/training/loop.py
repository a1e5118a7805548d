"""The one training loop for everything that is not a GAN: steps of a caller's step function,
resumable to the bit.

The caller supplies ``step(i) -> {name: 0-d tensor}``: one update, given the global step index
``i`` (an epoch-based caller derives its epoch and batch from ``i``, and its shuffles from
(seed, epoch), so a resumed run draws the same batches). The loop

- sums the returned tensors on the device and reads them back once per record (every
  ``log_every`` steps, and at the end: one device sync), writing ``{"step", "epoch"?,
  "setting"?, means…, measures…}`` to ``metrics.jsonl`` and to :attr:`TrainingLoop.history`,
  where the measures are what the caller's ``measure()`` returns at that moment (say, test
  accuracy: numbers of the model as it is, not averaged over steps). Each mean is over the
  steps that returned that name, so a number only some steps return (a measurement at an
  epoch's last step) is recorded as it was returned;
- stops with :class:`TrainingDiverged` when a mean is nan or inf, before any checkpoint is
  written, so the one on disk is the last finite one;
- checkpoints its :class:`TrainingState` (models, optimisers, schedulers, generators, global
  RNGs), its history and the partial window every ``checkpoint_every`` steps, at the end and on
  a stop request (Ctrl-C), then raises TrainingInterrupted (the command line exits 130). A
  partial window is checked and carried in the checkpoint, not recorded, so a resumed run
  writes the same records as one that never stopped;
- resumes from that checkpoint when it belongs to the same ``key`` (one setting of a sweep),
  dropping the metric records that training after it wrote, so none appear twice.

Invariant: a run stopped at any step and resumed ends with the same weights, bit for bit, as a
run that never stopped (on the CPU), because every random draw comes from a state the
checkpoint holds or from a seed derived from the step.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from minimaxlab.errors import MinimaxlabError
from minimaxlab.interrupt import StopSignal, TrainingInterrupted
from minimaxlab.runs import Run
from minimaxlab.training.state import TrainingState, check_finite, stop_requested

StepFn = Callable[[int], dict[str, torch.Tensor]]
MeasureFn = Callable[[], dict[str, float]]  # numbers of the model at a record, not averaged
RecordFn = Callable[[dict[str, Any]], None]  # told of each record as it is written


@dataclass(frozen=True)
class Schedule:
    """How long to train and how often to record and checkpoint, in steps."""

    steps: int  # the total number of steps
    log_every: int  # steps per record (an epoch's length for epoch-based training)
    checkpoint_every: int | None = None  # None: at every record
    steps_per_epoch: int | None = None  # when given, records carry their epoch

    def __post_init__(self) -> None:
        if min(self.steps, self.log_every, self.checkpoint_every or 1) < 1:
            raise MinimaxlabError(f"a training schedule needs positive step counts ({self})")


class TrainingLoop:
    """Trains ``state`` with ``step`` on ``schedule``, checkpointing into ``run``."""

    def __init__(
        self,
        run: Run,
        state: TrainingState,
        step: StepFn,
        schedule: Schedule,
        *,
        key: str | None = None,
        checkpoint: str = "checkpoint.pt",
        stop: StopSignal | None = None,
        progress: bool = False,
        description: str = "train",
        measure: MeasureFn | None = None,
        on_record: RecordFn | None = None,
    ) -> None:
        self.run, self.state, self.step_fn, self.schedule = run, state, step, schedule
        self.key = key  # which setting of a sweep this is (None: the run's only training)
        self.checkpoint = checkpoint
        self.stop, self.progress, self.description = stop, progress, description
        self.measure, self.on_record = measure, on_record
        self.step = 0
        self.history: list[dict[str, Any]] = []  # every record, resumed ones included
        self.seconds = 0.0  # training time, summed over resumes
        self._sums: dict[str, torch.Tensor] = {}
        self._counts: dict[str, int] = {}  # steps of the current window that returned each name
        self._count = 0  # steps in the current window

    # ---- checkpoints -----------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        return {
            **self.state.state_dict(),
            "key": self.key,
            "step": self.step,
            "seconds": self.seconds,
            "history": self.history,
            "window": {
                "sums": dict(self._sums),
                "counts": dict(self._counts),
                "count": self._count,
            },
        }

    def save(self) -> None:
        if self._count:  # a partial window, carried over: checked like a record first
            check_finite(self._means(), self.step, str(self.run.path / self.checkpoint))
        self.run.save_torch(self.checkpoint, self.state_dict())

    def restore(self) -> bool:
        """Continue from this loop's checkpoint if the run has one for ``key``; either way,
        forget the records of this key that came after the restored step."""
        saved = None
        if (self.run.path / self.checkpoint).is_file():
            saved = self.run.load_torch(self.checkpoint)
            if not isinstance(saved, dict) or saved.get("key", ...) != self.key:
                saved = None  # another setting's checkpoint: this one starts afresh
        if saved is not None:
            self.state.load_state_dict(saved)
            self.step, self.seconds = saved["step"], saved["seconds"]
            self.history = saved["history"]
            device = _device_of(self.state)
            self._sums = {k: v.to(device) for k, v in saved["window"]["sums"].items()}
            self._counts, self._count = saved["window"]["counts"], saved["window"]["count"]
        self.run.drop_metrics(
            lambda r: r.get("setting") == self.key and r.get("step", 0) > self.step
        )
        return saved is not None

    # ---- the loop --------------------------------------------------------------------------
    def train(self) -> list[dict[str, Any]]:
        """Train from the current step to the schedule's end; returns the history."""
        schedule = self.schedule
        started = time.perf_counter()
        with self._bar() as bar:
            task = bar.add_task("", total=schedule.steps, completed=self.step, numbers="")
            while self.step < schedule.steps:
                for name, value in self.step_fn(self.step).items():
                    self._sums[name] = self._sums.get(name, 0.0) + value.detach()
                    self._counts[name] = self._counts.get(name, 0) + 1
                self._count += 1
                self.step += 1
                bar.update(task, advance=1)
                if self.step % schedule.log_every == 0:
                    bar.update(task, numbers=_numbers(self.record()))
                stopping = stop_requested(self.stop)
                if stopping or self.step == schedule.steps or self._checkpoint_due():
                    self.seconds += time.perf_counter() - started
                    started = time.perf_counter()
                    if self.step == schedule.steps:
                        self.record()  # the last window, however short
                    self.save()
                if stopping:
                    raise TrainingInterrupted(self.step)
        return self.history

    def _checkpoint_due(self) -> bool:
        every = self.schedule.checkpoint_every or self.schedule.log_every
        return self.step % every == 0

    def record(self) -> dict[str, Any] | None:
        """Write the means of the window (one read-back from the device), if it has steps."""
        if self._count == 0:
            return None
        means = self._means()
        check_finite(means, self.step, str(self.run.path / self.checkpoint))
        record: dict[str, Any] = {"step": self.step}
        if self.schedule.steps_per_epoch:
            record["epoch"] = self.step / self.schedule.steps_per_epoch
        if self.key is not None:
            record["setting"] = self.key
        record.update(means)
        if self.measure is not None:
            record.update(self.measure())
        self.run.log_metrics(record)
        self.history.append(record)
        self._sums, self._counts, self._count = {}, {}, 0
        if self.on_record is not None:
            self.on_record(record)
        return record

    def _means(self) -> dict[str, float]:
        return {k: float(v) / self._counts[k] for k, v in self._sums.items()}

    def _bar(self) -> Progress:
        return Progress(
            TextColumn(self.description),
            BarColumn(bar_width=24),
            MofNCompleteColumn(),
            TextColumn("{task.fields[numbers]}"),
            TimeRemainingColumn(),
            disable=not self.progress,
            transient=True,
        )


def _numbers(record: dict[str, Any] | None) -> str:
    if record is None:
        return ""
    return " ".join(f"{k} {v:.3f}" for k, v in record.items() if k not in ("step", "setting"))


def _device_of(state: TrainingState) -> torch.device:
    for model in state.models.values():
        for tensor in model.parameters():
            return tensor.device
    return torch.device("cpu")
