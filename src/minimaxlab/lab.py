"""The whole lab in one command: every registered experiment whose data is on this machine,
each timed; a failure is recorded and the next one runs; ``index.html`` links every report.

On a CPU the experiments run side by side, ``jobs`` at a time in their own processes, each on
its share of the threads (``minimaxlab.processes``): torch spreads one model's work over two
threads less well than two models get done on one thread each. Measured on the project's
2-core CPU (2026-12-07, each started at load < 0.5 with nothing else running):

- one thread instead of two: gan-2d 42 s instead of 52, mode-bench (shortened) 18 s instead of
  22, but nce-sampler 70 s instead of 49 and multitask 70 s instead of 44;
- two one-thread DCGAN trainers side by side made 616 images/s together, against 557 for one
  trainer on two threads;
- the quick lab took 25 min 33 s two at a time, against 35 min 29 s one at a time (README).

A run on one thread sums in another order than on two, so its numbers match a lone run's in
law, not bit for bit (its run folder records the threads).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import os
import time
import traceback
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from minimaxlab.atomic import atomic_write_text, make_folder
from minimaxlab.config import resolve_config
from minimaxlab.errors import MinimaxlabError
from minimaxlab.experiments import EXPERIMENTS
from minimaxlab.experiments.base import missing_data
from minimaxlab.interrupt import TrainingInterrupted
from minimaxlab.launch import run_experiment
from minimaxlab.processes import Outcome, run_side_by_side
from minimaxlab.report.index import IndexCard, headline_figure, write_index
from minimaxlab.report.numbers import shown_numbers
from minimaxlab.runs import DEFAULT_ROOT, Run


@dataclass
class LabEntry:
    """What became of one experiment of the lab."""

    name: str
    status: str  # finished, failed, skipped or interrupted
    reason: str | None = None  # why it was skipped or how it failed, one line
    seconds: float | None = None  # wall time, evaluation included
    run_dir: Path | None = None
    notes: list[str] = field(default_factory=list)  # warnings it raised (e.g. a data fallback)


def select_experiments(only: Sequence[str] = (), skip: Sequence[str] = ()) -> list[str]:
    """The registered names, in registry order, limited to ``only`` and without ``skip``."""
    unknown = sorted({*only, *skip} - set(EXPERIMENTS))
    if unknown:
        raise MinimaxlabError(
            f"unknown experiment{'s' if len(unknown) > 1 else ''} {', '.join(unknown)} in "
            f"--only/--skip; known experiments: {', '.join(sorted(EXPERIMENTS))}"
        )
    return [n for n in EXPERIMENTS if (not only or n in only) and n not in skip]


def _one_line(err: BaseException) -> str:
    text = str(err).strip().splitlines()
    message = text[0] if text else ""
    return message if isinstance(err, MinimaxlabError) else f"{type(err).__name__}: {message}"


MAX_AUTO_JOBS = 4  # each experiment holds its data and models: a laptop's memory bounds this


def lab_jobs(jobs: int | None, device: str | None) -> int:
    """How many experiments at a time ``jobs`` (None: auto) means on ``device``.

    Auto: one at a time on a GPU, which one experiment keeps busy; on a CPU as many as torch
    has threads, up to MAX_AUTO_JOBS."""
    import torch

    from minimaxlab.device import resolve_device

    if jobs is None:
        on_gpu = resolve_device(device or "auto").type == "cuda"
        return 1 if on_gpu else max(1, min(MAX_AUTO_JOBS, torch.get_num_threads()))
    if jobs < 1:
        raise MinimaxlabError(f"--jobs must be 1 or more, not {jobs}")
    return jobs


def run_lab(
    *,
    profile: str = "full",
    only: Sequence[str] = (),
    skip: Sequence[str] = (),
    out: str | os.PathLike | None = None,
    device: str | None = None,
    seed: int | None = None,
    overrides: Mapping[str, Sequence[str]] | None = None,
    progress: bool = True,
    on_entry: Callable[[LabEntry], None] | None = None,
    jobs: int | None = 1,
) -> tuple[list[LabEntry], Path]:
    """Run the selected experiments into ``out`` (default runs/) and write ``out/index.html``.

    ``overrides`` maps an experiment's name to its key=value overrides. ``on_entry`` is called
    as each experiment starts (status "running") and ends. ``jobs`` > 1 runs that many at a
    time, each in its own process on its share of torch's threads and without a progress bar;
    None decides by the device (:func:`lab_jobs`). Returns the entries and the index.
    """
    names = select_experiments(only, skip)
    jobs = lab_jobs(jobs, device)
    root = Path(out) if out is not None else DEFAULT_ROOT
    make_folder(root)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    book = _LabBook(root / "index.html", profile, on_entry)
    ready: list[tuple[LabEntry, Callable[..., Run]]] = []
    for name in names:
        extra = list((overrides or {}).get(name, ()))
        entry = LabEntry(name, *_readiness(name, profile, extra))
        if entry.status == "running":
            entry.run_dir = root / f"{name}-{stamp}"
            ready.append((entry, functools.partial(run_experiment, overrides=extra)))
        else:
            book.add(entry)
            book.publish(entry)
    options = {"profile": profile, "seed": seed, "device": device}
    if min(jobs, len(ready)) > 1:
        _run_side_by_side(ready, jobs, options, book)
    else:
        for entry, launch in ready:
            book.add(entry)
            book.notify(entry)
            try:
                _run_entry(entry, functools.partial(launch, progress=progress, **options))
            except (TrainingInterrupted, KeyboardInterrupt):
                book.publish()
                raise
            book.publish(entry)
    book.publish()
    return book.entries, book.index


def _run_side_by_side(
    ready: list[tuple[LabEntry, Callable[..., Run]]],
    jobs: int,
    options: dict[str, object],
    book: _LabBook,
) -> None:
    """Run the ``ready`` entries ``jobs`` at a time, in processes that share torch's threads;
    Ctrl-C ends the lab once the running experiments have stopped (KeyboardInterrupt)."""
    import torch

    threads = max(1, torch.get_num_threads() // min(jobs, len(ready)))

    def started(index: int) -> None:
        entry = ready[index][0]
        book.add(entry)
        book.publish()
        book.notify(entry)

    def ended(index: int, outcome: Outcome) -> None:
        entry = ready[index][0]
        if outcome.returned:
            done: LabEntry = outcome.value
            entry.status, entry.reason = done.status, done.reason
            entry.seconds, entry.notes = done.seconds, done.notes
        else:
            entry.status = "failed"
            entry.reason = f"its process ended (exit code {outcome.exitcode}) before it reported"
        book.publish(entry)

    calls = [
        (_entry_in_process, (entry, functools.partial(launch, progress=False, **options)))
        for entry, launch in ready
    ]
    if not run_side_by_side(calls, jobs, threads, started, ended):
        book.publish()
        raise KeyboardInterrupt


def _entry_in_process(entry: LabEntry, launch: Callable[..., Run]) -> LabEntry:
    """One experiment of the lab in a process of its own: its entry, however it ended."""
    with contextlib.suppress(TrainingInterrupted, KeyboardInterrupt):  # the parent ends the lab
        _run_entry(entry, launch)
    return entry


_REGISTRY_ORDER = {name: i for i, name in enumerate(EXPERIMENTS)}


@dataclass
class _LabBook:
    """The lab's entries so far, written into index.html as each one changes."""

    index: Path
    profile: str
    on_entry: Callable[[LabEntry], None] | None
    entries: list[LabEntry] = field(default_factory=list)
    started: float = field(default_factory=time.perf_counter)

    def add(self, entry: LabEntry) -> None:
        """List ``entry``; the list keeps the registry's order, whatever order they start in."""
        self.entries.append(entry)
        self.entries.sort(key=lambda e: _REGISTRY_ORDER[e.name])

    def notify(self, entry: LabEntry) -> None:
        if self.on_entry is not None:
            self.on_entry(entry)

    def publish(self, entry: LabEntry | None = None) -> None:
        """Rewrite index.html; then tell ``on_entry`` that ``entry`` has ended, if given."""
        cards = [_card(e) for e in self.entries]
        seconds = time.perf_counter() - self.started
        write_index(cards, self.index, profile=self.profile, seconds=seconds)
        if entry is not None:
            self.notify(entry)


