"""Interpolation between two codes whose images a classifier puts in different classes."""

from __future__ import annotations

from typing import Literal

import torch

from minimaxlab.errors import MinimaxlabError

Mode = Literal["linear", "slerp"]


def slerp(a: torch.Tensor, b: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """Spherical interpolation (Shoemake; White 2016 for GAN codes), rows of ``t`` against the
    single codes ``a`` and ``b``; a straight line when they are (anti)parallel or one is zero."""
    norms = a.norm() * b.norm()
    if norms < 1e-12:  # a zero code has no direction: the straight line is the only path
        return torch.lerp(a, b, t[:, None])
    omega = torch.arccos((torch.dot(a, b) / norms).clamp(-1.0, 1.0))
    if torch.sin(omega).abs() < 1e-6:
        return torch.lerp(a, b, t[:, None])
    sin = torch.sin(omega)
    return (torch.sin((1 - t) * omega) / sin)[:, None] * a + (torch.sin(t * omega) / sin)[
        :, None
    ] * b


def interpolation_path(
    a: torch.Tensor, b: torch.Tensor, steps: int = 7, mode: Mode = "linear"
) -> torch.Tensor:
    """``steps`` intermediate codes between ``a`` and ``b``, with both ends: (steps + 2) × d."""
    if steps < 0:
        raise MinimaxlabError(f"--steps must be 0 or more (got {steps})")
    check_mode(mode)
    t = torch.linspace(0, 1, steps + 2, dtype=a.dtype, device=a.device)
    return torch.lerp(a, b, t[:, None]) if mode == "linear" else slerp(a, b, t)


def check_mode(mode: str) -> None:
    """Refuse an interpolation mode other than linear and slerp."""
    if mode not in ("linear", "slerp"):
        raise MinimaxlabError(f"unknown interpolation mode {mode!r}; use linear or slerp")


def pick_endpoints(
    predicted: torch.Tensor,
    class_names: tuple[str, ...],
    classes: tuple[str, str] | None = None,
) -> tuple[int, int]:
    """The indices of two candidates that a classifier (``predicted``: one class index per
    candidate) puts in different classes, or in the two ``classes`` asked for (names or
    indices): the first such ones."""
    predicted = predicted.cpu()
    candidates = predicted.shape[0]
    if classes is None:
        first = int(predicted[0])
        others = (predicted != first).nonzero().flatten()
        if others.numel() == 0:
            raise MinimaxlabError(
                f"all {candidates} samples look like {class_names[first]!r}; the generator has "
                "collapsed, so there is no pair of different classes to interpolate between"
            )
        return 0, int(others[0])
    found = []
    for index in (_class_index(c, class_names) for c in classes):
        hits = (predicted == index).nonzero().flatten()
        if hits.numel() == 0:
            raise MinimaxlabError(
                f"none of {candidates} samples is classified as {class_names[index]!r}; "
                "choose other --classes or leave them out"
            )
        found.append(int(hits[0]))
    return found[0], found[1]


def _class_index(name: str, class_names: tuple[str, ...]) -> int:
    if name in class_names:
        return class_names.index(name)
    if name.isdigit() and int(name) < len(class_names):
        return int(name)
    raise MinimaxlabError(
        f"unknown class {name!r}; use a name or an index of: {', '.join(class_names)}"
    )
