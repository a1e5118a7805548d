"""Figures of the domain experiments: example images, the 2-D map of an embedding, retrievals."""

from __future__ import annotations

import os

import numpy as np
import torch
from matplotlib import colormaps
from matplotlib.lines import Line2D

from minimaxlab.atomic import atomic_path
from minimaxlab.data.domains import Domain
from minimaxlab.plots import save_image_grid, subplots

MARKERS = {"A": "o", "B": "^"}


def as_rgb(images: torch.Tensor) -> torch.Tensor:
    """uint8 N×C×H×W → floats in [−1, 1] with three channels (grey repeated)."""
    images = images.float().div(127.5).sub(1.0)
    return images.expand(-1, 3, -1, -1) if images.shape[1] == 1 else images


def save_domain_examples(domains: dict[str, Domain], path: str | os.PathLike, n: int = 12) -> None:
    """One row of training images per domain (A above B)."""
    rows = [as_rgb(d.train.images[:n].cpu()) for d in domains.values()]
    save_image_grid(torch.cat(rows), path, nrow=min(n, len(rows[0])), scale=3)


def save_projection(
    points: np.ndarray,
    labels: np.ndarray,
    domain_of_point: np.ndarray,
    domain_labels: dict[str, str],
    path: str | os.PathLike,
    title: str,
) -> None:
    """A scatter of 2-D points coloured by class and marked by domain."""
    fig, ax = subplots(figsize=(7, 6))
    colours = colormaps["tab10"]
    for key, marker in MARKERS.items():
        mine = domain_of_point == key
        ax.scatter(
            points[mine, 0],
            points[mine, 1],
            c=[colours(int(c)) for c in labels[mine]],
            marker=marker,
            s=14 if marker == "o" else 18,
            alpha=0.75,
            linewidths=0,
        )
    class_handles = [
        Line2D([], [], marker="s", linestyle="", color=colours(c), label=str(c)) for c in range(10)
    ]
    domain_handles = [
        Line2D([], [], marker=MARKERS[k], linestyle="", color="0.3", label=text)
        for k, text in domain_labels.items()
    ]
    first = ax.legend(
        handles=class_handles,
        title="class",
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        frameon=False,
    )
    ax.add_artist(first)
    ax.legend(
        handles=domain_handles,
        title="domain",
        loc="lower left",
        bbox_to_anchor=(1.01, 0.0),
        frameon=False,
    )
    ax.set_title(title)
    ax.set_xticks([])
    ax.set_yticks([])
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png")


def save_retrievals(
    queries: torch.Tensor, retrieved: torch.Tensor, path: str | os.PathLike
) -> None:
    """One row per query: the query image (uint8), then its retrieved images in order."""
    rows = [
        torch.cat([as_rgb(q[None]), as_rgb(r)]) for q, r in zip(queries, retrieved, strict=True)
    ]
    save_image_grid(torch.cat(rows), path, nrow=1 + retrieved.shape[1], scale=3)
