"""lstm-palindrome end to end on a tiny profile: the sweep, its report, stop and resume."""

import json
import signal

import pytest
import torch

from minimaxlab.errors import MinimaxlabError
from minimaxlab.experiments import lstm_palindrome
from minimaxlab.interrupt import TrainingInterrupted
from minimaxlab.launch import run_experiment

TINY = [
    "lengths=[3,6]",
    "model.hidden_size=16",
    "train.steps=30",
    "train.log_every=10",
    "train.checkpoint_every=20",
    "eval_size=200",
]


def run_tiny(out, *extra):
    return run_experiment(
        "lstm-palindrome",
        profile="quick",
        overrides=[*TINY, *extra],
        device="cpu",
        out=out,
        progress=False,
    )


@pytest.fixture(scope="module")
def straight(tmp_path_factory):
    """One uninterrupted tiny sweep, shared by the tests that read it. Its lengths are given
    out of order: each setting's seeds depend on (seed, model, T) only, and tables sort by T."""
    return run_tiny(tmp_path_factory.mktemp("lstm") / "straight", "lengths=[6,3]")


def test_tiny_sweep_writes_table_figures_curves_and_models(straight):
    run = straight
    summary = run.read_summary()
    assert summary["status"] == "finished"
    table = summary["tables"]["Accuracy on 200 fresh palindromes"]
    assert table["header"] == ["T", "LSTM", "RNN"]
    assert [row[0] for row in table["rows"]] == [3, 6]
    for row in table["rows"]:
        assert all(0.0 <= a <= 1.0 for a in row[1:])
    assert summary["accuracy"]["lstm"]["T=3"] == table["rows"][0][1]
    for column, name in ((1, "lstm"), (2, "rnn")):
        reached = [row[0] for row in table["rows"] if row[column] >= 0.9]
        longest = summary["longest_T_with_accuracy_at_least_0.9"][name]
        assert longest == (max(reached) if reached else None)
    # the index card's headline: the accuracies at the sweep's longest T (its last row)
    assert summary["at_longest_T"] == dict(
        zip(["T", "lstm", "rnn"], table["rows"][-1], strict=True)
    )
    training = summary["tables"]["Training of each setting"]["rows"]
    assert [(r[0], r[1], r[2]) for r in training] == [
        ("LSTM", 3, 30),
        ("RNN", 3, 30),
        ("LSTM", 6, 30),
        ("RNN", 6, 30),
    ]
    records = list(run.metrics())
    lstm_t06 = [r for r in records if r.get("setting") == "lstm_T06"]
    assert [r["step"] for r in lstm_t06] == [10, 20, 30]
    # named per setting, so the report draws one line per setting
    assert all({"loss/lstm_T06", "accuracy/lstm_T06"} <= r.keys() for r in lstm_t06)
    for name in ("accuracy_against_length.png", "training_accuracy.png"):
        assert (run.path / "figures" / name).is_file()
    weights = torch.load(run.path / "models" / "rnn_T06.pt")
    assert weights["weight_h"].shape == (16, 16) and weights["weight_x"].shape == (16, 10)
    html = run.report_path.read_text()
    assert "Accuracy on 200 fresh palindromes" in html and "accuracy against length" in html


def test_a_stopped_sweep_resumes_to_the_same_weights_and_skips_finished_settings(
    straight, tmp_path, monkeypatch
):
    original = lstm_palindrome.training_step

    def stopping_in_the_middle(state, length, train, device, key):
        step = original(state, length, train, device, key)

        def stop_after_13_steps(i):
            numbers = step(i)
            if key == "lstm_T06" and i + 1 == 13:
                signal.raise_signal(signal.SIGINT)
            return numbers

        return stop_after_13_steps

    monkeypatch.setattr(lstm_palindrome, "training_step", stopping_in_the_middle)
    with pytest.raises(TrainingInterrupted) as stopped:
        run_tiny(tmp_path / "stopped")
    assert stopped.value.step == 13
    folder = tmp_path / "stopped"
    finished = json.loads((folder / "sweep.json").read_text())["settings"]
    assert set(finished) == {"lstm_T03", "rnn_T03"}
    state = torch.load(folder / "checkpoint.pt", weights_only=False)
    assert state["key"] == "lstm_T06" and state["step"] == 13
    monkeypatch.setattr(lstm_palindrome, "training_step", original)

    saved = (folder / "models" / "lstm_T03.pt").stat().st_mtime_ns
    resumed = run_experiment(resume=folder, progress=False)
    assert (folder / "models" / "lstm_T03.pt").stat().st_mtime_ns == saved
    for key in ("lstm_T03", "rnn_T03", "lstm_T06", "rnn_T06"):
        a = torch.load(straight.path / "models" / f"{key}.pt")
        b = torch.load(resumed.path / "models" / f"{key}.pt")
        for name in a:
            assert torch.equal(a[name], b[name]), (key, name)
    assert resumed.read_summary()["accuracy"] == straight.read_summary()["accuracy"]
    records = [r for r in resumed.metrics() if r.get("setting") == "lstm_T06"]  # cut at step 13
    assert [r["step"] for r in records] == [10, 20, 30]  # the partial window was carried over
    assert records == [r for r in straight.metrics() if r.get("setting") == "lstm_T06"]


def test_bad_lengths_are_refused(tmp_path):
    with pytest.raises(MinimaxlabError, match="'lengths'"):
        run_tiny(tmp_path / "r", "lengths=[1,5]")
    with pytest.raises(MinimaxlabError, match="'models.1'.*'lstm' or 'rnn'"):
        run_tiny(tmp_path / "r", "models=[lstm,gru]")
