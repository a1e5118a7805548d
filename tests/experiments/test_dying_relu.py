"""dying-relu end to end on a tiny profile: what the measure must show, the derivative checks,
the report, and a stop in the middle of a training."""

import itertools
import json
import signal

import pytest
import torch

from minimaxlab.experiments import dying_relu
from minimaxlab.experiments.dying_relu import EpochBatches
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
STEPS_PER_EPOCH = 7  # 200 images in batches of 32


def run_tiny(out):
    return run_experiment(
        "dying-relu", profile="quick", overrides=TINY, device="cpu", out=out, progress=False
    )


@pytest.fixture(scope="module")
def straight(tmp_path_factory):
    """One uninterrupted tiny sweep, shared by the tests that read it."""
    return run_tiny(tmp_path_factory.mktemp("dying-relu") / "straight")


def sweep(run):
    return json.loads((run.path / "sweep.json").read_text())["settings"]


def test_dead_relu_units_stay_dead_and_silent_elu_units_keep_a_gradient(straight):
    run = straight
    summary = run.read_summary()
    assert summary["status"] == "finished"
    assert summary["derivative_checks_largest_error"] < 1e-12
    checks = summary["tables"]["Derivatives against autograd (float64)"]["rows"]
    assert len(checks) == 6 and all(row[1] < 1e-12 and row[2] > 0 for row in checks)

    results = sweep(run)
    assert len(results) == 2 * 2 * 2 * 2  # activations × learning rates × biases × repeats
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
    (table,) = (t for title, t in summary["tables"].items() if title.startswith("After 3"))
    silent_at_start = {(row[0], row[1], row[2]): row[3] for row in table["rows"]}
    assert silent_at_start["ReLU", 0.1, -4.0] > 0.5  # the mean over the repeats
    assert silent_at_start["ReLU", 0.1, 0.0] < 0.5
    # the index card's headline agrees with the table's last epoch
    for unit, label in (("relu", "ReLU"), ("elu", "ELU")):
        rows = [row for row in table["rows"] if row[0] == label]
        gradients = [row[6] for row in rows if row[6] != "—"]
        assert summary["by_unit"][unit] == {
            "most_units_revived": max(row[5] for row in rows),
            "largest_silent_unit_gradient": max(gradients) if gradients else None,
        }
    assert summary["by_unit"]["relu"]["largest_silent_unit_gradient"] == 0

    records = [r for r in run.metrics() if r["setting"].startswith("elu_lr3_bias0_")]
    assert [(r["setting"], r["epoch"]) for r in records] == [
        (f"elu_lr3_bias0_repeat{k}", e) for k in (0, 1) for e in (1, 2, 3)
    ]
    assert (
        records[0]["dead_fraction/elu_lr3_bias0_repeat0"]
        == (results["elu_lr3_bias0_repeat0"]["dead_fraction"][1])
    )
    assert (run.path / "figures" / "dead_fraction.png").is_file()
    html = run.report_path.read_text()
    assert "Derivatives against autograd" in html and "mean |∂L/∂W| of silent units" in html


def test_a_stopped_sweep_resumes_to_the_same_results_and_skips_finished_trainings(
    straight, tmp_path, monkeypatch
):
    original_step, original_train = dying_relu.sgd_step, dying_relu.train_network
    stop_at = STEPS_PER_EPOCH + 2  # inside the second epoch

    def stopping(net, optimizer, train, batches, measure, key):
        step = original_step(net, optimizer, train, batches, measure, key)

        def stop_inside_an_epoch(i):
            numbers = step(i)
            if key == "relu_lr0.1_bias-4_repeat1" and i + 1 == stop_at:
                signal.raise_signal(signal.SIGINT)
            return numbers

        return stop_inside_an_epoch

    monkeypatch.setattr(dying_relu, "sgd_step", stopping)
    with pytest.raises(TrainingInterrupted) as stopped:
        run_tiny(tmp_path / "run")
    assert stopped.value.step == stop_at
    folder = tmp_path / "run"
    assert list(json.loads((folder / "sweep.json").read_text())["settings"]) == [
        "relu_lr0.1_bias0_repeat0",
        "relu_lr0.1_bias0_repeat1",
        "relu_lr0.1_bias-4_repeat0",
    ]
    state = torch.load(folder / "checkpoint.pt", weights_only=False)
    assert state["key"] == "relu_lr0.1_bias-4_repeat1" and state["step"] == stop_at

    monkeypatch.setattr(dying_relu, "sgd_step", original_step)
    trained = []

    def counted(*args):
        trained.append(args[:4])
        return original_train(*args)

    monkeypatch.setattr(dying_relu, "train_network", counted)
    resumed = run_experiment(resume=folder, progress=False)
    assert len(trained) == 16 - 3 and trained[0] == ("relu", 0.1, -4.0, 1)
    assert sweep(resumed) == sweep(straight)  # every measure of every epoch, exactly
    assert resumed.read_summary()["tables"] == straight.read_summary()["tables"]
    cut = "relu_lr0.1_bias-4_repeat1"  # the training the stop cut mid-epoch
    records = [r for r in resumed.metrics() if r["setting"] == cut]
    assert [r["step"] for r in records] == [7, 14, 21]  # the partial window was carried over
    assert records == [r for r in straight.metrics() if r["setting"] == cut]
    assert list(resumed.metrics()) == list(straight.metrics())  # no record twice, none extra


def test_minibatches_follow_one_generator_drawing_an_order_per_epoch():
    batches = EpochBatches(10, 4, seed=5, device=torch.device("cpu"))
    generator = torch.Generator().manual_seed(5)
    orders = [torch.randperm(10, generator=generator) for _ in range(3)]
    expected = [order[start : start + 4] for order in orders for start in (0, 4, 8)]
    assert batches.steps_per_epoch == 3
    assert [batches.ends_epoch(i) for i in range(6)] == [False, False, True] * 2
    # in order, then out of order as a resumed run asks: the same batches
    for i in [*range(9), 7, 2, 8]:
        assert torch.equal(batches(i), expected[i]), i
