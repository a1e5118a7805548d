"""The whole lab in one command: every registered experiment whose data is on this machine,
one after another, each timed; a failure is recorded and the next one runs; ``index.html``
links every report."""

from __future__ import annotations

import datetime as dt
import os
import time
import traceback
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from minimaxlab.config import resolve_config
from minimaxlab.data.config import ImageDataConfig
from minimaxlab.data.registry import is_available
from minimaxlab.errors import MinimaxlabError
from minimaxlab.experiments import EXPERIMENTS, Experiment
from minimaxlab.interrupt import TrainingInterrupted
from minimaxlab.launch import run_experiment
from minimaxlab.report.index import write_index
from minimaxlab.runs import DEFAULT_ROOT


@dataclass
class LabEntry:
    """What became of one experiment of the lab."""

    name: str
    status: str  # finished, failed, skipped or interrupted
    reason: str | None = None  # why it was skipped or how it failed, one line
    seconds: float | None = None  # wall time, evaluation included
    run_dir: Path | None = None
    notes: list[str] = field(default_factory=list)  # warnings it raised (e.g. a data fallback)


def _image_data_sections(model: BaseModel) -> list[ImageDataConfig]:
    sections = []
    for name in type(model).model_fields:
        value = getattr(model, name)
        if isinstance(value, ImageDataConfig):
            sections.append(value)
        elif isinstance(value, BaseModel):
            sections += _image_data_sections(value)
    return sections


def missing_data(experiment: Experiment, config: Any) -> str | None:
    """Why ``config`` cannot run here (its data is missing), or None when it can."""
    if experiment.missing_data is not None:
        return experiment.missing_data(config)
    for section in _image_data_sections(config):
        names = [section.name, *section.fallbacks]
        if not any(is_available(name, section.root) for name in names):
            return (
                f"needs {' or '.join(names)}, not on this machine "
                f"(minimaxlab data fetch {section.name})"
            )
    return None


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
    root.mkdir(parents=True, exist_ok=True)
    index = root / "index.html"
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    entries: list[LabEntry] = []
    started = time.perf_counter()

    def publish() -> None:
        write_index(entries, index, profile=profile, seconds=time.perf_counter() - started)

    for name in names:
        experiment = EXPERIMENTS[name]
        extra = list((overrides or {}).get(name, ()))
        entry = LabEntry(name, "running")
        entries.append(entry)
        try:
            config = resolve_config(experiment.config_class, name, profile, extra)
            entry.reason = missing_data(experiment, config)
        except MinimaxlabError as err:
            entry.status, entry.reason = "failed", _one_line(err)
            publish()
            _notify(on_entry, entry)
            continue
        if entry.reason is not None:
            entry.status = "skipped"
            publish()
            _notify(on_entry, entry)
            continue
        _notify(on_entry, entry)
        folder = root / f"{name}-{stamp}"
        entry.run_dir = folder
        clock = time.perf_counter()
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", UserWarning)
                run_experiment(
                    name,
                    profile=profile,
                    overrides=extra,
                    seed=seed,
                    device=device,
                    out=folder,
                    progress=progress,
                )
            entry.status = "finished"
        except (TrainingInterrupted, KeyboardInterrupt):
            entry.status, entry.reason = "interrupted", "stopped by the user; the lab stopped here"
            entry.seconds = time.perf_counter() - clock
            publish()
            raise
        except Exception as err:  # one experiment's failure must not end the lab
            entry.status, entry.reason = "failed", _one_line(err)
            folder.mkdir(parents=True, exist_ok=True)
            (folder / "error.txt").write_text(traceback.format_exc(), encoding="utf-8")
        entry.seconds = time.perf_counter() - clock
        entry.notes = list(dict.fromkeys(str(w.message) for w in caught))
        publish()
        _notify(on_entry, entry)
    publish()
    return entries, index


def _notify(on_entry: Callable[[LabEntry], None] | None, entry: LabEntry) -> None:
    if on_entry is not None:
        on_entry(entry)


def results_table(entries: Sequence[LabEntry]) -> str:
    """A Markdown table of the lab: status, time and key numbers of each experiment."""
    from minimaxlab.report.index import key_numbers
    from minimaxlab.runs import Run

    lines = ["| experiment | status | time | key numbers |", "|---|---|---|---|"]
    for entry in entries:
        summary = Run(entry.run_dir).read_summary() if entry.run_dir else {}
        numbers = "; ".join(
            f"{k} {v}" for k, v in key_numbers(EXPERIMENTS[entry.name], summary).items()
        )
        status = entry.status + (f" ({entry.reason})" if entry.reason else "")
        seconds = "—" if entry.seconds is None else f"{entry.seconds:,.0f} s"
        lines.append(f"| `{entry.name}` | {status} | {seconds} | {numbers or '—'} |")
    return "\n".join(lines)
