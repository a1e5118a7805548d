"""Evaluating a run's generator: samples and real images through the data set's feature
classifier, then every metric of metrics.images, for the samples and for the real test split
(the floor a perfect generator would reach)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import torch

from minimaxlab.data.images import ImageSet
from minimaxlab.data.registry import load_images
from minimaxlab.gan.generators import load_generator, sample_images
from minimaxlab.metrics.features import ClassifierSpec, embed, load_or_train_classifier
from minimaxlab.metrics.images import compare_features
from minimaxlab.plots import plot_bars
from minimaxlab.report import write_report
from minimaxlab.runs import Run


def run_images(
    run: Run, splits: Sequence[str], device: torch.device | str = "cpu"
) -> list[ImageSet]:
    """Splits of the data set a run trained on (after any fallback), as its config shaped it."""
    data_config = run.read_config().get("data", {})
    name = run.read_summary().get("data", {}).get("name", data_config.get("name"))
    return [
        load_images(
            name,
            split,
            root=data_config.get("root"),
            image_size=data_config.get("image_size"),
            device=device,
        )
        for split in splits
    ]


def evaluate_run(
    run_dir: str | os.PathLike,
    n: int = 10000,
    device: torch.device | str = "cpu",
    seed: int = 0,
    progress: bool = True,
    classifier_spec: ClassifierSpec | None = None,
) -> dict[str, Any]:
    """Compare ``n`` samples of a run's generator with ``n`` real training images; write the
    numbers into its summary.json and report, and return them."""
    run = Run.open(run_dir)
    train, test = run_images(run, ("train", "test"), device)
    name = train.name
    classifier = load_or_train_classifier(train, test, classifier_spec, progress)

    shuffle = torch.Generator().manual_seed(seed)
    n_real = min(n, len(train))
    real_indices = torch.randperm(len(train), generator=shuffle)[:n_real].to(train.device)
    real_features, _ = embed(classifier.model, train.gan_batch(real_indices))
    test_features, test_predictions = embed(
        classifier.model, test.gan_batch(torch.arange(min(n, len(test)), device=test.device))
    )
    generator = load_generator(run.path, device)
    fake_features, fake_predictions = embed(
        classifier.model, sample_images(generator, n, seed, device)
    )

    classes = len(train.class_names)
    evaluation = {
        "n": n,
        "dataset": name,
        "classifier": {"test_accuracy": classifier.test_accuracy, "key": classifier.key[:16]},
        "generated": compare_features(
            real_features,
            fake_features,
            fake_predictions,
            classes,
            generator=torch.Generator().manual_seed(seed),
        ),
        "floor": compare_features(
            real_features,
            test_features,
            test_predictions,
            classes,
            generator=torch.Generator().manual_seed(seed),
        ),
    }
    plot_bars(
        {
            "generated": evaluation["generated"]["class_histogram"],
            "real test": evaluation["floor"]["class_histogram"],
        },
        train.class_names,
        run.figure_path("evaluation/class_histogram.png"),
        title="Predicted classes of the samples and of real test images",
        ylabel="fraction",
    )
    run.add_to_summary(evaluation=evaluation)
    write_report(run)
    return evaluation
