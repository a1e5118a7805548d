"""GAN inversion: with G frozen, find codes z minimising ‖G(z) − x‖² by gradient descent from
several random starts, all images and starts optimised together in one batch."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from minimaxlab.errors import MinimaxlabError
from minimaxlab.gan.generators import load_generator
from minimaxlab.metrics.evaluate import run_images
from minimaxlab.plots import save_image_grid
from minimaxlab.report import write_report
from minimaxlab.runs import Run


@dataclass
class Inversion:
    codes: torch.Tensor  # images × restarts × latent_dim
    errors: torch.Tensor  # images × restarts: ‖G(z) − x‖² at the end
    distances: torch.Tensor  # images × restarts × restarts: ‖z_i − z_j‖ between starts
    reconstructions: torch.Tensor  # images × restarts × C × H × W

    def agree(self, tolerance: float) -> torch.Tensor:
        """Per image: whether every start ended within ``tolerance`` of every other."""
        return self.distances.flatten(1).max(dim=1).values <= tolerance


def invert(
    generator: nn.Module,
    targets: torch.Tensor,
    restarts: int = 8,
    steps: int = 2000,
    lr: float = 0.01,
    seed: int = 0,
) -> Inversion:
    """Invert ``targets`` (k × C × H × W in [−1, 1]) through a frozen ``generator`` in eval mode."""
    if restarts < 1 or steps < 1:
        raise MinimaxlabError(
            f"--restarts and --steps must be at least 1 (got {restarts}, {steps})"
        )
    generator.eval().requires_grad_(False)  # frozen: only the codes are optimised
    k = targets.shape[0]
    starts = torch.randn(
        k * restarts, generator.latent_dim, generator=torch.Generator().manual_seed(seed)
    )
    codes = starts.to(targets.device).requires_grad_(True)
    repeated = targets.repeat_interleave(restarts, dim=0)
    optimizer = torch.optim.Adam([codes], lr=lr)
    for _ in range(steps):
        # Summed over the batch: each code's gradient is that of its own ‖G(z) − x‖².
        loss = (generator(codes) - repeated).pow(2).flatten(1).sum(1).sum()
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
    with torch.no_grad():
        images = generator(codes)
        errors = (images - repeated).pow(2).flatten(1).sum(1)
    found = codes.detach().view(k, restarts, -1)
    return Inversion(
        codes=found,
        errors=errors.view(k, restarts),
        distances=torch.cdist(found, found),
        reconstructions=images.view(k, restarts, *targets.shape[1:]),
    )


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
    """Invert the first ``images`` test images of a run's data set; write ``inversion.pt``, a
    figure (each target, then every start's reconstruction) and a summary entry."""
    if images < 1:
        raise MinimaxlabError(f"--images must be at least 1 (got {images})")
    run = Run.open(run_dir)
    generator = load_generator(run.path, device)
    (test,) = run_images(run, ("test",), device)
    targets = test.gan_batch(torch.arange(min(images, len(test)), device=test.device))
    result = invert(generator, targets, restarts, steps, lr, seed)

    rows = torch.cat([targets[:, None], result.reconstructions], dim=1)  # target first
    save_image_grid(
        rows.flatten(0, 1), run.figure_path("inversion/targets_and_starts.png"), nrow=restarts + 1
    )
    run.save_torch(
        "inversion.pt",
        {
            "codes": result.codes.cpu(),
            "errors": result.errors.cpu(),
            "distances": result.distances.cpu(),
        },
    )
    agree = result.agree(tolerance)
    report = {
        "images": targets.shape[0],
        "restarts": restarts,
        "steps": steps,
        "lr": lr,
        "tolerance": tolerance,
        "per_image": [
            {
                "errors": result.errors[i].tolist(),
                "largest_distance_between_starts": float(result.distances[i].max()),
                "verdict": "one minimum" if bool(agree[i]) else "several minima",
            }
            for i in range(targets.shape[0])
        ],
    }
    run.add_to_summary(inversion=report)
    write_report(run)
    return report
