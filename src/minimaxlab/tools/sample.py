"""``minimaxlab sample``: images from a run's generator into a PNG grid."""

from __future__ import annotations

import os
from pathlib import Path

import torch
from torch import nn

from minimaxlab.errors import MinimaxlabError
from minimaxlab.plots import save_image_grid
from minimaxlab.tools.generators import load_generator


def sample_images(model: nn.Module, n: int, seed: int = 0) -> torch.Tensor:
    """``n`` outputs of a GenerativeModel from codes drawn with ``seed``, on the CPU and all at
    once (so any device and any batch size give the same codes); random classes when it is
    conditional."""
    if n < 1:
        raise MinimaxlabError(f"--n must be at least 1 (got {n})")
    return model.sample(n, generator=torch.Generator().manual_seed(seed))


def write_samples(
    run_dir: str | os.PathLike,
    out: str | os.PathLike,
    n: int = 64,
    seed: int = 0,
    device: torch.device | str = "cpu",
    generator: str | None = None,
) -> Path:
    """Draw ``n`` images from a run's generator (or its generator named ``generator``) into
    the PNG grid ``out``."""
    out = Path(out)
    if out.suffix.lower() != ".png":
        raise MinimaxlabError(f"--out must name a .png file (got {out})")
    save_image_grid(sample_images(load_generator(run_dir, device, generator), n, seed), out)
    return out
