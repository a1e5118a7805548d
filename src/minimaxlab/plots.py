"""Figures: image grids, progress GIFs and loss curves, written atomically as PNG/GIF files."""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Sequence
from typing import Any

import matplotlib

matplotlib.use("Agg")  # files only; no display needed on servers and in CI
import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.ticker import MaxNLocator
from PIL import Image

from minimaxlab.atomic import atomic_path


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
    fig, ax = plt.subplots(figsize=(7, 3.5), dpi=110)
    plotted = False
    for key in keys:
        points = [(r[x], r[key]) for r in records if r.get(key) is not None]
        if points:
            xs, ys = zip(*points, strict=True)
            ax.plot(xs, ys, label=key, linewidth=1.2)
            plotted = True
    if plotted:
        ax.set_xlabel(x)
        ax.set_title(title)
        ax.grid(alpha=0.3)
        ax.legend(frameon=False)
        fig.tight_layout()
        with atomic_path(path) as tmp:
            fig.savefig(tmp, format="png")
    plt.close(fig)
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
    fig, axes = plt.subplots(
        1, len(panels), figsize=(1 + 4.2 * len(panels), 3.6), dpi=110, sharey=True, squeeze=False
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
    plt.close(fig)


def plot_bars(
    series: dict[str, Sequence[float]],
    labels: Sequence[str],
    path: str | os.PathLike,
    title: str = "",
    ylabel: str = "",
) -> None:
    """Grouped bars: one group per label, one bar per series."""
    fig, ax = plt.subplots(figsize=(7, 3), dpi=110)
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
    plt.close(fig)
