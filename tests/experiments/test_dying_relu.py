"""dying-relu end to end on a tiny profile: what the measure must show, the derivative checks,
the report, and a stop between settings."""

import itertools
import json
import signal

import pytest

from minimaxlab.experiments import dying_relu
from minimaxlab.interrupt import TrainingInterrupted
from minimaxlab.launch import run_experiment

TINY = [
    "hidden_size=16",
    "learning_rates=[0.1,3.0]",
    "bias_inits=[0.0,-4.0]",
    "repeats=2",
    "train.epochs=3",
    "train.limit=200",
]


def run_tiny(out):
    return run_experiment(
        "dying-relu", profile="quick", overrides=TINY, device="cpu", out=out, progress=False
    )


def test_dead_relu_units_stay_dead_and_silent_elu_units_keep_a_gradient(tmp_path):
    run = run_tiny(tmp_path / "run")
    summary = run.read_summary()
    assert summary["status"] == "finished"
    assert summary["derivative_checks_largest_error"] < 1e-12
    checks = summary["tables"]["Derivatives against autograd (float64)"]["rows"]
    assert len(checks) == 6 and all(row[1] < 1e-12 and row[2] > 0 for row in checks)

    results = json.loads((run.path / "sweep.json").read_text())
    assert len(results) == 2 * 2 * 2
    silent_elu_seen = False
    for result in results.values():
        dead = result["dead_fraction"]
        assert len(dead) == 4  # before training and after each of 3 epochs
        gradients = [g for g in result["silent_unit_gradient"] if g is not None]
        if result["activation"] == "relu":
            # a dead ReLU unit gets no gradient, so it never changes and never revives
            assert all(later >= earlier for earlier, later in itertools.pairwise(dead))
            assert result["revived_units"][-1] == 0
            assert all(g == 0 for g in gradients)
        else:
            assert all(g > 0 for g in gradients)
            silent_elu_seen |= bool(gradients)
    assert silent_elu_seen  # a bias of −4 silences ELU units too, so the comparison happened
    assert results["relu_lr0.1_bias-4"]["dead_fraction"][0] > 0.5
    assert results["relu_lr0.1_bias0"]["dead_fraction"][0] < 0.5

    records = [r for r in run.metrics() if r["setting"] == "elu_lr3_bias0"]
    assert [(r["repeat"], r["epoch"]) for r in records] == [
        (k, e) for k in (0, 1) for e in range(4)
    ]
    assert (run.path / "figures" / "dead_fraction.png").is_file()
    html = run.report_path.read_text()
    assert "Derivatives against autograd" in html and "mean |∂L/∂W| of silent units" in html


def test_a_stop_keeps_finished_settings_and_resume_does_only_the_rest(tmp_path, monkeypatch):
    original = dying_relu.train_network
    calls = []

    def counted(*args, **kwargs):
        calls.append(args[:3])
        if args[:4] == ("relu", 0.1, 0.0, 0):  # the first repeat of the first setting
            signal.raise_signal(signal.SIGINT)
        return original(*args, **kwargs)

    monkeypatch.setattr(dying_relu, "train_network", counted)
    with pytest.raises(TrainingInterrupted) as stopped:
        run_tiny(tmp_path / "run")
    assert stopped.value.step == 1  # settings finished
    assert len(calls) == 2  # the setting in progress finishes both repeats, then it stops
    assert list(json.loads((tmp_path / "run" / "sweep.json").read_text())) == ["relu_lr0.1_bias0"]
    calls.clear()
    resumed = run_experiment(resume=tmp_path / "run", progress=False)
    assert len(calls) == 2 * 7 and ("relu", 0.1, 0.0) not in calls
    assert resumed.read_summary()["status"] == "finished"
    settings = {r["setting"] for r in resumed.metrics()}
    assert len(settings) == 8
    assert sum(r["setting"] == "relu_lr0.1_bias0" for r in resumed.metrics()) == 2 * 4
