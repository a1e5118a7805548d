"""Every experiment in the registry, end to end on its ``smoke`` profile: the run folder holds
what SPEC.md promises of every run (config, environment, summary, figures, report)."""

from __future__ import annotations

import json

import pytest
import yaml

from minimaxlab.config import resolve_config
from minimaxlab.experiments import EXPERIMENTS
from minimaxlab.launch import run_experiment


@pytest.mark.parametrize("name", sorted(EXPERIMENTS))
def test_every_experiment_runs_end_to_end_on_smoke(name, tmp_path):
    run = run_experiment(name, profile="smoke", device="cpu", out=tmp_path / name, progress=False)

    config = yaml.safe_load(run.config_path.read_text())
    expected = resolve_config(EXPERIMENTS[name].config_class, name, "smoke", ["device=cpu"])
    assert config == expected.model_dump(mode="json")

    env = json.loads(run.env_path.read_text())
    assert env["device"] == "cpu" and env["seed"] == config["seed"] and env["profile"] == "smoke"
    assert env["torch"] and env["python"]

    summary = json.loads(run.summary_path.read_text())
    assert summary["experiment"] == name and summary["status"] == "finished"

    figures = [p for p in run.path.rglob("*") if p.suffix in (".png", ".gif")]
    assert figures, f"{name} drew no figure"
    assert all(p.stat().st_size > 0 for p in figures)

    report = run.report_path.read_text(encoding="utf-8")
    assert name in report and "<html" in report.lower()
    assert not list(run.path.rglob("*.tmp")), "a temporary file was left behind"
