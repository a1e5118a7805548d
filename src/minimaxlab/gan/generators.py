"""Generators from run folders: load any GAN checkpoint the project writes, and sample from it."""

from __future__ import annotations

import os

import torch
from torch import nn

from minimaxlab.config import validate
from minimaxlab.errors import MinimaxlabError
from minimaxlab.gan.trainer import load_models
from minimaxlab.runs import Run


def load_generator(run_dir: str | os.PathLike, device: torch.device | str = "cpu") -> nn.Module:
    """The trained generator of a run, on ``device``, in eval mode."""
    # Imported here: the registry imports the experiments, which evaluate with this module.
    from minimaxlab.experiments import get_experiment

    run = Run.open(run_dir)
    stored = run.read_config()
    experiment = get_experiment(stored["experiment"])
    if experiment.build_models is None:
        raise MinimaxlabError(f"{run.path} is a run of {experiment.name!r}, which has no generator")
    config = validate(experiment.config_class, stored)
    generator = experiment.build_models(config)["generator"]
    load_models(run.load_checkpoint(map_location=device), generator=generator)
    return generator.to(device).eval()


@torch.no_grad()
def sample_images(
    generator: nn.Module,
    n: int,
    seed: int = 0,
    device: torch.device | str = "cpu",
    batch_size: int = 500,
) -> torch.Tensor:
    """``n`` images in [−1, 1] from N(0, I) codes drawn with ``seed``. The codes are drawn on
    the CPU, all at once, so any device and any batch size give the same codes."""
    if n < 1:
        raise MinimaxlabError(f"--n must be at least 1 (got {n})")
    codes = torch.randn(n, generator.latent_dim, generator=torch.Generator().manual_seed(seed))
    return torch.cat([generator(chunk.to(device)) for chunk in codes.split(batch_size)])
