"""Figures: image grids, progress GIFs and loss curves, written atomically as PNG/GIF files.

Plots are ``matplotlib.figure.Figure`` objects drawn straight to files: they need no pyplot
backend, so importing this module never chooses one (a Jupyter kernel keeps its inline backend,
and the figures of an exported notebook show).
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from PIL import Image

from minimaxlab.atomic import atomic_path


def subplots(
    *grid: int, figsize: tuple[float, float], dpi: int = 110, layout: str | None = None, **kwargs
) -> tuple[Figure, Any]:
    """``plt.subplots`` on a bare Figure: saved with ``savefig``, never shown, never closed."""
    fig = Figure(figsize=figsize, dpi=dpi, layout=layout)
    return fig, fig.subplots(*grid, **kwargs)


def image_grid(images: torch.Tensor, nrow: int | None = None, padding: int = 2) -> np.ndarray:
    """Images in [−1, 1] (N×C×H×W) tiled into one uint8 H×W×C array, ``nrow`` per row."""
    images = images.detach().float().cpu().clamp(-1, 1)
    n, c, h, w = images.shape
    nrow = nrow or math.ceil(math.sqrt(n))
    rows = math.ceil(n / nrow)
    grid = np.full(
        (rows * (h + padding) + padding, nrow * (w + padding) + padding, c), 255, np.uint8
    )
    pixels = ((images + 1) * 127.5).round().to(torch.uint8).permute(0, 2, 3, 1).numpy()
    for i in range(n):
        top = padding + (i // nrow) * (h + padding)
        left = padding + (i % nrow) * (w + padding)
        grid[top : top + h, left : left + w] = pixels[i]
    return grid


def _to_pil(array: np.ndarray, scale: int) -> Image.Image:
    image = Image.fromarray(array[..., 0] if array.shape[-1] == 1 else array)
    if scale != 1:
        image = image.resize((image.width * scale, image.height * scale), Image.NEAREST)
    return image


def save_image_grid(
    images: torch.Tensor, path: str | os.PathLike, nrow: int | None = None, scale: int = 3
) -> None:
    """Save a grid of images in [−1, 1] as a PNG, enlarged ``scale`` times (nearest neighbour)."""
    image = _to_pil(image_grid(images, nrow), scale)
    with atomic_path(path) as tmp:
        image.save(tmp, format="PNG")


def save_gif(
    frames: Sequence[str | os.PathLike], path: str | os.PathLike, frame_ms: int = 400
) -> None:
    """An animated GIF of PNG ``frames``, the last frame held longer; loops forever."""
    images = []
    for frame in frames:
        with Image.open(frame) as image:
            images.append(image.copy())
    if not images:
        return
    durations = [frame_ms] * (len(images) - 1) + [frame_ms * 4]
    with atomic_path(path) as tmp:
        images[0].save(
            tmp, format="GIF", save_all=True, append_images=images[1:], duration=durations, loop=0
        )


def plot_curves(
    records: Iterable[dict[str, Any]],
    keys: Sequence[str],
    path: str | os.PathLike,
    x: str = "step",
    title: str = "",
) -> bool:
    """Plot ``keys`` against ``x`` from metric records; False when there is nothing to plot."""
    records = [r for r in records if x in r]
    fig, ax = subplots(figsize=(7, 3.5))
    plotted = False
    for key in keys:
        points = [(r[x], r[key]) for r in records if r.get(key) is not None]
        if points:
            xs, ys = zip(*points, strict=True)
            # a key "name/line" is labelled by its line
            ax.plot(xs, ys, label=key.partition("/")[2] or key, linewidth=1.2)
            plotted = True
    if plotted:
        ax.set_xlabel(x)
        ax.set_title(title)
        ax.grid(alpha=0.3)
        ax.legend(frameon=False)
        fig.tight_layout()
        with atomic_path(path) as tmp:
            fig.savefig(tmp, format="png")
    return plotted


def plot_line_panels(
    panels: dict[str, dict[str, tuple[Sequence[float], Sequence[float]]]],
    path: str | os.PathLike,
    xlabel: str,
    ylabel: str,
    reference: tuple[float, str] | None = None,
    ylim: tuple[float, float] | None = None,
    markers: bool = False,
    styles: dict[str, dict[str, Any]] | None = None,
    xticks: Sequence[float] | None = None,
) -> None:
    """Panels side by side, sharing the y axis; each panel's lines are ``label: (xs, ys)``.
    ``reference`` draws a dotted horizontal line ``(y, label)``, such as chance level;
    ``styles`` gives matplotlib keywords (color, linestyle) per line label; ``xticks`` places
    the x ticks (else integer ticks where matplotlib likes)."""
    fig, axes = subplots(
        1, len(panels), figsize=(1 + 4.2 * len(panels), 3.6), sharey=True, squeeze=False
    )
    for ax, (title, lines) in zip(axes[0], panels.items(), strict=True):
        for label, (xs, ys) in lines.items():
            style = {"linewidth": 1.2, "marker": "o" if markers else None, "ms": 4}
            ax.plot(xs, ys, label=label, **style | (styles or {}).get(label, {}))
        if reference is not None:
            ax.axhline(reference[0], color="grey", linestyle=":", linewidth=1, label=reference[1])
        ax.set_title(title, fontsize=10)
        ax.set_xlabel(xlabel)
        if xticks is not None:
            ax.set_xticks(list(xticks))
        else:
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
        ax.legend(frameon=False, fontsize=7)
        if ylim is not None:
            ax.set_ylim(*ylim)
    axes[0][0].set_ylabel(ylabel)
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png")


def plot_bars(
    series: dict[str, Sequence[float]],
    labels: Sequence[str],
    path: str | os.PathLike,
    title: str = "",
    ylabel: str = "",
) -> None:
    """Grouped bars: one group per label, one bar per series."""
    fig, ax = subplots(figsize=(7, 3))
    positions = np.arange(len(labels))
    width = 0.8 / len(series)
    for i, (name, values) in enumerate(series.items()):
        ax.bar(positions + (i - (len(series) - 1) / 2) * width, values, width=width, label=name)
    ax.set_xticks(positions, labels, rotation=30, ha="right", fontsize=8)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend(frameon=False)
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png")


@dataclass
class PointPanel:
    """One scatter of real against other points, optionally over a probability surface."""

    title: str
    real: np.ndarray  # n×2
    points: np.ndarray  # m×2: generated or sampled
    label: str = "generated"
    caption: str = ""  # a line under the title (what D believes, modes covered, …)
    # (xs, ys, values): values[i, j] in [0, 1] at (xs[j], ys[i]), e.g. D's belief "real"
    surface: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None


def plot_point_panels(
    panels: Sequence[PointPanel], path: str | os.PathLike, ncols: int = 5, title: str = ""
) -> None:
    """A grid of scatter panels sharing one colour scale for the surfaces."""
    ncols = min(ncols, len(panels))
    nrows = math.ceil(len(panels) / ncols)
    fig, axes = subplots(
        nrows,
        ncols,
        figsize=(3.2 * ncols + 0.8, 3.3 * nrows),
        dpi=100,
        squeeze=False,
        layout="constrained",  # leaves room for the shared colour bar and the legend
    )
    mappable = None
    for ax, panel in zip(axes.flat, panels, strict=False):
        if panel.surface is not None:
            xs, ys, values = panel.surface
            mappable = ax.contourf(
                xs, ys, values, levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.55
            )
        ax.scatter(*panel.real[:, :2].T, s=2, c="#555555", alpha=0.35, label="real", lw=0)
        ax.scatter(*panel.points[:, :2].T, s=2, c="#e07b00", alpha=0.6, label=panel.label, lw=0)
        ax.set_title(panel.title + (f"\n{panel.caption}" if panel.caption else ""), fontsize=8)
        ax.set_aspect("equal")
        ax.tick_params(labelsize=6)
    for ax in list(axes.flat)[len(panels) :]:
        ax.axis("off")
    handles, _ = axes.flat[0].get_legend_handles_labels()
    others = " / ".join(dict.fromkeys(panel.label for panel in panels))
    fig.legend(
        handles, ["real", others], loc="outside lower center", ncol=2, frameon=False, markerscale=5
    )
    if mappable is not None:
        bar = fig.colorbar(mappable, ax=axes, shrink=0.6)
        bar.set_label("D(x): belief that x is real", fontsize=8)
    if title:
        fig.suptitle(title, fontsize=10)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", bbox_inches="tight")


def plot_beliefs(
    runs: dict[str, Sequence[dict[str, Any]]], path: str | os.PathLike, title: str = ""
) -> None:
    """Mean D(x) (solid) and D(G(z)) (dashed) against epoch, one colour per labelled run."""
    fig, ax = subplots(figsize=(7, 3.5))
    for i, (label, records) in enumerate(runs.items()):
        rows = [r for r in records if r.get("d_real") is not None]
        epochs = [r["epoch"] for r in rows]
        colour = f"C{i % 10}"
        ax.plot(epochs, [r["d_real"] for r in rows], color=colour, lw=1.2, label=label)
        ax.plot(epochs, [r["d_fake"] for r in rows], color=colour, lw=1.2, ls="--")
    ax.axhline(0.5, color="grey", lw=0.6)
    ax.set_xlabel("epoch")
    ax.set_ylabel("mean D (solid: real, dashed: generated)")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend(frameon=False, fontsize=7)
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png")


def save_labelled_rows(
    rows: Sequence[torch.Tensor],
    labels: Sequence[str],
    path: str | os.PathLike,
    title: str = "",
) -> None:
    """Rows of images in [−1, 1] (each N×C×H×W), one strip per row with its label at the
    left: a conditional generator's classes, or the pairs of an interpolation."""
    columns = max(images.shape[0] for images in rows)
    fig, axes = subplots(
        len(rows), 1, figsize=(2 + 0.6 * columns, 0.2 + 0.65 * len(rows)), squeeze=False
    )
    for ax, images, label in zip(axes[:, 0], rows, labels, strict=True):
        strip = image_grid(images, nrow=columns)
        grey = strip.shape[-1] == 1
        ax.imshow(strip[..., 0] if grey else strip, cmap="gray" if grey else None, vmin=0, vmax=255)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_ylabel(label, rotation=0, ha="right", va="center", fontsize=8)
    if title:
        axes[0, 0].set_title(title, fontsize=9)
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png")
