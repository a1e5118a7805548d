"""multitask end to end on a tiny profile: six settings, their tables and curves, the sweep
store, a resume that ends bitwise equal to a straight run, and the checks on the pair."""

from __future__ import annotations

import json

import pytest
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

TINY_MULTITASK = [
    *TINY_DATA,
    "train.epochs=2",
    "train.batch_size=16",
    "train.multitask_batch_size=8",
    "train.small_train_size=20",
]
SETTINGS = ("alone-A", "alone-B", "multitask", "alone-A-20", "alone-B-20", "multitask-20")


def finished(out):
    return json.loads((out / "sweep.json").read_text())["settings"]


def records(out, setting):
    lines = (out / "metrics.jsonl").read_text().splitlines()
    return [r for r in map(json.loads, lines) if r["setting"] == setting]


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
    assert list(finished(straight)) == list(SETTINGS)
    for setting in SETTINGS:
        history = finished(straight)[setting]["history"]
        assert [record["epoch"] for record in history] == [1, 2]
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
    assert torch.load(stopped / "checkpoint.pt", weights_only=True)["key"] == "multitask"
    assert list(finished(stopped)) == ["alone-A", "alone-B"]
    restore()
    result = resume(stopped)
    assert result.exit_code == 0, result.output
    for setting in SETTINGS:
        assert same_weights(
            weights(straight / "settings" / f"{setting}.pt"),
            weights(stopped / "settings" / f"{setting}.pt"),
        ), setting
    # one record per epoch, none twice, with the straight run's means and accuracies
    assert [r["epoch"] for r in records(stopped, "multitask")] == [1, 2]
    assert records(stopped, "multitask") == records(straight, "multitask")
    resumed = json.loads((stopped / "summary.json").read_text())
    assert resumed["test_accuracy"] == summary["test_accuracy"]

    # A finished run resumed again trains nothing.
    before = (stopped / "settings" / "alone-B.pt").stat().st_mtime_ns
    assert resume(stopped).exit_code == 0
    assert (stopped / "settings" / "alone-B.pt").stat().st_mtime_ns == before


def test_with_the_files_present_the_pair_is_mnist_and_grey_svhn(tmp_path, fake_mnist, fake_svhn):
    roots = [f"domain_a.root={fake_mnist}", f"domain_b.root={fake_svhn}"]
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
