"""triplet end to end on a tiny profile: retrieval, labelling, the maps and a resume that ends
bitwise equal to a straight run."""

from __future__ import annotations

import json

import torch

from tests.experiments.digit_pair import (
    TINY_DATA,
    interrupt_at_batch,
    resume,
    run_offline,
    same_weights,
    weights,
)
from tests.test_cli import QUICK_CPU, invoke

TINY_TRIPLET = [
    *TINY_DATA,
    "train.epochs=2",
    "train.batch_size=16",
    "train.monitor=24",
    "evaluation.gallery_limit=30",
    "evaluation.precision_at=[1,5]",
    "evaluation.projection_points=20",
]


def test_triplet_offline_measures_retrieval_and_draws_the_map_and_resumes(tmp_path, monkeypatch):
    straight = tmp_path / "straight"
    result = run_offline("triplet", straight, *TINY_TRIPLET)
    assert result.exit_code == 0, result.output
    summary = json.loads((straight / "summary.json").read_text())
    assert summary["domains"]["B"]["shape"] == [3, 16, 16]  # colour kept
    assert summary["steps"] == 6  # 2 epochs × 48/16
    for state in ("trained", "untrained"):
        assert set(summary[state]["retrieval"]) == {"A→B", "B→A"}
        assert set(summary[state]["knn"]) == {"A by B", "A by A", "B by A", "B by B"}
        for numbers in summary[state]["retrieval"].values():
            assert set(numbers) == {"1", "5"} and all(0 <= v <= 1 for v in numbers.values())
    titles = list(summary["tables"])
    assert titles[0].startswith("Cross-domain retrieval precision@k (A: digits, B: syndigits")
    assert summary["tables"][titles[0]]["header"] == ["query → gallery", "network", "P@1", "P@5"]
    assert len(summary["tables"][titles[1]]["rows"]) == 8
    for figure in (
        "map_trained.png",
        "map_untrained.png",
        "retrieved_A_to_B.png",
        "retrieved_B_to_A.png",
        "examples.png",
        "curves/precision_at_10.png",
        "curves/triplet_loss.png",
    ):
        assert (straight / "figures" / figure).is_file(), figure
    html = (straight / "report.html").read_text()
    assert "Cross-domain retrieval" in html and "map trained" in html

    stopped = tmp_path / "stopped"
    restore = interrupt_at_batch(monkeypatch, 2 * 4)  # two batches a step: during step 4
    assert run_offline("triplet", stopped, *TINY_TRIPLET).exit_code == 130
    assert torch.load(stopped / "checkpoint.pt", weights_only=True)["step"] == 4
    restore()
    assert resume(stopped).exit_code == 0
    assert same_weights(weights(straight / "embedder.pt"), weights(stopped / "embedder.pt"))
    resumed = json.loads((stopped / "summary.json").read_text())
    assert resumed["trained"] == summary["trained"]
    # one record per epoch (3 steps each), with the straight run's means and precisions
    metrics = [(p / "metrics.jsonl").read_text().splitlines() for p in (straight, stopped)]
    assert metrics[0] == metrics[1] and [json.loads(m)["step"] for m in metrics[1]] == [3, 6]


def test_with_the_files_present_the_pair_is_mnist_and_colour_svhn(tmp_path, fake_mnist, fake_svhn):
    roots = [f"domain_a.root={fake_mnist}", f"domain_b.root={fake_svhn}"]
    out = tmp_path / "triplet"
    result = invoke(
        "run",
        "triplet",
        *QUICK_CPU,
        "--out",
        out,
        *TINY_TRIPLET,
        *roots,
        "train.epochs=1",
        "evaluation.projection=pca",
    )
    assert result.exit_code == 0, result.output
    domains = json.loads((out / "summary.json").read_text())["domains"]
    assert domains["A"]["data"] == "A: mnist" and domains["A"]["train"] == 40
    assert domains["B"]["data"] == "B: svhn" and domains["B"]["shape"] == [3, 16, 16]
