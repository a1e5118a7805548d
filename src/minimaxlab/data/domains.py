"""Two image domains at one size, each with its train and test split on the device."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import torch

from minimaxlab.data.config import ImageDataConfig
from minimaxlab.data.images import ImageSet
from minimaxlab.data.registry import first_available, load_images
from minimaxlab.errors import MinimaxlabError

EVAL_BATCH = 1000


@dataclass(frozen=True)
class Domain:
    """One domain's splits and the per-channel mean and std of its training images."""

    key: str  # "A" or "B"
    train: ImageSet
    test: ImageSet
    mean: torch.Tensor  # 1×C×1×1, of pixel values scaled to [0, 1]
    std: torch.Tensor
    greyed: bool = False  # colour images turned grey

    @property
    def name(self) -> str:
        return self.train.name

    @property
    def label(self) -> str:
        """``A: mnist`` or ``B: svhn (grey)``, for tables and figures."""
        return f"{self.key}: {self.name}{' (grey)' if self.greyed else ''}"

    def inputs(self, images: torch.Tensor) -> torch.Tensor:
        """uint8 images → float inputs normalised with the training split's statistics."""
        return (images.float() / 255.0 - self.mean) / self.std

    def summary(self) -> dict[str, Any]:
        """What a run's summary says about the domain: its data, sizes, shape and checksum."""
        return {
            "data": self.label,
            "train": len(self.train),
            "test": len(self.test),
            "shape": list(self.train.shape),
            "checksum": self.train.checksum,
        }


def channel_stats(images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-channel mean and std (1×C×1×1) of uint8 images scaled to [0, 1], in chunks."""
    total = torch.zeros(images.shape[1], dtype=torch.float64, device=images.device)
    squares = torch.zeros_like(total)
    for chunk in images.split(EVAL_BATCH):
        values = chunk.double() / 255.0
        total += values.sum((0, 2, 3))
        squares += values.square().sum((0, 2, 3))
    count = images.shape[0] * images.shape[2] * images.shape[3]
    mean = total / count
    std = (squares / count - mean.square()).clamp_min(1e-12).sqrt().clamp_min(1e-3)
    return mean.float().view(1, -1, 1, 1), std.float().view(1, -1, 1, 1)


def load_domain(
    key: str, data: ImageDataConfig, test_limit: int | None, device: torch.device
) -> Domain:
    """The configured data set, or its first fallback that is on this machine (with a warning)."""
    name = first_available([data.name, *data.fallbacks], data.root)
    if name != data.name:
        warnings.warn(
            f"{data.name} is not on this machine; domain {key} uses {name} instead", stacklevel=2
        )
    splits = {
        split: load_images(
            name, split, root=data.root, device=device, limit=limit, image_size=data.image_size
        )
        for split, limit in (("train", data.limit), ("test", test_limit))
    }
    greyed = data.grey and splits["train"].shape[0] > 1
    if greyed:
        splits = {split: images.greyscale() for split, images in splits.items()}
    mean, std = channel_stats(splits["train"].images)
    return Domain(key, splits["train"], splits["test"], mean, std, greyed)


def load_pair(
    domain_a: ImageDataConfig,
    domain_b: ImageDataConfig,
    test_limit: int | None,
    device: torch.device,
    same_channels: bool,
) -> dict[str, Domain]:
    """Domains A and B, checked to have one image size (and one channel count if asked)."""
    domains = {
        "A": load_domain("A", domain_a, test_limit, device),
        "B": load_domain("B", domain_b, test_limit, device),
    }
    (ca, ha, wa), (cb, hb, wb) = (d.train.shape for d in domains.values())
    if (ha, wa) != (hb, wb) or ha != wa:
        raise MinimaxlabError(
            f"the domains have images of {ha}×{wa} ({domains['A'].name}) and {hb}×{wb} "
            f"({domains['B'].name}); set domain_a.image_size and domain_b.image_size to one size"
        )
    if same_channels and ca != cb:
        raise MinimaxlabError(
            f"the shared trunk needs one channel count, but domain A has {ca} and domain B {cb}; "
            "set domain_b.grey=true (or domain_a.grey=true)"
        )
    return domains
