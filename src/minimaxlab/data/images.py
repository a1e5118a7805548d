"""Image data held whole on the device as uint8 and batched by index."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace

import numpy as np
import torch
import torch.nn.functional as F

from minimaxlab.errors import MinimaxlabError

DIGITS_TEST_FRACTION = 0.2
DIGITS_SPLIT_SEED = 0  # a fixed split, so every run and every cache sees the same test digits
LUMA_WEIGHTS = (0.299, 0.587, 0.114)


@dataclass(frozen=True)
class ImageSet:
    """A labelled split: ``images`` uint8 N×C×H×W and ``labels`` int64 N, on one device."""

    name: str
    split: str
    images: torch.Tensor
    labels: torch.Tensor
    class_names: tuple[str, ...]
    checksum: str  # identifies the content, for caches keyed by the data

    def __len__(self) -> int:
        return self.images.shape[0]

    @property
    def shape(self) -> tuple[int, int, int]:
        """Channels, height, width of one image."""
        c, h, w = self.images.shape[1:]
        return int(c), int(h), int(w)

    @property
    def device(self) -> torch.device:
        return self.images.device

    def to(self, device: torch.device | str) -> ImageSet:
        return replace(self, images=self.images.to(device), labels=self.labels.to(device))

    def gan_batch(self, indices: torch.Tensor) -> torch.Tensor:
        """The images at ``indices`` as floats in [−1, 1], the range a tanh generator produces."""
        return self.images[indices].float().div_(127.5).sub_(1.0)

    def head(self, n: int) -> ImageSet:
        """The first ``n`` images (all when there are fewer)."""
        if n >= len(self):
            return self
        checksum = hashlib.sha256(f"{self.checksum}:head{n}".encode()).hexdigest()
        return replace(self, images=self.images[:n], labels=self.labels[:n], checksum=checksum)

    def greyscale(self) -> ImageSet:
        """Colour images as one channel of luma (ITU-R BT.601 weights), still uint8."""
        if self.shape[0] == 1:
            return self
        weights = torch.tensor(LUMA_WEIGHTS, device=self.device).view(1, 3, 1, 1)
        images = torch.cat(  # in chunks: all of SVHN as floats would take 0.9 GB
            [
                (chunk.float() * weights).sum(1, keepdim=True).round_().clamp_(0, 255).byte()
                for chunk in self.images.split(10_000)
            ]
        )
        checksum = hashlib.sha256(f"{self.checksum}:grey".encode()).hexdigest()
        return replace(self, images=images, checksum=checksum)

    def resized(self, size: int) -> ImageSet:
        """Every image resampled to size×size (bilinear, antialiased), still uint8."""
        if self.shape[1:] == (size, size):
            return self
        scaled = F.interpolate(
            self.images.float(),
            size=(size, size),
            mode="bilinear",
            antialias=True,
            align_corners=False,
        )
        images = scaled.round_().clamp_(0, 255).to(torch.uint8)
        checksum = hashlib.sha256(f"{self.checksum}:resize{size}".encode()).hexdigest()
        return replace(self, images=images, checksum=checksum)


def from_arrays(
    name: str,
    split: str,
    images: np.ndarray,
    labels: np.ndarray,
    class_names: tuple[str, ...],
    checksum: str | None = None,
) -> ImageSet:
    """An ImageSet from N×H×W or N×C×H×W uint8 images and integer labels (on the CPU); arrays
    of another shape, a label count that is not the image count, or a label that names no
    class are refused (a loader's file can hold any of them)."""
    labels = np.asarray(labels)
    where = f"data set {name} ({split})"
    if images.ndim not in (3, 4):
        raise MinimaxlabError(
            f"{where}: images must be N×H×W or N×C×H×W, not an array of shape {images.shape}"
        )
    if labels.shape != (len(images),):
        raise MinimaxlabError(
            f"{where}: {len(images)} images but labels of shape {labels.shape}; each image needs "
            "one label (check that the image and label files belong together)"
        )
    if len(labels) and (labels.min() < 0 or labels.max() >= len(class_names)):
        raise MinimaxlabError(
            f"{where}: labels run from {labels.min()} to {labels.max()}, outside the "
            f"{len(class_names)} classes 0–{len(class_names) - 1}"
        )
    if images.ndim == 3:
        images = images[:, None]
    images_t = torch.from_numpy(np.ascontiguousarray(images, dtype=np.uint8))
    labels_t = torch.from_numpy(labels.astype(np.int64))
    if checksum is None:
        digest = hashlib.sha256(images_t.numpy().tobytes())
        digest.update(labels_t.numpy().tobytes())
        checksum = digest.hexdigest()
    return ImageSet(name, split, images_t, labels_t, class_names, checksum)


def load_digits(split: str = "train") -> ImageSet:
    """scikit-learn's 1,797 8×8 digits as uint8 (0–16 scaled to 0–255); a fixed 80/20 split."""
    from sklearn.datasets import load_digits as sklearn_digits

    bunch = sklearn_digits()
    images = np.rint(bunch.images * (255.0 / 16.0)).astype(np.uint8)
    order = np.random.default_rng(DIGITS_SPLIT_SEED).permutation(len(images))
    n_test = round(len(images) * DIGITS_TEST_FRACTION)
    chosen = order[n_test:] if split == "train" else order[:n_test]
    class_names = tuple(str(d) for d in range(10))
    return from_arrays("digits", split, images[chosen], bunch.target[chosen], class_names)
