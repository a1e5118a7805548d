"""The least-change path between two codes (shared/SPEC.md, latent-path).

A path Z(t) from z_A to z_B, discretised at K points with both ends fixed, minimises
    U = ∫₀¹ [‖G(Z(t)) − x_A‖² + ‖G(Z(t)) − x_B‖²] ‖dZ/dt‖ dt,
by the trapezoid rule on each segment: U ≈ Σ_k ½ (f_k + f_{k+1}) ‖Z_{k+1} − Z_k‖ (the Δt of
‖dZ/dt‖ and of dt cancel). Also reported: the image-space energy Σ_k ‖G(Z_{k+1}) − G(Z_k)‖².
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from minimaxlab.errors import MinimaxlabError
from minimaxlab.gan.generators import load_generator
from minimaxlab.latent.invert import invert
from minimaxlab.metrics.evaluate import run_images
from minimaxlab.plots import save_image_grid
from minimaxlab.report import write_report
from minimaxlab.runs import Run


def path_energy(
    generator: nn.Module, path: torch.Tensor, x_a: torch.Tensor, x_b: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """(U, image-space energy) of a discretised path (K × d) between images x_a and x_b."""
    images = generator(path)
    f = (images - x_a).pow(2).flatten(1).sum(1) + (images - x_b).pow(2).flatten(1).sum(1)
    segment_lengths = (path[1:] - path[:-1]).norm(dim=1)
    u = (0.5 * (f[1:] + f[:-1]) * segment_lengths).sum()
    image_energy = (images[1:] - images[:-1]).pow(2).flatten(1).sum(1).sum()
    return u, image_energy


@dataclass
class PathResult:
    straight: torch.Tensor  # K × d
    optimised: torch.Tensor  # K × d, the best path found (never worse than the straight line)
    straight_u: float
    optimised_u: float
    straight_image_energy: float
    optimised_image_energy: float


def least_change_path(
    generator: nn.Module,
    z_a: torch.Tensor,
    z_b: torch.Tensor,
    x_a: torch.Tensor,
    x_b: torch.Tensor,
    points: int = 16,
    steps: int = 500,
    lr: float = 0.01,
) -> PathResult:
    """Optimise the interior points of the path from the straight line with Adam; keep the
    path with the lowest U seen, so the result is never worse than the straight line."""
    if points < 3:
        raise MinimaxlabError(f"--points must be at least 3 (got {points})")
    generator.eval().requires_grad_(False)
    t = torch.linspace(0, 1, points, device=z_a.device)[:, None]
    straight = torch.lerp(z_a, z_b, t)
    interior = straight[1:-1].clone().requires_grad_(True)
    optimizer = torch.optim.Adam([interior], lr=lr)
    with torch.no_grad():
        straight_u, straight_image = path_energy(generator, straight, x_a, x_b)
    best_u, best_path = straight_u.item(), straight
    for _ in range(steps):
        path = torch.cat([z_a[None], interior, z_b[None]])
        u, _ = path_energy(generator, path, x_a, x_b)
        if u.item() < best_u:  # the path before this step's update
            best_u, best_path = u.item(), path.detach().clone()
        optimizer.zero_grad(set_to_none=True)
        u.backward()
        optimizer.step()
    with torch.no_grad():
        final = torch.cat([z_a[None], interior, z_b[None]])
        final_u, _ = path_energy(generator, final, x_a, x_b)
        if final_u.item() < best_u:
            best_u, best_path = final_u.item(), final
        _, best_image = path_energy(generator, best_path, x_a, x_b)
    return PathResult(
        straight, best_path, straight_u.item(), best_u, straight_image.item(), best_image.item()
    )


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
    generator = load_generator(run.path, device)
    (test,) = run_images(run, ("test",), device)
    if max(images) >= len(test) or min(images) < 0:
        raise MinimaxlabError(f"--images must be two indices below {len(test)} (got {images})")
    targets = test.gan_batch(torch.tensor(images, device=test.device))
    inversion = invert(generator, targets, restarts, invert_steps, seed=seed)
    best = inversion.errors.argmin(dim=1)
    z_a, z_b = inversion.codes[0, best[0]], inversion.codes[1, best[1]]
    result = least_change_path(generator, z_a, z_b, targets[0], targets[1], points, steps)
    with torch.no_grad():
        strips = torch.cat([generator(result.straight), generator(result.optimised)])
    save_image_grid(strips, run.figure_path("latent_path/straight_then_optimised.png"), nrow=points)
    run.save_torch(
        "latent-path.pt", {"straight": result.straight.cpu(), "optimised": result.optimised.cpu()}
    )
    table = {
        "images": list(images),
        "points": points,
        "steps": steps,
        "inversion_errors": [
            float(inversion.errors[0, best[0]]),
            float(inversion.errors[1, best[1]]),
        ],
        "straight": {"U": result.straight_u, "image_energy": result.straight_image_energy},
        "optimised": {"U": result.optimised_u, "image_energy": result.optimised_image_energy},
    }
    run.add_to_summary(latent_path=table)
    write_report(run)
    return table
