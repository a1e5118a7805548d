"""``minimaxlab invert``: GAN inversion of a run's first test images, written into its folder."""

from __future__ import annotations

import os
from typing import Any

import torch

from minimaxlab.errors import MinimaxlabError
from minimaxlab.latent.invert import invert
from minimaxlab.latent.labels import conditioned
from minimaxlab.plots import save_image_grid
from minimaxlab.runs import Run, writes_into_run
from minimaxlab.tools.generators import load_generator, run_images
from minimaxlab.tools.report import write_run_report


@writes_into_run
def invert_run(
    run_dir: str | os.PathLike,
    images: int = 5,
    restarts: int = 8,
    steps: int = 2000,
    lr: float = 0.01,
    tolerance: float = 0.5,
    seed: int = 0,
    device: torch.device | str = "cpu",
) -> dict[str, Any]:
    """Invert the first ``images`` test images of a run's data set (a conditional generator
    with each image's own class); write ``inversion.pt``, a figure (each target, then every
    start's reconstruction) and a summary entry."""
    if images < 1:
        raise MinimaxlabError(f"--images must be at least 1 (got {images})")
    run = Run.open(run_dir)
    run.check_files()  # a damaged file stops it before any work or any write
    model = load_generator(run.path, device)
    (test,) = run_images(run, ("test",), device)
    chosen = torch.arange(min(images, len(test)), device=test.device)
    targets = test.gan_batch(chosen)
    labels = test.labels[chosen].repeat_interleave(restarts)
    result = invert(conditioned(model, labels), targets, restarts, steps, lr, seed)
    save_image_grid(
        result.figure_rows(targets).flatten(0, 1),
        run.figure_path("inversion/targets_and_starts.png"),
        nrow=restarts + 1,
    )
    run.save_torch(
        "inversion.pt",
        {
            "codes": result.codes.cpu(),
            "errors": result.errors.cpu(),
            "distances": result.distances.cpu(),
        },
    )
    report = {
        "images": targets.shape[0],
        "restarts": restarts,
        "steps": steps,
        "lr": lr,
        "tolerance": tolerance,
        "per_image": result.per_image(tolerance),
    }
    run.add_to_summary(inversion=report)
    write_run_report(run)
    return report


def inversion_text(report: dict[str, Any]) -> str:
    """One line per image: its verdict, the largest distance between starts, their errors."""
    return "\n".join(
        f"image {i}: {image['verdict']} (largest distance "
        f"{image['largest_distance_between_starts']:.3g}); errors "
        + ", ".join(f"{e:.3g}" for e in image["errors"])
        for i, image in enumerate(report["per_image"])
    )
