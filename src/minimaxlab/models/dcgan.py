"""The DCGAN of the first sheet (shared/SPEC.md, dcgan-fashion), layer for layer."""

from __future__ import annotations

import torch
from torch import nn

from minimaxlab.generative import SamplesFromNoise

LATENT_DIM = 100
NEGATIVE_SLOPE = 0.3  # Keras' LeakyReLU default, which the sheet uses
DROPOUT = 0.3


class DCGANGenerator(SamplesFromNoise, nn.Module):
    """z (N×100) → image (N×1×28×28) in [−1, 1]; no bias anywhere, as in the sheet."""

    def __init__(self, latent_dim: int = LATENT_DIM, channels: int = 1) -> None:
        super().__init__()
        self.latent_dim = latent_dim
        self.project = nn.Sequential(
            nn.Linear(latent_dim, 7 * 7 * 256, bias=False),
            nn.BatchNorm1d(7 * 7 * 256),
            nn.LeakyReLU(NEGATIVE_SLOPE),
        )
        # padding=2 with output_padding=1 reproduces Keras' padding="same" for 5×5 kernels.
        self.upsample = nn.Sequential(
            nn.ConvTranspose2d(256, 128, 5, stride=1, padding=2, bias=False),  # 7×7
            nn.BatchNorm2d(128),
            nn.LeakyReLU(NEGATIVE_SLOPE),
            nn.ConvTranspose2d(128, 64, 5, stride=2, padding=2, output_padding=1, bias=False),
            nn.BatchNorm2d(64),  # 14×14
            nn.LeakyReLU(NEGATIVE_SLOPE),
            nn.ConvTranspose2d(64, channels, 5, stride=2, padding=2, output_padding=1, bias=False),
            nn.Tanh(),  # 28×28
        )

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.upsample(self.project(z).view(-1, 256, 7, 7))


class DCGANDiscriminator(nn.Module):
    """image (N×1×28×28) → one logit per image (no sigmoid: the loss takes logits)."""

    def __init__(self, channels: int = 1) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(channels, 64, 5, stride=2, padding=2),  # 14×14
            nn.LeakyReLU(NEGATIVE_SLOPE),
            nn.Dropout(DROPOUT),
            nn.Conv2d(64, 128, 5, stride=2, padding=2),  # 7×7
            nn.LeakyReLU(NEGATIVE_SLOPE),
            nn.Dropout(DROPOUT),
            nn.Flatten(),
        )
        self.classify = nn.Linear(128 * 7 * 7, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classify(self.features(x)).squeeze(1)
