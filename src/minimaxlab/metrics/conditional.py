"""Metrics of a class-conditional image generator, in the feature classifier's terms.

*Per-class accuracy*: the share of class-c samples that the classifier puts in class c,
averaged over the classes (does the generator draw the class it is asked for?). *Intra-class
Fréchet distance*: the Fréchet distance between class-c samples and class-c real training
images, averaged over the classes (is each class's variety that of the data? as in Miyato &
Koyama 2018's intra-FID). The floor is both figures for real test images, measured the same
way against the same training images: what a perfect generator would reach.
"""

from __future__ import annotations

from typing import Any

import torch

from minimaxlab.data.images import ImageSet
from minimaxlab.metrics.features import FeatureClassifier, embed
from minimaxlab.metrics.images import frechet_distance


def per_class_accuracy(
    predictions: torch.Tensor, labels: torch.Tensor, num_classes: int
) -> list[float | None]:
    """For each class c, the share of rows labelled c that are predicted c (None: no rows)."""
    shares: list[float | None] = []
    for c in range(num_classes):
        rows = labels == c
        shares.append(float((predictions[rows] == c).float().mean()) if rows.any() else None)
    return shares


def intra_class_frechet(
    reference: torch.Tensor,
    reference_labels: torch.Tensor,
    features: torch.Tensor,
    labels: torch.Tensor,
    num_classes: int,
) -> list[float | None]:
    """For each class c, the Fréchet distance between the rows of class c of ``features`` and
    those of ``reference`` (None where either has fewer than two)."""
    distances: list[float | None] = []
    for c in range(num_classes):
        real, fake = reference[reference_labels == c], features[labels == c]
        enough = real.shape[0] >= 2 and fake.shape[0] >= 2
        distances.append(frechet_distance(real, fake) if enough else None)
    return distances


def _mean(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return sum(present) / len(present) if present else None


def _per_class_rows(data: ImageSet, per_class: int, generator: torch.Generator) -> torch.Tensor:
    """Up to ``per_class`` random rows of every class of ``data``."""
    labels = data.labels.cpu()
    rows = [(labels == c).nonzero().flatten() for c in range(len(data.class_names))]
    chosen = [r[torch.randperm(r.numel(), generator=generator)[:per_class]] for r in rows]
    return torch.cat(chosen).to(data.device)


def _scores(
    reference: tuple[torch.Tensor, torch.Tensor],
    features: torch.Tensor,
    predictions: torch.Tensor,
    labels: torch.Tensor,
    num_classes: int,
) -> dict[str, Any]:
    accuracy = per_class_accuracy(predictions, labels, num_classes)
    distances = intra_class_frechet(*reference, features, labels, num_classes)
    return {
        "per_class_accuracy": _mean(accuracy),
        "intra_class_frechet_distance": _mean(distances),
        "class_accuracy": accuracy,
        "class_frechet_distance": distances,
    }


@torch.no_grad()
def evaluate_conditional(
    model: Any,
    classifier: FeatureClassifier,
    train: ImageSet,
    test: ImageSet,
    n: int,
    seed: int = 0,
) -> dict[str, Any]:
    """Both metrics for n // classes samples of every class of ``model`` (a conditional
    GenerativeModel), and their floor: as many real test images per class. Both are measured
    against as many real training images per class."""
    classes = len(train.class_names)
    per_class = max(2, n // classes)
    draws = torch.Generator().manual_seed(seed)
    reference_rows = _per_class_rows(train, per_class, draws)
    reference_features, _ = embed(classifier, train.gan_batch(reference_rows))
    reference = (reference_features, train.labels[reference_rows])
    test_rows = _per_class_rows(test, per_class, draws)
    test_features, test_predictions = embed(classifier, test.gan_batch(test_rows))
    labels = torch.arange(classes).repeat_interleave(per_class)
    samples = model.sample(labels.numel(), labels=labels, generator=draws)
    features, predictions = embed(classifier, samples)
    labels = labels.to(predictions.device)
    return {
        "per_class": per_class,
        "classes": list(train.class_names),
        "generated": _scores(reference, features, predictions, labels, classes),
        "floor": _scores(
            reference, test_features, test_predictions, test.labels[test_rows], classes
        ),
    }
