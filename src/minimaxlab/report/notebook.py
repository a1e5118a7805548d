"""A Jupyter notebook over a run folder (``minimaxlab notebook``). It loads the run's
files through the library, prints its numbers and tables, redraws the curves from
metrics.jsonl and shows the figures; the written account comes as markdown cells.

The notebook is nbformat 4 JSON written directly, so writing one needs no Jupyter packages.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from minimaxlab.atomic import atomic_write_text
from minimaxlab.report.html import format_value
from minimaxlab.runs import Run

# Figures the notebook does not show: curves are redrawn from metrics.jsonl; progress frames
# are the epochs of the GIF.
NOT_SHOWN = ("curves", "progress")


def text_table(table: dict[str, Any]) -> str:
    """A summary table ({"header": [...], "rows": [[...]]}) as aligned plain text."""
    rows = [
        [str(cell) for cell in table["header"]],
        *[[format_value(cell) for cell in row] for row in table["rows"]],
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    )


def shown_figures(run: Run) -> list[Path]:
    """The PNG figures of a run that the notebook shows, in order."""
    figures = run.path / "figures"
    return [
        path
        for path in sorted(figures.rglob("*.png"))
        if path.relative_to(figures).parts[0] not in NOT_SHOWN
    ]


LOAD = """\
import matplotlib.pyplot as plt
from PIL import Image

from minimaxlab.report.html import curve_groups, flatten, format_value
from minimaxlab.report.notebook import shown_figures, text_table
from minimaxlab.runs import Run

run = Run.open({path!r})
config = run.read_config()
summary = run.read_summary()
records = list(run.metrics())
print(f"{{config['experiment']}}: {{summary.get('status')}}, {{len(records)}} metric records")"""

SUMMARY = """\
for key, value in flatten({k: v for k, v in summary.items() if k != "tables"}):
    print(f"{key:<44} {format_value(value)}")"""

TABLES = """\
for title, table in summary.get("tables", {}).items():
    print(title, text_table(table), sep="\\n", end="\\n\\n")"""

CURVES = """\
for title, keys in curve_groups(records).items():
    fig, ax = plt.subplots(figsize=(7, 3.5))
    for key in keys:
        points = [(r.get("step", i), r[key]) for i, r in enumerate(records)
                  if isinstance(r.get(key), (int, float))]
        if points:
            ax.plot(*zip(*points), label=key)
    ax.set(xlabel="step", title=title)
    ax.grid(alpha=0.3)
    ax.legend()
    plt.show()
    plt.close(fig)"""

FIGURES = """\
for path in shown_figures(run):
    image = Image.open(path)
    scale = min(1.0, 10 / (image.width / 100))  # at most 10 inches wide
    fig, ax = plt.subplots(figsize=(scale * image.width / 100, scale * image.height / 100))
    ax.imshow(image, cmap="gray", interpolation="nearest")
    ax.set_title(str(path.relative_to(run.path / "figures")))
    ax.set_axis_off()
    plt.show()
    plt.close(fig)"""


def _cell(kind: str, text: str, number: int) -> dict[str, Any]:
    cell: dict[str, Any] = {
        "cell_type": kind,
        "id": f"cell-{number}",
        "metadata": {},
        "source": text.splitlines(keepends=True),
    }
    if kind == "code":
        cell.update(execution_count=None, outputs=[])
    return cell


def notebook_cells(run: Run, account: list[str]) -> list[tuple[str, str]]:
    """(kind, text) of every cell of the run's notebook, kind "markdown" or "code";
    ``account`` is what the run did, one markdown cell per paragraph."""
    config = run.read_config()
    summary = run.read_summary()
    cells = [
        (
            "markdown",
            f"# {config['experiment']} — {run.path.name}\n\nEverything below is read from the "
            f"run folder `{run.path.resolve()}` through the `minimaxlab` library.",
        ),
        ("markdown", "## What this run did"),
        *[("markdown", paragraph) for paragraph in account],
        ("code", LOAD.format(path=str(run.path.resolve()))),
        ("markdown", "## Summary"),
        ("code", SUMMARY),
    ]
    if summary.get("tables"):
        cells += [("markdown", "## Tables"), ("code", TABLES)]
    if any(True for _ in run.metrics()):
        cells += [("markdown", "## Training curves, from metrics.jsonl"), ("code", CURVES)]
    if shown_figures(run):
        cells += [("markdown", "## Figures"), ("code", FIGURES)]
    return cells


def write_notebook(run: Run, account: list[str], path: Path) -> Path:
    """Write the notebook of ``run`` (with the paragraphs of its ``account``) to ``path``."""
    cells = notebook_cells(run, account)
    notebook = {
        "cells": [_cell(kind, text, i) for i, (kind, text) in enumerate(cells)],
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    atomic_write_text(path, json.dumps(notebook, indent=1, ensure_ascii=False) + "\n")
    return path
