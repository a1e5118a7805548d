"""``index.html`` of a lab run: one card per experiment with its headline figure, key numbers,
status, time and a link to its report. Figures are embedded as small thumbnails."""

from __future__ import annotations

import base64
import datetime as dt
import io
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PIL import Image

from minimaxlab.atomic import atomic_write_text
from minimaxlab.report.html import templates
from minimaxlab.report.numbers import ShownNumber
from minimaxlab.runs import Run


@dataclass
class IndexCard:
    """What the index shows of one experiment of a lab run: plain data that the lab gathers
    (``minimaxlab.lab``), so that the index never looks an experiment up."""

    name: str
    description: str
    status: str  # finished, failed, skipped, interrupted or running
    reason: str | None = None  # why it was skipped or how it failed, one line
    notes: list[str] = field(default_factory=list)
    seconds: float | None = None
    run_dir: Path | None = None  # None when it never started
    numbers: list[ShownNumber] = field(default_factory=list)  # see report/numbers.py
    figure: Path | None = None  # see headline_figure


THUMBNAIL = (1200, 480)  # px: sharp on a laptop card without making the page heavy
WIDE = 2.2  # figures wider than this × their height get a card two columns wide
SMALL = 320  # px: figures narrower than this are pixel grids, shown pixelated when enlarged
NOT_HEADLINES = {"curves", "progress"}


def headline_figure(run_dir: Path, pattern: str | None = None) -> Path | None:
    """The last match of ``pattern`` (an experiment's ``headline_figure``, a glob in
    ``run_dir``); else the run's first plain figure."""
    if pattern:
        matches = sorted(run_dir.glob(pattern))
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


def _card(card: IndexCard, index_dir: Path) -> dict[str, Any]:
    """What the template shows of ``card``: links relative to the index, a thumbnail."""

    def link(path: Path) -> str | None:
        return Path(os.path.relpath(path, index_dir)).as_posix() if path.is_file() else None

    shown: dict[str, Any] = {
        "name": card.name,
        "description": card.description,
        "status": card.status,
        "reason": card.reason,
        "notes": card.notes,
        "time": "—" if card.seconds is None else duration(card.seconds),
        "numbers": card.numbers,
        "figure": thumbnail(card.figure) if card.figure is not None else None,
        "report": None,
        "error": None,
        "folder": None,
    }
    if card.run_dir is not None and card.run_dir.is_dir():
        run = Run(card.run_dir)
        shown["folder"] = Path(os.path.relpath(run.path, index_dir)).as_posix()
        shown["report"] = link(run.report_path)
        shown["error"] = link(run.path / "error.txt")
    return shown


def duration(seconds: float) -> str:
    """``75.0`` → ``1 min 15 s``; under a minute, ``12.3 s``."""
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest:02d} s" if minutes else f"{seconds:.1f} s"


def _devices(cards: Sequence[IndexCard]) -> str:
    """The devices the runs recorded in their env.json, or a dash."""
    devices = set()
    for card in cards:
        if card.run_dir is not None:
            env = Run(card.run_dir).read_json(card.run_dir / "env.json") or {}
            if env.get("device"):
                devices.add(str(env["device"]))
    return ", ".join(sorted(devices)) or "—"


def write_index(cards: Sequence[IndexCard], path: Path, *, profile: str, seconds: float) -> Path:
    """Write the lab's ``index.html`` at ``path``, one card each, and return it."""
    counts = {
        status: sum(card.status == status for card in cards)
        for status in ("finished", "failed", "skipped", "interrupted", "running")
    }
    html = templates.get_template("index.html.j2").render(
        title="minimaxlab: the lab",
        cards=[_card(card, path.parent) for card in cards],
        profile=profile,
        devices=_devices(cards),
        counts={k: v for k, v in counts.items() if v},
        total=duration(seconds),
        written=dt.datetime.now().strftime("%Y-%m-%d %H:%M"),
    )
    atomic_write_text(path, html)
    return path
