"""The MLP GAN of the second and third sheets (gan-mnist, wgan-gp), and its optional
convolutional generator."""

from __future__ import annotations

import torch
from torch import nn

from minimaxlab.generative import SamplesFromNoise

NEGATIVE_SLOPE = 0.2
IMAGE_SHAPE = (1, 28, 28)


class MLPGenerator(SamplesFromNoise, nn.Module):
    """z → [Linear → LeakyReLU(0.2)] × 4 (128, 256, 512, 1024) → Linear(784) → tanh → 1×28×28."""

    def __init__(self, latent_dim: int = 100, widths: tuple[int, ...] = (128, 256, 512, 1024)):
        super().__init__()
        self.latent_dim = latent_dim
        layers: list[nn.Module] = []
        previous = latent_dim
        for width in widths:
            layers += [nn.Linear(previous, width), nn.LeakyReLU(NEGATIVE_SLOPE)]
            previous = width
        layers += [nn.Linear(previous, 28 * 28), nn.Tanh()]
        self.net = nn.Sequential(*layers)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z).view(-1, *IMAGE_SHAPE)


class ConvGenerator(SamplesFromNoise, nn.Module):
    """The sheet's optional convolutional generator: z → fully connected layers → 128×7×7 →
    [ConvTranspose → BatchNorm → LeakyReLU] × 2 (7→14→28) → 3×3 conv to one channel → tanh."""

    def __init__(self, latent_dim: int = 100) -> None:
        super().__init__()
        self.latent_dim = latent_dim
        self.project = nn.Sequential(
            nn.Linear(latent_dim, 1024),
            nn.BatchNorm1d(1024),
            nn.LeakyReLU(NEGATIVE_SLOPE),
            nn.Linear(1024, 128 * 7 * 7),
            nn.BatchNorm1d(128 * 7 * 7),
            nn.LeakyReLU(NEGATIVE_SLOPE),
        )
        self.upsample = nn.Sequential(
            nn.ConvTranspose2d(128, 64, 4, stride=2, padding=1),  # 14×14
            nn.BatchNorm2d(64),
            nn.LeakyReLU(NEGATIVE_SLOPE),
            nn.ConvTranspose2d(64, 32, 4, stride=2, padding=1),  # 28×28
            nn.BatchNorm2d(32),
            nn.LeakyReLU(NEGATIVE_SLOPE),
            nn.Conv2d(32, 1, 3, padding=1),
            nn.Tanh(),
        )

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.upsample(self.project(z).view(-1, 128, 7, 7))


class MLPDiscriminator(nn.Module):
    """1×28×28 → 784 → 512 → 256 → 1 with LeakyReLU(0.2): a logit, or a critic's score.
    No normalisation layers, so it also serves WGAN-GP, whose penalty is per sample."""

    def __init__(self) -> None:
        super().__init__()
        self.net = nn.Sequential(
            nn.Flatten(),
            nn.Linear(28 * 28, 512),
            nn.LeakyReLU(NEGATIVE_SLOPE),
            nn.Linear(512, 256),
            nn.LeakyReLU(NEGATIVE_SLOPE),
            nn.Linear(256, 1),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x).squeeze(1)
