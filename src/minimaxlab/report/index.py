"""``index.html`` of a lab run: one card per experiment with its headline figure, key numbers,
status, time and a link to its report. Figures are embedded as small thumbnails."""

from __future__ import annotations

import base64
import datetime as dt
import io
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PIL import Image

from minimaxlab.atomic import atomic_write_text
from minimaxlab.report.html import flatten, format_value, templates
from minimaxlab.runs import Run

if TYPE_CHECKING:
    from minimaxlab.experiments.base import Experiment
    from minimaxlab.lab import LabEntry

THUMBNAIL = (1200, 480)  # px: sharp on a laptop card without making the page heavy
WIDE = 2.2  # figures wider than this × their height get a card two columns wide
SMALL = 320  # px: figures narrower than this are pixel grids, shown pixelated when enlarged
NOT_HEADLINES = {"curves", "progress"}
NOT_KEY_NUMBERS = {"experiment", "status"}


def key_numbers(experiment: Experiment, summary: dict[str, Any]) -> dict[str, str]:
    """The summary values an index card shows: the experiment's ``key_numbers`` when it
    names them, else the first six plain values of its summary."""
    values = dict(flatten(summary))
    if experiment.key_numbers:
        chosen = [k for k in experiment.key_numbers if values.get(k) is not None]
    else:
        chosen = [
            k
            for k, v in values.items()
            if k.split(".")[0] not in (*NOT_KEY_NUMBERS, "tables")
            and isinstance(v, (int, float, str))
        ][:6]
    return {k: format_value(values[k]) for k in chosen}


def headline_figure(experiment: Experiment, run_dir: Path) -> Path | None:
    """The experiment's headline figure in ``run_dir``; else its first plain figure."""
    if experiment.headline_figure:
        matches = sorted(run_dir.glob(experiment.headline_figure))
        if matches:
            return matches[-1]
    figures = run_dir / "figures"
    candidates = [
        p
        for p in sorted(figures.rglob("*.png"))
        if p.relative_to(figures).parts[0] not in NOT_HEADLINES
    ]
    return candidates[0] if candidates else None


def thumbnail(path: Path) -> dict[str, Any]:
    """A PNG data URI of the figure scaled to fit THUMBNAIL; whether it is a pixel grid, and
    whether it is wide."""
    with Image.open(path) as image:
        small = image.width < SMALL
        wide = image.width > WIDE * image.height
        image = image.convert("RGBA")
        image.thumbnail(THUMBNAIL)
        buffer = io.BytesIO()
        image.save(buffer, format="PNG", optimize=True)
    return {
        "src": "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii"),
        "pixelated": small,
        "wide": wide,
        "caption": path.name,
    }


def _card(entry: LabEntry, index_dir: Path) -> dict[str, Any]:
    from minimaxlab.experiments import EXPERIMENTS

    experiment = EXPERIMENTS[entry.name]
    card: dict[str, Any] = {
        "name": entry.name,
        "description": experiment.description,
        "status": entry.status,
        "reason": entry.reason,
        "notes": entry.notes,
        "time": "—" if entry.seconds is None else _duration(entry.seconds),
        "numbers": {},
        "figure": None,
        "report": None,
        "error": None,
        "folder": None,
    }
    if entry.run_dir is None or not entry.run_dir.is_dir():
        return card
    run = Run(entry.run_dir)
    card["folder"] = Path(os.path.relpath(run.path, index_dir)).as_posix()
    card["numbers"] = {  # a long dotted key may wrap after its dots
        key.replace(".", ".\u200b"): value
        for key, value in key_numbers(experiment, run.read_summary()).items()
    }
    if run.report_path.is_file():
        card["report"] = Path(os.path.relpath(run.report_path, index_dir)).as_posix()
    error = run.path / "error.txt"
    if error.is_file():
        card["error"] = Path(os.path.relpath(error, index_dir)).as_posix()
    figure = headline_figure(experiment, run.path)
    if figure is not None:
        card["figure"] = thumbnail(figure)
    return card


def _duration(seconds: float) -> str:
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest:02d} s" if minutes else f"{seconds:.1f} s"


def write_index(entries: Sequence[LabEntry], path: Path, *, profile: str, seconds: float) -> Path:
    """Write the lab's ``index.html`` at ``path`` and return it."""
    cards = [_card(entry, path.parent) for entry in entries]
    devices = set()
    for entry in entries:
        if entry.run_dir is not None:
            env = Run(entry.run_dir).read_json(entry.run_dir / "env.json") or {}
            if env.get("device"):
                devices.add(str(env["device"]))
    counts = {
        status: sum(e.status == status for e in entries)
        for status in ("finished", "failed", "skipped", "interrupted", "running")
    }
    html = templates.get_template("index.html.j2").render(
        title="minimaxlab: the lab",
        cards=cards,
        profile=profile,
        devices=", ".join(sorted(devices)) or "—",
        counts={k: v for k, v in counts.items() if v},
        total=_duration(seconds),
        written=dt.datetime.now().strftime("%Y-%m-%d %H:%M"),
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, html)
    return path
