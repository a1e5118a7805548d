"""``minimaxlab sample``: images from a run's generator (or the published BigGAN) into a PNG
grid."""

from __future__ import annotations

import os
from pathlib import Path

import torch
from torch import nn

from minimaxlab.errors import MinimaxlabError
from minimaxlab.latent.conditional import require_classes
from minimaxlab.latent.interpolate import class_index
from minimaxlab.plots import save_image_grid
from minimaxlab.runs import Run
from minimaxlab.tools.biggan import imagenet_class, load_biggan
from minimaxlab.tools.conditional import save_class_samples
from minimaxlab.tools.generators import load_generator, run_class_names


def sample_images(
    model: nn.Module, n: int, seed: int = 0, truncation: float | None = None
) -> torch.Tensor:
    """``n`` outputs of a GenerativeModel from codes drawn with ``seed`` (truncated at
    ``truncation`` when given), on the CPU and all at once (so any device and any batch size
    give the same codes); random classes when it is conditional."""
    if n < 1:
        raise MinimaxlabError(f"--n must be at least 1 (got {n})")
    options = {} if truncation is None else {"truncation": truncation}
    return model.sample(n, generator=torch.Generator().manual_seed(seed), **options)


def _png(out: str | os.PathLike) -> Path:
    out = Path(out)
    if out.suffix.lower() != ".png":
        raise MinimaxlabError(f"--out must name a .png file (got {out})")
    return out


def write_samples(
    run_dir: str | os.PathLike,
    out: str | os.PathLike,
    n: int = 64,
    seed: int = 0,
    device: torch.device | str = "cpu",
    class_name: str | None = None,
    truncation: float | None = None,
    generator: str | None = None,
) -> Path:
    """Draw ``n`` images from a run's generator (or its generator named ``generator``) into
    the PNG grid ``out``: of one class (``class_name``), or for a conditional run without one
    a labelled row per class."""
    out = _png(out)
    model = load_generator(run_dir, device, generator)
    if model.num_classes is None and class_name is None:
        save_image_grid(sample_images(model, n, seed, truncation), out)
        return out
    require_classes(model, "--class")
    if n < 1:
        raise MinimaxlabError(f"--n must be at least 1 (got {n})")
    names = run_class_names(Run.open(run_dir))
    save_class_samples(
        model, out, n, seed, names, lambda c: class_index(c, names), class_name, truncation
    )
    return out


def write_biggan_samples(
    source: str | os.PathLike,
    out: str | os.PathLike,
    n: int = 16,
    seed: int = 0,
    device: torch.device | str = "cpu",
    class_name: str | None = None,
    truncation: float | None = None,
) -> Path:
    """``n`` images of the published BigGAN (tools/biggan.py) with ψ = ``truncation``: of
    ``class_name`` (an ImageNet index or name), else of random classes."""
    out = _png(out)
    model = load_biggan(source, truncation, device)
    if class_name is None:
        save_image_grid(sample_images(model, n, seed, model.code_bound), out)
        return out
    classes = model.num_classes
    save_class_samples(
        model, out, n, seed, [], lambda c: imagenet_class(c, classes), class_name, truncation
    )
    return out
