"""The least-change path between two codes (shared/SPEC.md, latent-path).

A path Z(t) from z_A to z_B, discretised at K points with both ends fixed, minimises
    U = ∫₀¹ [‖G(Z(t)) − x_A‖² + ‖G(Z(t)) − x_B‖²] ‖dZ/dt‖ dt,
by the trapezoid rule on each segment: U ≈ Σ_k ½ (f_k + f_{k+1}) ‖Z_{k+1} − Z_k‖ (the Δt of
‖dZ/dt‖ and of dt cancel). Also reported: the image-space energy Σ_k ‖G(Z_{k+1}) − G(Z_k)‖².
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from minimaxlab.errors import MinimaxlabError
from minimaxlab.generative import GenerativeModel
from minimaxlab.latent.invert import invert
from minimaxlab.latent.labels import conditioned, nearest_end


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


@dataclass
class LatentPath:
    """What latent-path finds between two images: the path, and how well each end inverted."""

    path: PathResult
    inversion_errors: tuple[float, float]  # ‖G(z) − x‖² of the best start at each end
    strips: torch.Tensor  # the straight path's images, then the optimised path's: 2K images

    def numbers(self) -> dict[str, Any]:
        """The summary's numbers: inversion errors, U and image energy of both paths."""
        path = self.path
        return {
            "inversion_errors": list(self.inversion_errors),
            "straight": {"U": path.straight_u, "image_energy": path.straight_image_energy},
            "optimised": {"U": path.optimised_u, "image_energy": path.optimised_image_energy},
        }


def latent_path_between(
    generator: GenerativeModel,
    targets: torch.Tensor,
    labels: torch.Tensor | None = None,
    points: int = 16,
    steps: int = 500,
    invert_steps: int = 2000,
    restarts: int = 8,
    seed: int = 0,
) -> LatentPath:
    """Invert the two ``targets`` (2 × C × H × W in [−1, 1]; ``labels`` their classes when
    the generator is conditional), then optimise the path between the best codes found."""
    inversion = invert(
        conditioned(generator, None if labels is None else labels.repeat_interleave(restarts)),
        targets,
        restarts,
        invert_steps,
        seed=seed,
    )
    best = inversion.errors.argmin(dim=1)
    z_a, z_b = inversion.codes[0, best[0]], inversion.codes[1, best[1]]
    along = conditioned(generator, nearest_end(labels, points))
    result = least_change_path(along, z_a, z_b, targets[0], targets[1], points, steps)
    with torch.no_grad():
        strips = torch.cat([along(result.straight), along(result.optimised)])
    errors = (float(inversion.errors[0, best[0]]), float(inversion.errors[1, best[1]]))
    return LatentPath(result, errors, strips)
