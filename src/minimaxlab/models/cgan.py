"""A class-conditional GAN in the style of BigGAN (Brock et al. 2019, "Large scale GAN training
for high fidelity natural image synthesis"), sized for 28×28 images (shared/SPEC.md,
cgan-fashion).

G: z is split into one chunk per up-block (the hierarchical latent); a class embedding shared
by every block joins each chunk, and that [chunk, embedding] sets the gain and bias of the
block's batch norms (conditional batch norm). The first linear layer sees the whole z, as in
BigGAN-deep. D: residual down-blocks, a sum over space, and a projection head (Miyato & Koyama
2018): logit = ψ(h) + ⟨embed(y), h⟩. Every linear and convolutional layer of both, D's class
embedding included, is spectrally normalised (Miyato et al. 2018).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm

from minimaxlab.generative import SamplesWithClasses


class ConditionalBatchNorm(nn.Module):
    """Batch norm without its own affine weights: y = (1 + γ(c))·x̂ + β(c), γ and β linear in
    the condition c (BigGAN's [z chunk, class embedding]); 1 + γ so that it starts as plain
    batch norm."""

    def __init__(self, channels: int, condition_dim: int) -> None:
        super().__init__()
        self.norm = nn.BatchNorm2d(channels, affine=False)
        self.gain = spectral_norm(nn.Linear(condition_dim, channels, bias=False))
        self.bias = spectral_norm(nn.Linear(condition_dim, channels, bias=False))

    def forward(self, x: torch.Tensor, condition: torch.Tensor) -> torch.Tensor:
        gain = 1 + self.gain(condition)[:, :, None, None]
        return self.norm(x) * gain + self.bias(condition)[:, :, None, None]


def _conv(in_channels: int, out_channels: int, kernel: int) -> nn.Module:
    return spectral_norm(nn.Conv2d(in_channels, out_channels, kernel, padding=kernel // 2))


class GeneratorBlock(nn.Module):
    """BigGAN's up-block: CBN → ReLU → ×2 nearest → conv3 → CBN → ReLU → conv3, plus the
    input upsampled through a 1×1 conv."""

    def __init__(self, in_channels: int, out_channels: int, condition_dim: int) -> None:
        super().__init__()
        self.norm1 = ConditionalBatchNorm(in_channels, condition_dim)
        self.conv1 = _conv(in_channels, out_channels, 3)
        self.norm2 = ConditionalBatchNorm(out_channels, condition_dim)
        self.conv2 = _conv(out_channels, out_channels, 3)
        self.shortcut = _conv(in_channels, out_channels, 1)

    def forward(self, x: torch.Tensor, condition: torch.Tensor) -> torch.Tensor:
        h = F.interpolate(F.relu(self.norm1(x, condition)), scale_factor=2)
        h = self.conv2(F.relu(self.norm2(self.conv1(h), condition)))
        return h + self.shortcut(F.interpolate(x, scale_factor=2))


class ConditionalGenerator(SamplesWithClasses, nn.Module):
    """(z, class) → image in [−1, 1]: 7×7 from a linear layer, then ``blocks`` up-blocks
    (7→14→28 for two) whose widths halve from ``channels``·2^blocks to ``channels``.

    ``labels`` are class indices (N) or class weights (N × num_classes, rows summing to 1):
    the embedding of weights is the same mix of the class embeddings, as BigGAN mixes one-hot
    class vectors; that is how a class interpolation moves between two classes."""

    def __init__(
        self,
        latent_dim: int = 80,
        num_classes: int = 10,
        embedding_dim: int = 32,
        channels: int = 64,
        blocks: int = 2,
        out_channels: int = 1,
        base_size: int = 7,
    ) -> None:
        super().__init__()
        if latent_dim % blocks:
            raise ValueError(f"latent_dim={latent_dim} does not split into {blocks} equal chunks")
        self.latent_dim, self.num_classes, self.base_size = latent_dim, num_classes, base_size
        self.chunk = latent_dim // blocks
        self.widths = [channels * 2 ** (blocks - i) for i in range(blocks + 1)]
        self.embedding = nn.Embedding(num_classes, embedding_dim)  # shared by every block
        self.stem = spectral_norm(nn.Linear(latent_dim, self.widths[0] * base_size**2))
        self.blocks = nn.ModuleList(
            GeneratorBlock(self.widths[i], self.widths[i + 1], self.chunk + embedding_dim)
            for i in range(blocks)
        )
        self.head_norm = nn.BatchNorm2d(self.widths[-1])
        self.head = _conv(self.widths[-1], out_channels, 3)

    def class_embedding(self, labels: torch.Tensor) -> torch.Tensor:
        """The shared embedding of class indices, or the mix of class weights."""
        if labels.is_floating_point():
            return labels.to(self.embedding.weight.dtype) @ self.embedding.weight
        return self.embedding(labels)

    def forward(self, codes: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        embedded = self.class_embedding(labels)
        h = self.stem(codes).view(-1, self.widths[0], self.base_size, self.base_size)
        for block, chunk in zip(self.blocks, codes.split(self.chunk, dim=1), strict=True):
            h = block(h, torch.cat([chunk, embedded], dim=1))
        return torch.tanh(self.head(F.relu(self.head_norm(h))))


class DiscriminatorBlock(nn.Module):
    """BigGAN's down-block: (ReLU →) conv3 → ReLU → conv3 → 2×2 mean pool, plus the input
    through a 1×1 conv and the pool. The first block takes the image as it is, with no ReLU."""

    def __init__(
        self, in_channels: int, out_channels: int, downsample: bool = True, first: bool = False
    ) -> None:
        super().__init__()
        self.conv1 = _conv(in_channels, out_channels, 3)
        self.conv2 = _conv(out_channels, out_channels, 3)
        self.shortcut = _conv(in_channels, out_channels, 1)
        self.downsample, self.first = downsample, first

    def _pool(self, x: torch.Tensor) -> torch.Tensor:
        return F.avg_pool2d(x, 2) if self.downsample else x

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = x if self.first else F.relu(x)
        h = self._pool(self.conv2(F.relu(self.conv1(h))))
        return h + self._pool(self.shortcut(x))


class ProjectionDiscriminator(nn.Module):
    """(image, class) → one logit per image: down-blocks 28→14→7 (widths ``channels``,
    2·``channels``), a block at 7×7 (4·``channels``), ReLU and a sum over space give h; then
    ψ(h) + ⟨embed(y), h⟩."""

    def __init__(self, num_classes: int = 10, channels: int = 64, in_channels: int = 1) -> None:
        super().__init__()
        widths = [in_channels, channels, 2 * channels, 4 * channels]
        self.blocks = nn.Sequential(
            DiscriminatorBlock(widths[0], widths[1], first=True),
            DiscriminatorBlock(widths[1], widths[2]),
            DiscriminatorBlock(widths[2], widths[3], downsample=False),
        )
        self.linear = spectral_norm(nn.Linear(widths[-1], 1))  # ψ
        self.embedding = spectral_norm(nn.Embedding(num_classes, widths[-1]))

    def features(self, images: torch.Tensor) -> torch.Tensor:
        """h: the blocks' output after a ReLU, summed over space (N × 4·channels)."""
        return F.relu(self.blocks(images)).sum(dim=(2, 3))

    def projection(self, h: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """⟨embed(y), h⟩ per row: what the class adds to the logit."""
        return (self.embedding(labels) * h).sum(dim=1)

    def forward(self, images: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        h = self.features(images)
        return self.linear(h).squeeze(1) + self.projection(h, labels)
