"""The whole lab in one command: every registered experiment whose data is on this machine,
one after another, each timed; a failure is recorded and the next one runs; ``index.html``
links every report."""

from __future__ import annotations

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
) -> tuple[list[LabEntry], Path]:
    """Run the selected experiments into ``out`` (default runs/) and write ``out/index.html``.

    ``overrides`` maps an experiment's name to its key=value overrides. ``on_entry`` is called
    as each experiment starts (status "running") and ends. Returns the entries and the index.
    """
    names = select_experiments(only, skip)
    root = Path(out) if out is not None else DEFAULT_ROOT
    make_folder(root)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    book = _LabBook(root / "index.html", profile, on_entry)
    launch = functools.partial(
        run_experiment, profile=profile, seed=seed, device=device, progress=progress
    )
    for name in names:
        entry = book.start(name)
        extra = list((overrides or {}).get(name, ()))
        entry.status, entry.reason = _readiness(name, profile, extra)
        if entry.status == "running":
            book.notify(entry)
            _run_entry(
                entry, root / f"{name}-{stamp}", functools.partial(launch, overrides=extra), book
            )
        book.publish(entry)
    book.publish()
    return book.entries, book.index


@dataclass
class _LabBook:
    """The lab's entries so far, written into index.html as each one changes."""

    index: Path
    profile: str
    on_entry: Callable[[LabEntry], None] | None
    entries: list[LabEntry] = field(default_factory=list)
    started: float = field(default_factory=time.perf_counter)

    def start(self, name: str) -> LabEntry:
        self.entries.append(LabEntry(name, "running"))
        return self.entries[-1]

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


def _run_entry(entry: LabEntry, folder: Path, launch: Callable[..., Run], book: _LabBook) -> None:
    """Run ``entry``'s experiment into ``folder`` and record how it ended. A failure is
    recorded (with its traceback in error.txt) and the lab goes on; Ctrl-C ends the lab."""
    entry.run_dir = folder
    clock = time.perf_counter()
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", UserWarning)
            launch(entry.name, out=folder)
        entry.status = "finished"
    except (TrainingInterrupted, KeyboardInterrupt):
        entry.status, entry.reason = "interrupted", "stopped by the user; the lab stopped here"
        entry.seconds = time.perf_counter() - clock
        book.publish()
        raise
    except Exception as err:  # one experiment's failure must not end the lab
        entry.status, entry.reason = "failed", _one_line(err)
        atomic_write_text(folder / "error.txt", traceback.format_exc())
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
