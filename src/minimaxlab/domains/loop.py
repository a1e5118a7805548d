"""The step loop both domain experiments share: epochs of steps, a progress bar, a checkpoint
at every epoch's end and on Ctrl-C."""

from __future__ import annotations

import json
from collections.abc import Callable

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from minimaxlab.atomic import atomic_write_text
from minimaxlab.interrupt import StopSignal, TrainingInterrupted
from minimaxlab.runs import Run

StepFn = Callable[[int], dict[str, float]]  # step → numbers to average over the epoch
EpochFn = Callable[[int, dict[str, float]], None]  # epoch (from 1), epoch means
SaveFn = Callable[[int, dict[str, float]], None]  # step, the current epoch's sums so far


def run_epochs(
    epochs: int,
    steps_per_epoch: int,
    start_step: int,
    sums: dict[str, float],
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
            numbers = step_fn(step)
            for key, value in numbers.items():
                sums[key] = sums.get(key, 0.0) + value
            done = step + 1
            bar.update(
                task,
                advance=1,
                numbers=" ".join(f"{k} {v:.3f}" for k, v in numbers.items()),
            )
            if done % steps_per_epoch == 0:
                epoch_fn(done // steps_per_epoch, {k: v / steps_per_epoch for k, v in sums.items()})
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
