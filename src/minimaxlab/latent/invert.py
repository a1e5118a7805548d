"""GAN inversion: with G frozen, find codes z minimising ‖G(z) − x‖² by gradient descent from
several random starts, all images and starts optimised together in one batch."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from minimaxlab.errors import MinimaxlabError


@dataclass
class Inversion:
    codes: torch.Tensor  # images × restarts × latent_dim
    errors: torch.Tensor  # images × restarts: ‖G(z) − x‖² at the end
    distances: torch.Tensor  # images × restarts × restarts: ‖z_i − z_j‖ between starts
    reconstructions: torch.Tensor  # images × restarts × C × H × W

    def agree(self, tolerance: float) -> torch.Tensor:
        """Per image: whether every start ended within ``tolerance`` of every other."""
        return self.distances.flatten(1).max(dim=1).values <= tolerance

    def per_image(self, tolerance: float) -> list[dict[str, Any]]:
        """Per image: every start's final error, the largest distance between two starts'
        codes, and whether they found one minimum (all within ``tolerance``) or several."""
        agree = self.agree(tolerance)
        return [
            {
                "errors": self.errors[i].tolist(),
                "largest_distance_between_starts": float(self.distances[i].max()),
                "verdict": "one minimum" if bool(agree[i]) else "several minima",
            }
            for i in range(self.errors.shape[0])
        ]

    def figure_rows(self, targets: torch.Tensor) -> torch.Tensor:
        """Each target, then every start's reconstruction of it: images × (1 + restarts)."""
        return torch.cat([targets[:, None], self.reconstructions], dim=1)


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
