"""``minimaxlab interpolate``: the path between two codes of a run's generator whose images the
data set's feature classifier puts in different classes, written into the run folder."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

from minimaxlab.generative import draw_codes
from minimaxlab.latent.interpolate import Mode, check_mode, interpolation_path, pick_endpoints
from minimaxlab.latent.labels import conditioned, nearest_end
from minimaxlab.metrics.features import load_or_train_classifier
from minimaxlab.plots import save_image_grid
from minimaxlab.runs import Run, writes_into_run
from minimaxlab.tools.generators import load_generator, run_images
from minimaxlab.tools.report import write_run_report

CANDIDATES = 512  # samples among which the two ends are chosen

Classify = Callable[[torch.Tensor], torch.Tensor]  # images → class indices


@dataclass
class Ends:
    """The two ends of an interpolation: their codes, labels (conditional models) and the
    classes the classifier gives their images."""

    codes: torch.Tensor  # 2 × latent_dim
    labels: torch.Tensor | None
    classes: tuple[str, str]


@torch.no_grad()
def choose_ends(
    model: nn.Module,
    classify: Classify,
    class_names: tuple[str, ...],
    classes: tuple[str, str] | None = None,
    seed: int = 0,
) -> Ends:
    """Two of ``CANDIDATES`` codes drawn with ``seed`` whose images ``classify`` puts in
    different classes (or in ``classes``). A conditional model's candidates cycle through
    its classes, so every class is among them."""
    codes = draw_codes(model, CANDIDATES, torch.Generator().manual_seed(seed))
    labels = None
    if model.num_classes is not None:
        labels = torch.arange(CANDIDATES, device=codes.device) % model.num_classes
    predicted = classify(conditioned(model, labels)(codes))
    ends = list(pick_endpoints(predicted, class_names, classes))
    names = (class_names[int(predicted[ends[0]])], class_names[int(predicted[ends[1]])])
    return Ends(codes[ends], None if labels is None else labels[ends], names)


@writes_into_run
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
    check_mode(mode)  # before any work: a classifier may need training
    run = Run.open(run_dir)
    run.check_files()  # a damaged file stops it before any work or any write
    model = load_generator(run.path, device)
    train, test = run_images(run, ("train", "test"), device)
    classifier = load_or_train_classifier(train, test, progress=progress).model

    def classify(images: torch.Tensor) -> torch.Tensor:
        return classifier(images).argmax(1)

    ends = choose_ends(model, classify, train.class_names, classes, seed)
    codes = interpolation_path(ends.codes[0], ends.codes[1], steps, mode)
    with torch.no_grad():
        images = conditioned(model, nearest_end(ends.labels, len(codes)))(codes)
        seen = [train.class_names[i] for i in classify(images).tolist()]
    save_image_grid(images, run.figure_path(f"interpolation/{mode}.png"), nrow=len(codes))
    run.save_torch(f"interpolation-{mode}.pt", {"codes": codes.cpu(), "classes": seen})
    result = {
        "mode": mode,
        "steps": steps,
        "from": ends.classes[0],
        "to": ends.classes[1],
        "classified_along_the_path": seen,
    }
    by_mode = run.read_summary().get("interpolation", {})
    run.add_to_summary(interpolation={**by_mode, mode: result})
    write_run_report(run)
    return result


def interpolation_text(result: dict[str, Any], run_dir: str | os.PathLike) -> str:
    """The two ends' classes and the class of every image along the path; then the figure."""
    figure = Path(run_dir) / "figures" / "interpolation" / f"{result['mode']}.png"
    along = ", ".join(result["classified_along_the_path"])
    return f"{result['from']} → {result['to']}: {along}\n{figure}"
