"""``minimaxlab nce``: points of a 2-D data set drawn by noise-contrastive rejection sampling,
with the classifier's training shown on standard error."""

from __future__ import annotations

from typing import Any

import torch
from rich.console import Console
from rich.progress import Progress

from minimaxlab.config import validate
from minimaxlab.errors import MinimaxlabError
from minimaxlab.experiments.nce_sampler import nce_sample
from minimaxlab.sampling.nce import NceConfig


def nce_points(
    data: str = "moons",
    n: int = 100,
    seed: int = 0,
    steps: int | None = None,
    noise: str = "fitted",
    device: torch.device | str = "cpu",
) -> tuple[torch.Tensor, dict[str, Any]]:
    """``n`` points of data set ``data`` (n × 2) and the rejection statistics; the sampler's
    classifier trains for ``steps`` (default: NceConfig's) against ``noise``."""
    if n < 1:
        raise MinimaxlabError(f"--n must be at least 1 (got {n})")
    settings = {"noise": noise} if steps is None else {"noise": noise, "steps": steps}
    config = validate(NceConfig, settings)
    with Progress(console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task("training the data-vs-noise classifier", total=config.steps)

        def on_step(step: int, loss: float) -> None:
            progress.update(task, completed=step, description=f"classifier loss {loss:.4f}")

        points, _, stats = nce_sample(data, n, seed, config, torch.device(device), on_step=on_step)
    return points, stats


def points_text(points: torch.Tensor) -> str:
    """One line ``x1,x2`` per point."""
    return "\n".join(f"{x1:.6f},{x2:.6f}" for x1, x2 in points.tolist())


def acceptance_text(stats: dict[str, Any]) -> str:
    """How many noise draws the rejection step kept, and its bound M."""
    return (
        f"accepted {stats['accepted']:,} of {stats['proposals']:,} noise draws "
        f"(acceptance rate {stats['acceptance_rate']:.3%}, M = {stats['bound_M']:.4g})"
    )
