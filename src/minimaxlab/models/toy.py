"""Small MLPs for 2-D data: the generator and discriminator of gan-2d, and the NCE classifier."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from minimaxlab.generative import SamplesFromNoise


def mlp(inputs: int, hidden: Sequence[int], outputs: int) -> nn.Sequential:
    """inputs → [Linear → ReLU] per hidden width → Linear(outputs)."""
    layers: list[nn.Module] = []
    previous = inputs
    for width in hidden:
        layers += [nn.Linear(previous, width), nn.ReLU()]
        previous = width
    layers.append(nn.Linear(previous, outputs))
    return nn.Sequential(*layers)


class PointGenerator(SamplesFromNoise, nn.Module):
    """Noise z (``latent_dim``, 2 by default) → hidden ReLU layers → a point in the plane."""

    def __init__(self, latent_dim: int = 2, hidden: Sequence[int] = (128, 128)) -> None:
        super().__init__()
        self.latent_dim = latent_dim
        self.net = mlp(latent_dim, hidden, 2)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z)


class FourierFeatures(nn.Module):
    """x → [x, sin 2πBx, cos 2πBx] with a fixed random B (n×2, entries N(0, scale²)): lets a
    small MLP draw the narrow bumps of a density ratio (Tancik et al., 2020)."""

    def __init__(self, n: int, scale: float) -> None:
        super().__init__()
        self.register_buffer("frequencies", scale * torch.randn(n, 2))
        self.out_features = 2 + 2 * n

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        angles = 2 * torch.pi * x @ self.frequencies.T
        return torch.cat((x, angles.sin(), angles.cos()), dim=1)


class PointClassifier(nn.Module):
    """A point in the plane → hidden ReLU layers → one logit (GAN discriminator, NCE classifier).
    With ``fourier_features`` > 0 the point is first lifted by :class:`FourierFeatures`."""

    def __init__(
        self,
        hidden: Sequence[int] = (128, 128),
        fourier_features: int = 0,
        fourier_scale: float = 1.0,
    ) -> None:
        super().__init__()
        lift = FourierFeatures(fourier_features, fourier_scale) if fourier_features else None
        self.net = nn.Sequential(
            *([lift] if lift else []), mlp(lift.out_features if lift else 2, hidden, 1)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x).squeeze(1)
