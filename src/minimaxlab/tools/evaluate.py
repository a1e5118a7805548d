"""``minimaxlab evaluate``: measure a run's generator and record the numbers in its folder."""

from __future__ import annotations

import os
from typing import Any

import torch

from minimaxlab.errors import MinimaxlabError
from minimaxlab.metrics.evaluate import evaluate_generator, plot_class_histograms
from minimaxlab.metrics.features import ClassifierSpec
from minimaxlab.report.html import metric_rows
from minimaxlab.runs import Run, writes_into_run
from minimaxlab.tools.generators import load_generator, run_images
from minimaxlab.tools.report import write_run_report


@writes_into_run
def evaluate_run(
    run_dir: str | os.PathLike,
    n: int = 10000,
    device: torch.device | str = "cpu",
    seed: int = 0,
    progress: bool = True,
    classifier_spec: ClassifierSpec | None = None,
) -> dict[str, Any]:
    """Compare ``n`` samples of a run's generator with ``n`` real training images; write the
    numbers into its summary.json, a class-histogram figure and its report; return them."""
    if n < 2:
        raise MinimaxlabError(f"--n must be at least 2 (got {n})")
    run = Run.open(run_dir)
    run.check_files()  # a damaged file stops it before any work or any write
    generator = load_generator(run.path, device)
    train, test = run_images(run, ("train", "test"), device)
    evaluation = evaluate_generator(generator, train, test, n, seed, classifier_spec, progress)
    plot_class_histograms(
        evaluation, train.class_names, run.figure_path("evaluation/class_histogram.png")
    )
    run.add_to_summary(evaluation=evaluation)
    write_run_report(run)
    return evaluation


def evaluation_text(evaluation: dict[str, Any]) -> str:
    """The metrics as a table: the generated samples against the floor of real test images."""
    lines = [f"{'metric':<22}{'generated':>12}{'floor':>12}"]
    lines += [f"{label:<22}{gen:>12}{floor:>12}" for label, gen, floor in metric_rows(evaluation)]
    return "\n".join(lines)
