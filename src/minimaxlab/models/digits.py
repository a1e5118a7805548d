"""Small CNNs for 32×32 (or 28×28) digit images of two domains: a shared trunk with a head per
domain (multitask), and an embedding with a first layer per domain (triplet)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import torch
import torch.nn.functional as F
from torch import nn


def _body(image_size: int, width: int, out_features: int) -> nn.Sequential:
    """What follows a first convolution to ``width`` channels: three 2×2 poolings, two more
    3×3 convolutions (2·width, 4·width channels), then a linear layer to ``out_features``."""
    reduced = image_size // 2 // 2 // 2
    return nn.Sequential(
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(width, 2 * width, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(2 * width, 4 * width, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(4 * width * reduced * reduced, out_features),
    )


class DigitTrunk(nn.Module):
    """Normalised images (C×S×S) → ``feature_dim`` ReLU features."""

    def __init__(
        self, channels: int, image_size: int, feature_dim: int = 128, width: int = 16
    ) -> None:
        super().__init__()
        self.layers = nn.Sequential(
            nn.Conv2d(channels, width, 3, padding=1),
            *_body(image_size, width, feature_dim),
            nn.ReLU(),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layers(x)


class MultiHeadClassifier(nn.Module):
    """One trunk shared by the domains, one head (Linear → ReLU → Linear) per domain."""

    def __init__(
        self,
        channels: int,
        image_size: int,
        domains: Sequence[str],
        feature_dim: int = 128,
        head_hidden: int = 64,
        width: int = 16,
        num_classes: int = 10,
    ) -> None:
        super().__init__()
        self.trunk = DigitTrunk(channels, image_size, feature_dim, width)
        self.heads = nn.ModuleDict(
            {
                domain: nn.Sequential(
                    nn.Linear(feature_dim, head_hidden),
                    nn.ReLU(),
                    nn.Linear(head_hidden, num_classes),
                )
                for domain in domains
            }
        )

    def forward(self, batches: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """Logits per domain; the domains' batches go through the trunk as one batch."""
        features = self.trunk(torch.cat(list(batches.values())))
        logits, start = {}, 0
        for domain, batch in batches.items():
            logits[domain] = self.heads[domain](features[start : start + len(batch)])
            start += len(batch)
        return logits


class DomainEmbedder(nn.Module):
    """Images of either domain → unit-length embeddings in one space. Each domain has its own
    first convolution (so grey and colour images can share the rest of the network)."""

    def __init__(
        self,
        channels: Mapping[str, int],
        image_size: int,
        embedding_dim: int = 64,
        width: int = 16,
    ) -> None:
        super().__init__()
        self.stems = nn.ModuleDict(
            {d: nn.Conv2d(c, width, 3, padding=1) for d, c in channels.items()}
        )
        self.body = _body(image_size, width, embedding_dim)

    def forward(self, x: torch.Tensor, domain: str) -> torch.Tensor:
        return F.normalize(self.body(self.stems[domain](x)), dim=1)
