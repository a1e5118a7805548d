"""wgan-gp end to end: the smoke profile stopped mid-training (as Ctrl-C stops it) and resumed
ends with the same critic and generator, to the bit, as a run that never stopped."""

import contextlib

import pytest
import torch

from minimaxlab import launch
from minimaxlab.interrupt import TrainingInterrupted
from tests.helpers import StopAt


def weights(run):
    models = run.load_checkpoint()["models"]
    return {f"{m}.{k}": v for m in ("generator", "discriminator") for k, v in models[m].items()}


def losses(run):
    """The logged records without their timings (images/s differs between any two runs)."""
    return [{k: v for k, v in r.items() if k != "images_per_s"} for r in run.metrics()]


def test_a_stopped_and_resumed_wgan_gp_run_ends_bitwise_equal_to_a_straight_one(
    tmp_path, monkeypatch
):
    options = dict(profile="smoke", device="cpu", progress=False)
    straight = launch.run_experiment("wgan-gp", out=tmp_path / "straight", **options)

    monkeypatch.setattr(launch, "StopSignal", lambda: contextlib.nullcontext(StopAt(1)))
    with pytest.raises(TrainingInterrupted):
        launch.run_experiment("wgan-gp", out=tmp_path / "resumed", **options)
    stopped = launch.Run(tmp_path / "resumed")
    assert stopped.read_summary()["status"] == "interrupted"
    assert 0 < stopped.read_summary()["steps"] < straight.read_summary()["steps"]
    monkeypatch.undo()
    resumed = launch.run_experiment(resume=tmp_path / "resumed", progress=False)

    assert resumed.read_summary()["steps"] == straight.read_summary()["steps"]
    ours, theirs = weights(resumed), weights(straight)
    assert ours.keys() == theirs.keys()
    assert all(torch.equal(ours[k], theirs[k]) for k in ours)
    assert losses(resumed) == losses(straight)
