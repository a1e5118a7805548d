"""The report of a run folder, with its experiment's account: what every tool calls after it
has added to a run. This is the one place that looks a run's experiment up to render its
report; the report layer itself is handed the paragraphs."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

from minimaxlab.experiments import EXPERIMENTS
from minimaxlab.report import write_report
from minimaxlab.report.account import status_account
from minimaxlab.report.index import duration
from minimaxlab.report.numbers import ShownNumber, shown_numbers
from minimaxlab.runs import Run


def account_of(summary: dict[str, Any], config: dict[str, Any]) -> list[str]:
    """Paragraphs about a run: its experiment's own account once it has finished, else (or
    when it has none, or cannot read this summary) its description and status."""
    experiment = EXPERIMENTS.get(config.get("experiment", ""))
    if experiment is None:
        return [f"A run of {config.get('experiment', 'an unknown experiment')}."]
    if experiment.account is None or summary.get("status") != "finished":
        return status_account(experiment.description, summary)
    try:
        return experiment.account(summary, config)
    except (KeyError, TypeError, ValueError) as err:  # a summary of an older format
        warnings.warn(
            f"{experiment.name}'s account could not read this summary ({type(err).__name__}: "
            f"{err}); the report shows the description instead",
            stacklevel=2,
        )
        return status_account(experiment.description, summary)


def key_numbers_of(summary: dict[str, Any], config: dict[str, Any]) -> list[ShownNumber]:
    """A run's key numbers in words, each beside its floor: those its experiment names (the
    first plain values of the summary when it names none, or is unknown)."""
    experiment = EXPERIMENTS.get(config.get("experiment", ""))
    return shown_numbers(summary, experiment.key_numbers if experiment is not None else ())


def write_run_report(run: Run) -> Path:
    """Render ``run``'s report.html from its folder, with its experiment's account and key
    numbers."""
    run.check_files()  # a damaged file is named before any figure is drawn again
    summary, config = run.read_summary(), run.read_config()
    return write_report(
        run, account=account_of(summary, config), numbers=key_numbers_of(summary, config)
    )


def closing_lines(run: Run, wall_s: float) -> list[str]:
    """What ``minimaxlab run`` prints when a run ends: its key numbers in words (each beside
    its floor), the wall time, and where its report is."""
    summary, config = run.read_summary(), run.read_config()
    lines = [f"{config.get('experiment', 'run')}: {summary.get('status')}"]
    lines += [f"  {number.text()}" for number in key_numbers_of(summary, config)]
    lines.append(f"  wall time {duration(wall_s)}")
    lines.append(f"report: {run.report_path}")
    return lines
