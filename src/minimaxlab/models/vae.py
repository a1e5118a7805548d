"""The convolutional VAE of the beta-vae experiment (shared/SPEC.md): an encoder 28→14→7 with
two heads of ``latent_dim`` (a Gaussian's mean and log-scale, or echo noise's f and S before
their squashing, see ``minimaxlab.vae.posterior``) and its mirror as decoder.

The decoder gives pixel logits; as a generator (``minimaxlab.generative``) it returns the mean
image 2·sigmoid(logits) − 1 = tanh(logits / 2), in the [−1, 1] every image tool expects.
"""

from __future__ import annotations

import torch
from torch import nn

from minimaxlab.generative import SamplesFromNoise

WIDTHS = (32, 64)  # channels after the first and second convolution (14×14, then 7×7)


class ConvEncoder(nn.Module):
    """x (N×1×28×28, in [0, 1]) → Conv(1→32, 4×4, stride 2) 14×14, ReLU → Conv(32→64, 4×4,
    stride 2) 7×7, ReLU → flatten → Linear(3136 → 2·latent_dim), split in two heads."""

    def __init__(self, latent_dim: int = 16) -> None:
        super().__init__()
        self.latent_dim = latent_dim
        first, second = WIDTHS
        self.features = nn.Sequential(
            nn.Conv2d(1, first, 4, stride=2, padding=1),
            nn.ReLU(),
            nn.Conv2d(first, second, 4, stride=2, padding=1),
            nn.ReLU(),
            nn.Flatten(),
        )
        self.heads = nn.Linear(second * 7 * 7, 2 * latent_dim)

    def forward(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        first, second = self.heads(self.features(images)).chunk(2, dim=1)
        return first, second


class ConvDecoder(SamplesFromNoise, nn.Module):
    """z → Linear(latent_dim → 3136), ReLU → 64×7×7 → ConvTranspose(64→32, 4×4, stride 2)
    14×14, ReLU → ConvTranspose(32→1, 4×4, stride 2) 28×28: pixel logits (:meth:`logits`)."""

    def __init__(self, latent_dim: int = 16) -> None:
        super().__init__()
        self.latent_dim = latent_dim
        first, second = WIDTHS
        self.project = nn.Sequential(nn.Linear(latent_dim, second * 7 * 7), nn.ReLU())
        self.deconvolve = nn.Sequential(
            nn.ConvTranspose2d(second, first, 4, stride=2, padding=1),
            nn.ReLU(),
            nn.ConvTranspose2d(first, 1, 4, stride=2, padding=1),
        )

    def logits(self, codes: torch.Tensor) -> torch.Tensor:
        return self.deconvolve(self.project(codes).view(-1, WIDTHS[1], 7, 7))

    def forward(self, codes: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """The mean image of p(x|z) in [−1, 1] (both likelihoods' mean is sigmoid(logits))."""
        return torch.tanh(self.logits(codes) / 2)
