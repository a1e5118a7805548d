"""The report of a run folder, with its experiment's account: what every tool calls after it
has added to a run (the report layer itself never looks an experiment up)."""

from __future__ import annotations

from pathlib import Path

from minimaxlab.report import write_report
from minimaxlab.runs import Run


def write_run_report(run: Run) -> Path:
    """Render ``run``'s report.html from its folder."""
    return write_report(run)
