"""A comparison page: several runs side by side on one self-contained HTML page.

Like each run's report.html it is built only from what the run folders hold, and every image is
embedded as a data URI, so the page opens offline and survives being moved or mailed.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from matplotlib.figure import Figure

from minimaxlab.atomic import atomic_write_text
from minimaxlab.errors import MinimaxlabError
from minimaxlab.report.html import METRICS, data_uri, format_value, metric_text, templates
from minimaxlab.runs import Run

# The logged quantities worth comparing, each with the title of its figure.
CURVES: dict[str, str] = {
    "d_loss": "Discriminator loss",
    "g_loss": "Generator loss",
    "d_real": "Mean D(x) on real images",
    "d_fake": "Mean D(G(z)) on samples",
}
MISSING = "—"
_SAMPLE_GRID = re.compile(r"epoch_(\d+)\.png")


def _last_grid(run: Run) -> tuple[int, Path] | None:
    """The highest-numbered ``figures/samples/epoch_NNN.png`` and its epoch, if any."""
    # Not run.figure_path: that creates folders, and comparing must not touch the runs.
    folder = run.path / "figures" / "samples"
    grids = [
        (int(match.group(1)), path)
        for path in folder.glob("epoch_*.png")
        if (match := _SAMPLE_GRID.fullmatch(path.name))
    ]
    # By number, not by name: epoch_1000.png comes after epoch_999.png.
    return max(grids, default=None)


def _describe(run: Run, name: str) -> dict[str, Any]:
    """What the page shows of one run: header cells, samples, metric records, evaluation."""
    config = run.read_config()
    env = run.read_json(run.env_path) or {}
    summary = run.read_summary()
    # A run still training has no summary yet; its config names the data set it asked for.
    dataset = (summary.get("data") or {}).get("name") or (config.get("data") or {}).get("name")
    device = env.get("device")
    if device and env.get("gpu"):
        device = f"{device} ({env['gpu']})"
    grid = _last_grid(run)
    gif = run.path / "figures" / "progress.gif"
    return {
        "name": name,
        "path": str(run.path.resolve()),
        "header": {
            "experiment": config["experiment"],
            "status": summary.get("status", "running"),
            "steps": format_value(summary["steps"]) if "steps" in summary else MISSING,
            "data set": dataset or MISSING,
            "device": device or MISSING,
        },
        "grid": (
            {"src": data_uri(grid[1]), "caption": f"{name} · epoch {grid[0]}"} if grid else None
        ),
        "gif": data_uri(gif) if gif.is_file() else None,
        "records": [r for r in run.metrics() if "step" in r and r.get("epoch") is not None],
        "evaluation": summary.get("evaluation") or None,
    }


def _plot(title: str, lines: dict[str, list[tuple[float, float]]]) -> str:
    """One figure, one line per run against epoch, returned as a PNG data URI (no file)."""
    # A bare Figure needs neither pyplot's global state nor closing, and saves PNG directly.
    fig = Figure(figsize=(7, 3.5), dpi=110)
    ax = fig.subplots()
    for name, points in lines.items():
        xs, ys = zip(*points, strict=True)
        ax.plot(xs, ys, label=name, linewidth=1.2)
    ax.set_xlabel("epoch")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend(frameon=False)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _curves(runs: list[dict[str, Any]]) -> list[dict[str, str]]:
    """A figure for each quantity in CURVES that at least two runs logged."""
    curves = []
    for key, title in CURVES.items():
        lines = {}
        for run in runs:
            # x = epoch, not step: runs with different batch sizes or data sets line up.
            points = [(r["epoch"], r[key]) for r in run["records"] if r.get(key) is not None]
            if points:
                lines[run["name"]] = points
        if len(lines) >= 2:  # a quantity only one run logged compares nothing
            curves.append({"title": f"{title} ({key})", "src": _plot(title, lines)})
    return curves


def _quality(runs: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The metrics table: a column per run, then the floor of each data set they were
    evaluated on; None when no run has been evaluated."""
    evaluations = [run["evaluation"] for run in runs]
    if not any(evaluations):
        return None
    # Floors of different data sets are not comparable, so each data set gets its own column,
    # taken from the first run evaluated on it.
    floors: dict[str, dict[str, Any]] = {}
    for evaluation in evaluations:
        if evaluation and evaluation.get("floor"):
            floors.setdefault(str(evaluation.get("dataset")), evaluation["floor"])
    if len(floors) == 1:
        floor_headers = ["real test vs train (floor)"]
    else:
        floor_headers = [f"floor: {dataset}" for dataset in floors]
    # Which data and how many samples: numbers measured on different ones do not compare.
    used = [
        f"{e.get('dataset')}, n = {format_value(e.get('n'))}" if e else MISSING for e in evaluations
    ]
    rows = [("evaluated on", used + list(floors))]
    for key, label in METRICS:
        cells = [metric_text(e.get("generated") if e else None, key) for e in evaluations]
        rows.append((label, cells + [metric_text(floor, key) for floor in floors.values()]))
    return {"headers": [run["name"] for run in runs] + floor_headers, "rows": rows}


def write_comparison(run_dirs: Sequence[str | Path], out: str | Path) -> Path:
    """Write one self-contained HTML page comparing the runs in ``run_dirs`` to ``out``
    (atomically, creating its folders) and return its path."""
    if len({Path(d).resolve() for d in run_dirs}) < 2:  # the same folder twice compares nothing
        given = ", ".join(map(str, run_dirs)) or "none"
        raise MinimaxlabError(
            f"compare needs at least two run folders (got {given}); pass two or more different "
            "folders that 'minimaxlab run' wrote"
        )
    opened = [Run.open(d) for d in run_dirs]  # names the folder that is not a run
    names = [run.path.name for run in opened]
    if len(set(names)) < len(names):  # runs/a/run vs runs/b/run: folder names alone clash
        names = [str(run.path) for run in opened]
    runs = [_describe(run, name) for run, name in zip(opened, names, strict=True)]

    fields = runs[0]["header"]
    html = templates.get_template("compare.html.j2").render(
        title=f"Comparison of {len(runs)} runs",
        runs=runs,
        header_rows=[(field, [run["header"][field] for run in runs]) for field in fields],
        curves=_curves(runs),
        quality=_quality(runs),
        written=dt.datetime.now().strftime("%Y-%m-%d %H:%M"),
    )
    atomic_write_text(out, html)
    return Path(out)
