"""Every experiment in the registry, end to end on its ``smoke`` profile: the run folder holds
what SPEC.md promises of every run (config, environment, summary, figures, report). And what
the runner promises of a run folder: the summary is merged into, a run killed before its first
checkpoint starts again, a damaged file is a one-line error, child runs reuse their folder."""

from __future__ import annotations

import dataclasses
import json

import pytest
import torch
import yaml

from minimaxlab.config import resolve_config
from minimaxlab.errors import MinimaxlabError
from minimaxlab.experiments import EXPERIMENTS
from minimaxlab.interrupt import TrainingInterrupted
from minimaxlab.launch import run_child, run_experiment
from minimaxlab.runs import Run


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


@pytest.fixture
def fake_bandit(monkeypatch):
    """bandit with a stand-in run function: ``calls`` records each call's context."""
    calls = []

    def run(config, context):
        calls.append(context)
        return {"steps": 6, "seed": config.seed}

    monkeypatch.setitem(
        EXPERIMENTS, "bandit", dataclasses.replace(EXPERIMENTS["bandit"], run=run, account=None)
    )
    return calls


def test_an_interrupted_then_finished_run_merges_into_its_summary(tmp_path, monkeypatch):
    def stopped(config, context):
        context.run.add_to_summary(sweep={"a": 5})  # an entry written along the way
        context.run.save_checkpoint({"step": 3})
        raise TrainingInterrupted(3)

    monkeypatch.setitem(
        EXPERIMENTS, "bandit", dataclasses.replace(EXPERIMENTS["bandit"], run=stopped, account=None)
    )
    with pytest.raises(TrainingInterrupted):
        run_experiment("bandit", profile="smoke", out=tmp_path / "run", progress=False)
    run = Run(tmp_path / "run")
    assert run.read_summary() == {
        "sweep": {"a": 5},
        "experiment": "bandit",
        "status": "interrupted",
        "steps": 3,
    }
    assert "interrupted" in run.report_path.read_text()

    def resumed(config, context):
        assert context.resume  # there is a checkpoint to continue from
        return {"steps": 6}

    monkeypatch.setitem(
        EXPERIMENTS, "bandit", dataclasses.replace(EXPERIMENTS["bandit"], run=resumed, account=None)
    )
    run_experiment(resume=run.path, progress=False)
    assert run.read_summary() == {
        "sweep": {"a": 5},
        "experiment": "bandit",
        "status": "finished",
        "steps": 6,
    }


def test_resume_of_a_run_killed_before_its_first_checkpoint_starts_it_again(tmp_path):
    name, cpu = "gan-mnist", ["device=cpu"]
    straight = run_experiment(name, profile="smoke", device="cpu", out=tmp_path / "straight")
    killed = Run.create(name, tmp_path / "killed")  # what a kill -9 in the first epoch leaves
    killed.write_config(
        resolve_config(EXPERIMENTS[name].config_class, name, "smoke", cpu).model_dump(mode="json")
    )
    killed.write_env({"device": "cpu", "profile": "smoke"})

    resumed = run_experiment(resume=killed.path, progress=False)
    assert resumed.read_summary()["status"] == "finished"
    assert json.loads(resumed.env_path.read_text())["resumed_after"]["profile"] == "smoke"
    ours = resumed.load_checkpoint()["models"]["generator"]
    theirs = straight.load_checkpoint()["models"]["generator"]
    assert all(torch.equal(ours[key], theirs[key]) for key in theirs)


@pytest.mark.parametrize(
    ("damaged", "content"),
    [
        ("config.yaml", "experiment: [bandit\n"),
        ("env.json", '{"device": '),
        ("summary.json", "\x00garbage"),
        ("metrics.jsonl", '{"step": 1}\n"not a record"\n{"step": 2}\n'),
    ],
)
def test_resume_of_a_folder_with_a_damaged_file_is_a_one_line_error(
    damaged, content, tmp_path, fake_bandit
):
    run = run_experiment("bandit", profile="smoke", out=tmp_path / "run", progress=False)
    run.log_metrics({"step": 1})
    (run.path / damaged).write_text(content)
    with pytest.raises(MinimaxlabError, match=damaged.replace(".", r"\.")) as raised:
        run_experiment(resume=run.path, progress=False)
    assert "\n" not in str(raised.value)
    assert len(fake_bandit) == 1  # refused before it ran again


def test_a_child_run_is_started_then_reused_then_continued(tmp_path, fake_bandit):
    def child():
        return run_child(
            "bandit", ["seed=1"], tmp_path / "child", "smoke", seed=7, device="cpu", progress=False
        )

    first = child()
    assert first.read_summary()["status"] == "finished" and len(fake_bandit) == 1
    assert first.read_config()["seed"] == 7  # the parent's seed, over the overrides
    assert child().path == first.path and len(fake_bandit) == 1  # finished: reused
    first.add_to_summary(status="interrupted")
    child()
    assert len(fake_bandit) == 2 and first.read_summary()["status"] == "finished"
    assert "resumed_after" in json.loads(first.env_path.read_text())  # continued, not restarted


def test_an_experiment_is_handed_a_child_runner_with_its_seed_and_device(
    tmp_path, monkeypatch, fake_bandit
):
    def parent(config, context):
        return {
            "child": str(context.run_child("bandit", [], context.run.path / "inner", "smoke").path)
        }

    monkeypatch.setitem(
        EXPERIMENTS,
        "dynamics",
        dataclasses.replace(EXPERIMENTS["dynamics"], run=parent, account=None),
    )
    run = run_experiment(
        "dynamics", profile="smoke", seed=3, device="cpu", out=tmp_path / "run", progress=False
    )
    inner = Run(run.read_summary()["child"])
    assert inner.path == run.path / "inner"
    assert inner.read_config()["seed"] == 3 and inner.read_config()["device"] == "cpu"
    assert fake_bandit[0].progress is False


def test_a_run_folder_in_use_is_refused_and_left_as_it_was(tmp_path):
    run = run_experiment(
        "bandit", profile="smoke", device="cpu", out=tmp_path / "b", progress=False
    )
    before = run.summary_path.read_bytes()
    with run.lock(), pytest.raises(MinimaxlabError, match="in use by another minimaxlab process"):
        run_experiment(resume=run.path, progress=False)
    assert run.summary_path.read_bytes() == before


@pytest.mark.parametrize("trained", [False, True])
def test_a_resume_refused_before_it_trained_keeps_the_stored_settings(
    tmp_path, monkeypatch, fake_bandit, trained
):
    """config.yaml and env.json go back to what the resume found unless the failing resume
    had already written progress (then they describe that progress and stay)."""
    run = run_experiment("bandit", profile="smoke", out=tmp_path / "run", progress=False)
    kept = {path: path.read_bytes() for path in (run.config_path, run.env_path)}

    def refused(config, context):
        if trained:
            context.run.save_checkpoint({"step": 9})
        raise MinimaxlabError("no such thing")

    monkeypatch.setitem(
        EXPERIMENTS, "bandit", dataclasses.replace(EXPERIMENTS["bandit"], run=refused)
    )
    with pytest.raises(MinimaxlabError, match="no such thing"):
        run_experiment(resume=run.path, overrides=["steps=7"], progress=False)
    now = {path: path.read_bytes() for path in kept}
    assert (now == kept) is not trained
    assert run.read_config()["steps"] == (7 if trained else 200)