def _readiness(name: str, profile: str, overrides: list[str]) -> tuple[str, str | None]:
    """("running", None) when the experiment can run here; else "failed" with its config
    error, or "skipped" with the data it lacks."""
    experiment = EXPERIMENTS[name]
    try:
        config = resolve_config(experiment.config_class, name, profile, overrides)
        reason = missing_data(experiment, config)
    except MinimaxlabError as err:
        return "failed", _one_line(err)
    return ("running", None) if reason is None else ("skipped", reason)


def _run_entry(entry: LabEntry, launch: Callable[..., Run]) -> None:
    """Run ``entry``'s experiment into its run folder and record how it ended. A failure is
    recorded (with its traceback in error.txt); Ctrl-C is recorded and raised again."""
    folder = entry.run_dir
    clock = time.perf_counter()
    caught: list[warnings.WarningMessage] = []
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", UserWarning)
            launch(entry.name, out=folder)
        entry.status = "finished"
    except (TrainingInterrupted, KeyboardInterrupt):
        entry.status, entry.reason = "interrupted", "stopped by the user; the lab stopped here"
        raise
    except Exception as err:  # one experiment's failure must not end the lab
        entry.status, entry.reason = "failed", _one_line(err)
        atomic_write_text(folder / "error.txt", traceback.format_exc())
    finally:
        entry.seconds = time.perf_counter() - clock
        entry.notes = list(dict.fromkeys(str(w.message) for w in caught))


def _card(entry: LabEntry) -> IndexCard:
    """What the index shows of ``entry``: its experiment's description, the key numbers of
    its summary and its headline figure, gathered here so the index looks nothing up."""
    experiment = EXPERIMENTS[entry.name]
    card = IndexCard(
        entry.name,
        experiment.description,
        entry.status,
        reason=entry.reason,
        notes=entry.notes,
        seconds=entry.seconds,
        run_dir=entry.run_dir,
    )
    if entry.run_dir is not None and entry.run_dir.is_dir():
        card.numbers = shown_numbers(Run(entry.run_dir).read_summary(), experiment.key_numbers)
        card.figure = headline_figure(entry.run_dir, experiment.headline_figure)
    return card


def results_table(entries: Sequence[LabEntry]) -> str:
    """A Markdown table of the lab: status, time and key numbers of each experiment."""
    lines = ["| experiment | status | time | key numbers |", "|---|---|---|---|"]
    for card in map(_card, entries):
        numbers = "; ".join(number.text() for number in card.numbers)
        status = card.status + (f" ({card.reason})" if card.reason else "")
        seconds = "—" if card.seconds is None else f"{card.seconds:,.0f} s"
        lines.append(f"| `{card.name}` | {status} | {seconds} | {numbers or '—'} |")
    return "\n".join(lines)
