"""Evaluating a generator: its samples and real images through the data set's feature
classifier, then every metric of metrics.images, for the samples and for the real test split
(the floor a perfect generator would reach); for a conditional generator also the metrics of
metrics.conditional."""

from __future__ import annotations

import os
from typing import Any

import torch

from minimaxlab.data.images import ImageSet
from minimaxlab.generative import GenerativeModel
from minimaxlab.metrics.conditional import evaluate_conditional
from minimaxlab.metrics.features import ClassifierSpec, embed, load_or_train_classifier
from minimaxlab.metrics.images import compare_features
from minimaxlab.plots import plot_bars


def evaluate_generator(
    model: GenerativeModel,
    train: ImageSet,
    test: ImageSet,
    n: int = 10000,
    seed: int = 0,
    classifier_spec: ClassifierSpec | None = None,
    progress: bool = True,
) -> dict[str, Any]:
    """Compare ``n`` samples of ``model`` (and up to ``n`` real test images, the floor) with up
    to ``n`` real training images; the numbers, as plain JSON. Writes nothing but the feature
    classifier's cache entry."""
    classifier = load_or_train_classifier(train, test, classifier_spec, progress)
    shuffle = torch.Generator().manual_seed(seed)
    n_real = min(n, len(train))
    real_indices = torch.randperm(len(train), generator=shuffle)[:n_real].to(train.device)
    real_features, _ = embed(classifier.model, train.gan_batch(real_indices))
    test_features, test_predictions = embed(
        classifier.model, test.gan_batch(torch.arange(min(n, len(test)), device=test.device))
    )
    # Codes drawn on the CPU from the seed, all at once: any device gives the same samples.
    samples = model.sample(n, generator=torch.Generator().manual_seed(seed))
    fake_features, fake_predictions = embed(classifier.model, samples)
    classes = len(train.class_names)

    def against_real(features: torch.Tensor, predictions: torch.Tensor) -> dict[str, Any]:
        generator = torch.Generator().manual_seed(seed)  # the same subsets for both
        return compare_features(real_features, features, predictions, classes, generator=generator)

    evaluation = {
        "n": n,
        "dataset": train.name,
        "classifier": {"test_accuracy": classifier.test_accuracy, "key": classifier.key[:16]},
        "generated": against_real(fake_features, fake_predictions),
        "floor": against_real(test_features, test_predictions),
    }
    if getattr(model, "num_classes", None) is not None:
        evaluation["conditional"] = evaluate_conditional(
            model, classifier.model, train, test, n, seed
        )
    return evaluation


def plot_class_histograms(
    evaluation: dict[str, Any], class_names: tuple[str, ...], path: str | os.PathLike
) -> None:
    """Bars of the predicted classes of the samples and of the real test images."""
    plot_bars(
        {
            "generated": evaluation["generated"]["class_histogram"],
            "real test": evaluation["floor"]["class_histogram"],
        },
        class_names,
        path,
        title="Predicted classes of the samples and of real test images",
        ylabel="fraction",
    )
