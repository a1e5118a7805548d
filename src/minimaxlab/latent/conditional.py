"""The three interpolations of a conditional generator (BigGAN, Brock et al. 2019): the same
class while z moves, the same z while the class moves (a convex mix of two class embeddings),
both at once; a strip of images per pair of classes, and their labelled figures.

They work on any generator whose ``model(codes, labels)`` takes class indices or class weights
(rows of a convex mix of one-hot vectors): a run's, or the published BigGAN-deep, whose
``code_bound`` fixes where its codes are truncated.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import torch
from torch import nn

from minimaxlab.errors import MinimaxlabError
from minimaxlab.generative import draw_codes
from minimaxlab.latent.interpolate import CONDITIONAL_KINDS, Mode, check_mode, conditional_path
from minimaxlab.plots import save_labelled_rows

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
    strips: dict[str, list[torch.Tensor]],
    pairs: Sequence[tuple[str, str]],
    folder: str | os.PathLike,
) -> list[Path]:
    """Each kind's strips as ``folder/NAME.png``, a row per pair labelled "A → B" (the
    same-class strips by their one class, A)."""
    paths = []
    for name, rows in strips.items():
        path = Path(folder) / f"{name}.png"
        kind = name if name == "class-mix" else name.rsplit("-", 1)[0]
        labels = [a if kind == "same-class" else f"{a} → {b}" for a, b in pairs]
        save_labelled_rows(rows, labels, path, f"{KIND_TITLES[kind]} ({name})")
        paths.append(path)
    return paths
