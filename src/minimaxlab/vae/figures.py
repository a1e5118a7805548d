"""The rate–distortion plane (Alemi et al. 2018, Fig. 1): each trained β a point (R, D), one
series per encoder, over lines of equal ELBO (D + R = constant: slope −1)."""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np

from minimaxlab.atomic import atomic_path
from minimaxlab.plots import subplots

ELBO_LINES = 6  # lines of equal ELBO drawn across the plane


def plot_rate_distortion(
    series: dict[str, Sequence[tuple[float, float, float]]], path: str | os.PathLike
) -> None:
    """``series``: {encoder: [(β, R, D), …]}; each point labelled with its β."""
    fig, ax = subplots(figsize=(6, 4.5))
    points = np.array([(r, d) for values in series.values() for _, r, d in values])
    low, high = points.min(0), points.max(0)
    pad = 0.08 * np.maximum(high - low, 1.0)
    (r0, d0), (r1, d1) = low - pad, high + pad
    totals = points.sum(1)
    for total in np.linspace(totals.min(), totals.max(), ELBO_LINES):
        ax.plot([r0, r1], [total - r0, total - r1], color="grey", lw=0.6, ls=":", zorder=0)
        ax.annotate(
            f"ELBO {-total:.4g}",
            (r1, total - r1),
            fontsize=6,
            color="grey",
            ha="right",
            va="bottom",
        )
    for i, (encoder, values) in enumerate(series.items()):
        _, rates, distortions = zip(*values, strict=True)
        ax.plot(rates, distortions, "o-", color=f"C{i}", label=encoder, lw=1, ms=5)
        for beta, r, d in values:
            ax.annotate(
                f"β={beta:g}", (r, d), textcoords="offset points", xytext=(4, 4), fontsize=7
            )
    ax.set_xlim(r0, r1)
    ax.set_ylim(d0, d1)
    ax.set_xlabel("rate R (nats per image)")
    ax.set_ylabel("distortion D (nats per image)")
    ax.set_title("Rate–distortion plane on the test split (dotted: equal ELBO)")
    ax.grid(alpha=0.3)
    ax.legend(frameon=False)
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png")
