"""A conditional generator's classes on the command line: ``sample --class`` and the pairs of
``interpolate --classes`` (whose strips latent/conditional.py draws), for a run's generator and
for the published BigGAN-deep alike."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import torch
from torch import nn

from minimaxlab.errors import MinimaxlabError
from minimaxlab.latent.conditional import code_threshold, require_classes
from minimaxlab.latent.labels import class_rows
from minimaxlab.plots import save_image_grid, save_labelled_rows

ClassOf = Callable[[str], int]  # a class name or index (as text) → its index


def class_pairs(classes: tuple[str, str], class_of: ClassOf) -> list[tuple[int, int]]:
    """``--classes A B`` as index pairs; comma-separated lists (``A,C B,D``) give a pair each."""
    starts, ends = (side.split(",") for side in classes)
    if len(starts) != len(ends):
        raise MinimaxlabError(
            f"--classes {classes[0]} {classes[1]}: {len(starts)} start classes but {len(ends)} "
            "end classes; give as many of each (comma-separated)"
        )
    return [(class_of(a), class_of(b)) for a, b in zip(starts, ends, strict=True)]


@torch.no_grad()
def save_class_samples(
    model: nn.Module,
    out: Path,
    n: int,
    seed: int,
    class_names: Sequence[str],
    class_of: ClassOf,
    class_name: str | None = None,
    truncation: float | None = None,
) -> None:
    """``n`` samples of one class (``class_name``) as a grid, or (no class, few enough classes
    to show) a labelled row of n ÷ classes samples per class."""
    classes = require_classes(model, "--class" if class_name is not None else "a class grid")
    draws = torch.Generator().manual_seed(seed)
    threshold = code_threshold(model, truncation)
    if class_name is not None:
        labels = torch.full((n,), class_of(class_name))
        options = {} if threshold is None else {"truncation": threshold}
        save_image_grid(model.sample(n, labels=labels, generator=draws, **options), out)
        return
    rows = class_rows(model, max(1, n // classes), draws, threshold)  # type: ignore[arg-type]
    save_labelled_rows(rows, class_names, out, "one row per class")
