"""multitask and triplet end to end on tiny profiles: folders, tables, figures, report, resume."""

from __future__ import annotations

import json
import signal

import pytest
import torch

from minimaxlab.data.batches import IndexStream
from tests.test_cli import QUICK_CPU, invoke

TINY_DATA = [
    "domain_a.limit=48",
    "domain_b.limit=48",
    "domain_a.image_size=16",
    "domain_b.image_size=16",
    "test_limit=24",
]
TINY_MULTITASK = [
    *TINY_DATA,
    "train.epochs=2",
    "train.batch_size=16",
    "train.multitask_batch_size=8",
    "train.small_train_size=20",
]
TINY_TRIPLET = [
    *TINY_DATA,
    "train.epochs=2",
    "train.batch_size=16",
    "train.monitor=24",
    "evaluation.gallery_limit=30",
    "evaluation.precision_at=[1,5]",
    "evaluation.projection_points=20",
]
SETTINGS = ("alone-A", "alone-B", "multitask", "alone-A-20", "alone-B-20", "multitask-20")


def run_offline(experiment, out, *args):
    with pytest.warns(UserWarning, match="domain B uses syndigits"):
        return invoke("run", experiment, *QUICK_CPU, "--out", out, *args)


def interrupt_at_batch(monkeypatch, calls):
    """Press Ctrl-C during the ``calls``-th batch drawn (counting every domain's)."""
    original = IndexStream.batch
    count = {"n": 0}

    def batch(self, step):
        count["n"] += 1
        if count["n"] == calls:
            signal.raise_signal(signal.SIGINT)
        return original(self, step)

    monkeypatch.setattr(IndexStream, "batch", batch)
    return lambda: monkeypatch.setattr(IndexStream, "batch", original)


def weights(path):
    return torch.load(path, weights_only=True)


def same_weights(a, b):
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def test_multitask_trains_six_settings_reports_them_and_resumes_exactly(tmp_path, monkeypatch):
    straight = tmp_path / "straight"
    result = run_offline("multitask", straight, *TINY_MULTITASK)
    assert result.exit_code == 0, result.output
    summary = json.loads((straight / "summary.json").read_text())
    assert summary["status"] == "finished"
    assert set(summary["test_accuracy"]) == set(SETTINGS)
    assert set(summary["test_accuracy"]["multitask"]) == {"A", "B"}
    assert summary["domains"]["A"]["data"] == "A: digits"
    assert summary["domains"]["B"]["data"] == "B: syndigits (grey)"
    assert summary["domains"]["B"]["shape"] == [1, 16, 16]
    table = summary["tables"]["Test accuracy (multi-task: change against alone in points)"]
    assert table["header"] == ["training examples", "model", "A: digits", "B: syndigits (grey)"]
    assert len(table["rows"]) == 4 and table["rows"][2][0] == "20 per domain"
    alone_a = summary["test_accuracy"]["alone-A"]["A"]
    assert table["rows"][0][2] == f"{100 * alone_a:.2f}%"
    details = {row[0]: row for row in summary["tables"]["Settings"]["rows"]}
    assert details["multitask"][1] == "8 + 8" and details["multitask"][3] == 12  # 2 × 48/8
    assert details["alone-A-20"][2] == "A 20" and details["alone-A-20"][3] == 4  # 2 × ⌈20/16⌉
    for setting in SETTINGS:
        saved = json.loads((straight / "settings" / f"{setting}.json").read_text())
        assert len(saved["history"]) == 2
    for curve in ("test_accuracy_A", "test_accuracy_B", "train_loss_A", "train_loss_B"):
        assert (straight / "figures" / "curves" / f"{curve}.png").is_file()
    html = (straight / "report.html").read_text()
    assert "Test accuracy (multi-task" in html and "examples" in html
    assert "multitask-20" in html

    # Ctrl-C in the middle of the multi-task setting's first epoch (alone-A and alone-B draw
    # 6 batches each; multitask 2 per step), then resume: the same weights as straight through.
    stopped = tmp_path / "stopped"
    restore = interrupt_at_batch(monkeypatch, 6 + 6 + 2 * 3)
    result = run_offline("multitask", stopped, *TINY_MULTITASK)
    assert result.exit_code == 130, result.output
    assert "interrupted at step 3" in result.stderr
    assert torch.load(stopped / "checkpoint.pt", weights_only=False)["setting"] == "multitask"
    assert not (stopped / "settings" / "multitask.json").exists()
    restore()
    with pytest.warns(UserWarning, match="syndigits"):
        result = invoke("run", "--resume", stopped, "--no-progress")
    assert result.exit_code == 0, result.output
    for setting in SETTINGS:
        assert same_weights(
            weights(straight / "settings" / f"{setting}.pt"),
            weights(stopped / "settings" / f"{setting}.pt"),
        ), setting
    records = [json.loads(line) for line in (stopped / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in records if r["setting"] == "multitask"] == [1, 2]

    # A finished run resumed again trains nothing.
    before = (stopped / "settings" / "alone-B.pt").stat().st_mtime_ns
    with pytest.warns(UserWarning, match="syndigits"):
        assert invoke("run", "--resume", stopped, "--no-progress").exit_code == 0
    assert (stopped / "settings" / "alone-B.pt").stat().st_mtime_ns == before


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
    assert torch.load(stopped / "checkpoint.pt", weights_only=False)["step"] == 4
    restore()
    with pytest.warns(UserWarning, match="syndigits"):
        assert invoke("run", "--resume", stopped, "--no-progress").exit_code == 0
    assert same_weights(weights(straight / "embedder.pt"), weights(stopped / "embedder.pt"))
    resumed = json.loads((stopped / "summary.json").read_text())
    assert resumed["trained"] == summary["trained"]


def test_with_the_files_present_the_pair_is_mnist_and_svhn(tmp_path, fake_mnist, fake_svhn):
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
    out = tmp_path / "multitask"
    result = invoke(
        "run", "multitask", *QUICK_CPU, "--out", out, *TINY_MULTITASK, *roots, "train.epochs=1"
    )
    assert result.exit_code == 0, result.output
    domains = json.loads((out / "summary.json").read_text())["domains"]
    assert domains["B"]["data"] == "B: svhn (grey)" and domains["B"]["shape"] == [1, 16, 16]
    assert domains["B"]["test"] == 10


def test_a_colour_domain_b_is_refused_by_the_shared_trunk(tmp_path):
    with pytest.warns(UserWarning):
        result = invoke(
            "run",
            "multitask",
            *QUICK_CPU,
            "--out",
            tmp_path / "r",
            *TINY_MULTITASK,
            "domain_b.grey=false",
        )
    assert result.exit_code == 2 and "set domain_b.grey=true" in result.stderr
    assert not (tmp_path / "r").exists()
