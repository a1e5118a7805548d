"""``minimaxlab latent-path``: the least-change path between two inverted test images of a
run, against the straight line, written into its folder."""

from __future__ import annotations

import os
from typing import Any

import torch

from minimaxlab.errors import MinimaxlabError
from minimaxlab.latent.paths import latent_path_between
from minimaxlab.plots import save_image_grid
from minimaxlab.runs import Run, writes_into_run
from minimaxlab.tools.generators import load_generator, run_images
from minimaxlab.tools.report import write_run_report


@writes_into_run
def latent_path_run(
    run_dir: str | os.PathLike,
    points: int = 16,
    images: tuple[int, int] = (0, 1),
    steps: int = 500,
    invert_steps: int = 2000,
    restarts: int = 8,
    seed: int = 0,
    device: torch.device | str = "cpu",
) -> dict[str, Any]:
    """Invert two test images, optimise the path between their codes, and write both strips,
    the paths (``latent-path.pt``) and a table into the run folder."""
    run = Run.open(run_dir)
    run.check_files()  # a damaged file stops it before any work or any write
    model = load_generator(run.path, device)
    (test,) = run_images(run, ("test",), device)
    if max(images) >= len(test) or min(images) < 0:
        raise MinimaxlabError(f"--images must be two indices below {len(test)} (got {images})")
    chosen = torch.tensor(images, device=test.device)
    found = latent_path_between(
        model,
        test.gan_batch(chosen),
        test.labels[chosen],
        points,
        steps,
        invert_steps,
        restarts,
        seed,
    )
    save_image_grid(
        found.strips, run.figure_path("latent_path/straight_then_optimised.png"), nrow=points
    )
    run.save_torch(
        "latent-path.pt",
        {"straight": found.path.straight.cpu(), "optimised": found.path.optimised.cpu()},
    )
    table = {"images": list(images), "points": points, "steps": steps, **found.numbers()}
    run.add_to_summary(latent_path=table)
    write_run_report(run)
    return table


def latent_path_text(table: dict[str, Any]) -> str:
    """U and the image-space energy of the straight and the optimised path, as a table."""
    lines = [f"{'path':<10}{'U':>14}{'image energy':>16}"]
    lines += [
        f"{name:<10}{table[name]['U']:>14.4g}{table[name]['image_energy']:>16.4g}"
        for name in ("straight", "optimised")
    ]
    return "\n".join(lines)
