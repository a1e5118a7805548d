"""Interpolation between two codes whose images a classifier puts in different classes."""

from __future__ import annotations

import os
from typing import Any, Literal

import torch
from torch import nn

from minimaxlab.errors import MinimaxlabError
from minimaxlab.gan.generators import load_generator
from minimaxlab.metrics.evaluate import run_images
from minimaxlab.metrics.features import load_or_train_classifier
from minimaxlab.plots import save_image_grid
from minimaxlab.report import write_report
from minimaxlab.runs import Run

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
    t = torch.linspace(0, 1, steps + 2, dtype=a.dtype, device=a.device)
    if mode == "linear":
        return torch.lerp(a, b, t[:, None])
    if mode == "slerp":
        return slerp(a, b, t)
    raise MinimaxlabError(f"unknown interpolation mode {mode!r}; use linear or slerp")


@torch.no_grad()
def pick_endpoints(
    generator: nn.Module,
    classify,
    class_names: tuple[str, ...],
    classes: tuple[str, str] | None = None,
    seed: int = 0,
    candidates: int = 512,
) -> tuple[torch.Tensor, torch.Tensor, str, str]:
    """Two codes whose samples ``classify`` (images → class indices) puts in different classes,
    or in the two ``classes`` asked for (names or indices)."""
    device = next(generator.parameters()).device
    codes = torch.randn(
        candidates, generator.latent_dim, generator=torch.Generator().manual_seed(seed)
    ).to(device)
    predicted = classify(generator(codes)).cpu()
    if classes is None:
        first = int(predicted[0])
        others = (predicted != first).nonzero().flatten()
        if others.numel() == 0:
            raise MinimaxlabError(
                f"all {candidates} samples look like {class_names[first]!r}; the generator has "
                "collapsed, so there is no pair of different classes to interpolate between"
            )
        return (
            codes[0],
            codes[int(others[0])],
            class_names[first],
            class_names[int(predicted[others[0]])],
        )
    wanted = [_class_index(c, class_names) for c in classes]
    found = []
    for index in wanted:
        hits = (predicted == index).nonzero().flatten()
        if hits.numel() == 0:
            raise MinimaxlabError(
                f"none of {candidates} samples is classified as {class_names[index]!r}; "
                "choose other --classes or leave them out"
            )
        found.append(int(hits[0]))
    return codes[found[0]], codes[found[1]], class_names[wanted[0]], class_names[wanted[1]]


def _class_index(name: str, class_names: tuple[str, ...]) -> int:
    if name in class_names:
        return class_names.index(name)
    if name.isdigit() and int(name) < len(class_names):
        return int(name)
    raise MinimaxlabError(
        f"unknown class {name!r}; use a name or an index of: {', '.join(class_names)}"
    )


def interpolate_run(
    run_dir: str | os.PathLike,
    steps: int = 7,
    mode: Mode = "linear",
    classes: tuple[str, str] | None = None,
    seed: int = 0,
    device: torch.device | str = "cpu",
    progress: bool = True,
) -> dict[str, Any]:
    """Render the path between two codes of different classes into the run folder
    (``figures/interpolation/<mode>.png``, codes in ``interpolation-<mode>.pt``)."""
    if mode not in ("linear", "slerp"):  # before any work: a classifier may need training
        raise MinimaxlabError(f"unknown interpolation mode {mode!r}; use linear or slerp")
    run = Run.open(run_dir)
    generator = load_generator(run.path, device)
    train, test = run_images(run, ("train", "test"), device)
    classifier = load_or_train_classifier(train, test, progress=progress).model

    def classify(images: torch.Tensor) -> torch.Tensor:
        return classifier(images).argmax(1)

    start, end, start_class, end_class = pick_endpoints(
        generator, classify, train.class_names, classes, seed
    )
    codes = interpolation_path(start, end, steps, mode)
    with torch.no_grad():
        images = generator(codes)
        seen = [train.class_names[i] for i in classify(images).tolist()]
    save_image_grid(images, run.figure_path(f"interpolation/{mode}.png"), nrow=len(codes))
    run.save_torch(f"interpolation-{mode}.pt", {"codes": codes.cpu(), "classes": seen})
    result = {
        "mode": mode,
        "steps": steps,
        "from": start_class,
        "to": end_class,
        "classified_along_the_path": seen,
    }
    by_mode = run.read_summary().get("interpolation", {})
    run.add_to_summary(interpolation={**by_mode, mode: result})
    write_report(run)
    return result
