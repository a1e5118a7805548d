"""Interpolation between two codes whose images a classifier puts in different classes, and the
three interpolations of a conditional generator (codes, classes, both)."""

from __future__ import annotations

from collections.abc import Sequence
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
    for index in (class_index(c, class_names) for c in classes):
        hits = (predicted == index).nonzero().flatten()
        if hits.numel() == 0:
            raise MinimaxlabError(
                f"none of {candidates} samples is classified as {class_names[index]!r}; "
                "choose other --classes or leave them out"
            )
        found.append(int(hits[0]))
    return found[0], found[1]


def class_index(name: str, class_names: Sequence[str]) -> int:
    """The index of a class given by its name or its index (as text)."""
    if name in class_names:
        return list(class_names).index(name)
    if name.lstrip("-").isdigit():
        if 0 <= int(name) < len(class_names):
            return int(name)
        raise MinimaxlabError(
            f"class {name} is out of range: there are {len(class_names)} classes, "
            f"0 to {len(class_names) - 1}"
        )
    shown = ", ".join(class_names) if len(class_names) <= 20 else "the indices"
    raise MinimaxlabError(f"unknown class {name!r}; use a name or an index of: {shown}")


# The three interpolations of a conditional generator (BigGAN, Brock et al. 2019, figure 8):
# the class fixed while z moves; z fixed while the class moves; both at once.
ConditionalKind = Literal["same-class", "class-mix", "class-and-z"]
CONDITIONAL_KINDS: tuple[ConditionalKind, ...] = ("same-class", "class-mix", "class-and-z")


def class_mix(a: int, b: int, num_classes: int, points: int) -> torch.Tensor:
    """``points`` class-weight rows (1 − t)·e_a + t·e_b, t from 0 to 1: a convex mix of two
    one-hot class vectors, which a generator turns into the same mix of class embeddings."""
    t = torch.linspace(0, 1, points)[:, None]
    eye = torch.eye(num_classes)
    return (1 - t) * eye[a] + t * eye[b]


def conditional_path(
    kind: ConditionalKind,
    codes: torch.Tensor,
    classes: tuple[int, int],
    num_classes: int,
    steps: int = 7,
    mode: Mode = "linear",
) -> tuple[torch.Tensor, torch.Tensor]:
    """The codes and class weights ((steps + 2) rows each) of one interpolation from
    (``codes[0]``, class a) towards (``codes[1]``, class b)."""
    points = steps + 2
    moving = interpolation_path(codes[0], codes[1], steps, mode)
    weights = class_mix(*classes, num_classes, points).to(codes.device)
    if kind == "same-class":
        return moving, weights[:1].expand(points, -1)
    if kind == "class-mix":
        return codes[:1].expand(points, -1), weights
    return moving, weights
