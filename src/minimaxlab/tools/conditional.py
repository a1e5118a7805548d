"""A conditional generator's classes on the command line: ``sample --class`` and the three
interpolations of ``interpolate --classes`` (the same class while z moves, the same z while
the class moves, both), for a run's generator and for the published BigGAN-deep alike.

Both follow one shape: ``model(codes, labels)`` takes class indices or class weights (a convex
mix of one-hot vectors), and ``code_bound`` (BigGAN's) fixes where its codes are truncated.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path

import torch
from torch import nn

from minimaxlab.errors import MinimaxlabError
from minimaxlab.generative import draw_codes
from minimaxlab.latent.interpolate import CONDITIONAL_KINDS, Mode, check_mode, conditional_path
from minimaxlab.latent.labels import class_rows
from minimaxlab.plots import save_image_grid, save_labelled_rows

ClassOf = Callable[[str], int]  # a class name or index (as text) → its index

KIND_TITLES = {
    "same-class": "the class fixed, z moves",
    "class-mix": "z fixed, the class embedding moves from A to B",
    "class-and-z": "z and the class move together",
}


def require_classes(model: nn.Module, what: str) -> int:
    """The number of classes of a conditional ``model``; an error for an unconditional one."""
    if getattr(model, "num_classes", None) is None:
        raise MinimaxlabError(
            f"{what} needs a class-conditional generator, and this one takes no classes; "
            "leave the option out or give a run of a conditional experiment (cgan-fashion)"
        )
    return model.num_classes  # type: ignore[return-value]


def code_threshold(model: nn.Module, truncation: float | None) -> float | None:
    """Where ``model``'s codes are truncated: its own bound (BigGAN's), else ``truncation``."""
    return getattr(model, "code_bound", truncation)


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
def interpolation_strips(
    model: nn.Module,
    pairs: Sequence[tuple[int, int]],
    steps: int = 7,
    mode: Mode = "linear",
    truncation: float | None = None,
    seed: int = 0,
) -> dict[str, list[torch.Tensor]]:
    """{figure name: one strip of images per pair} for the three kinds. Two codes drawn with
    ``seed`` are the ends of every strip, so the rows differ only in their classes."""
    check_mode(mode)
    classes = require_classes(model, "--classes")
    draws = torch.Generator().manual_seed(seed)
    codes = draw_codes(model, 2, draws, code_threshold(model, truncation))  # type: ignore[arg-type]
    strips = {}
    for kind in CONDITIONAL_KINDS:
        name = kind if kind == "class-mix" else f"{kind}-{mode}"
        paths = [conditional_path(kind, codes, pair, classes, steps, mode) for pair in pairs]
        strips[name] = [model(path_codes, weights) for path_codes, weights in paths]
    return strips


def save_strips(
    strips: dict[str, list[torch.Tensor]], row_labels: Sequence[str], folder: str | os.PathLike
) -> list[Path]:
    """Each kind's strips as ``folder/NAME.png``, a labelled row per pair."""
    paths = []
    for name, rows in strips.items():
        path = Path(folder) / f"{name}.png"
        title = KIND_TITLES[name.rsplit("-", 1)[0] if name != "class-mix" else name]
        save_labelled_rows(rows, row_labels, path, f"{title} ({name})")
        paths.append(path)
    return paths


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
