"""The small CNN whose features and predictions measure generated images (no pretrained
Inception can be downloaded here, so the project trains one per data set)."""

from __future__ import annotations

import torch
from torch import nn


class FeatureClassifier(nn.Module):
    """Images in [−1, 1] (the generators' range) → ``feature_dim`` features → class logits."""

    def __init__(
        self, channels: int = 1, image_size: int = 28, num_classes: int = 10, feature_dim: int = 128
    ) -> None:
        super().__init__()
        self.feature_dim = feature_dim
        reduced = image_size // 4  # two 2×2 poolings
        self.trunk = nn.Sequential(
            nn.Conv2d(channels, 32, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(64, 64, 3, padding=1),
            nn.ReLU(),
            nn.Flatten(),
            nn.Linear(64 * reduced * reduced, feature_dim),
            nn.ReLU(),
        )
        self.head = nn.Sequential(nn.Dropout(0.3), nn.Linear(feature_dim, num_classes))

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """The penultimate layer: what the Fréchet distance and its kin compare."""
        return self.trunk(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.trunk(x))
