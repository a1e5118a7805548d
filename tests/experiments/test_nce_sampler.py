"""nce-sampler end to end on tiny sizes (with a resume), and the `nce` command's output."""

import json
import signal

import pytest
import torch
from typer.testing import CliRunner

from minimaxlab.cli import app
from minimaxlab.interrupt import TrainingInterrupted
from minimaxlab.launch import run_experiment
from minimaxlab.sampling.nce import NceSampler

TINY_NCE = [
    "nce.hidden=[16]",
    "nce.steps=30",
    "nce.batch_size=64",
    "nce.bound_samples=4000",
    "nce.proposal_batch=4000",
]
NO_GAN = ["datasets=[moons,ring8]", "n_train=200", "n_eval=100", *TINY_NCE, "gan.enabled=false"]


def invoke(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


def run_nce(out, overrides, resume=None):
    return run_experiment(
        None if resume else "nce-sampler",
        profile="quick",
        device="cpu",
        out=None if resume else out,
        resume=resume,
        progress=False,
        overrides=[] if resume else overrides,
    )


def test_nce_sampler_compares_with_the_gan_on_each_data_set(tmp_path):
    run = run_experiment(
        "nce-sampler",
        profile="quick",
        device="cpu",
        out=tmp_path / "run",
        progress=False,
        overrides=[
            "datasets=[moons,ring8]",
            "n_train=200",
            "n_eval=100",
            *TINY_NCE,
            "gan.epochs=1",
            "gan.model.generator_hidden=[8]",
            "gan.model.discriminator_hidden=[8]",
            "gan.train.batch_size=50",
        ],
    )
    summary = run.read_summary()
    rows = summary["tables"]["NCE sampler against GAN"]["rows"]
    assert [r[:2] for r in rows] == [
        ["moons", "NCE sampler"],
        ["moons", "GAN"],
        ["moons", "real data (floor)"],
        ["ring8", "NCE sampler"],
        ["ring8", "GAN"],
        ["ring8", "real data (floor)"],
    ]
    assert 0 < summary["ring8.nce.acceptance_rate"] <= 1
    for row in rows[2::3]:  # the card's floors are the tables' floor rows
        assert summary[f"{row[0]}.floor.high_quality_fraction"] == row[3]
    assert (run.path / "figures" / "nce_vs_gan.png").is_file()
    results = json.loads((run.path / "results.json").read_text())
    assert results["moons"]["nce"]["accepted"] >= 100


def test_nce_command_prints_exactly_n_points_and_nothing_else(tmp_path):
    args = ["nce", "--data", "moons", "--n", 100, "--seed", 3, "--steps", 20, "--device", "cpu"]
    result = invoke(*args)
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 100
    points = [tuple(float(v) for v in line.split(",")) for line in lines]
    assert all(len(p) == 2 for p in points)
    assert "acceptance rate" in result.stderr


def test_nce_command_bad_input_is_one_line(tmp_path):
    for args, fragment in (
        (["--data", "spiral"], "unknown 2-D data set 'spiral'"),
        (["--n", 0], "--n must be at least 1"),
        (["--noise", "uniform"], "noise"),
    ):
        result = invoke("nce", *args, "--steps", 5)
        assert result.exit_code == 2, result.output
        assert len(result.stderr.strip().splitlines()) == 1 and fragment in result.stderr


def test_a_stopped_nce_sampler_run_resumes_to_the_same_numbers(tmp_path, monkeypatch):
    straight = run_nce(tmp_path / "straight", NO_GAN)
    # Ctrl-C once moons's classifier is trained: ring8's fit stops after its first step
    original = NceSampler.estimate_bound

    def estimate_bound(self, generator):
        signal.raise_signal(signal.SIGINT)
        monkeypatch.setattr(NceSampler, "estimate_bound", original)
        return original(self, generator)

    monkeypatch.setattr(NceSampler, "estimate_bound", estimate_bound)
    with pytest.raises(TrainingInterrupted):
        run_nce(tmp_path / "stopped", NO_GAN)
    stopped = tmp_path / "stopped"
    assert list(json.loads((stopped / "sweep.json").read_text())["settings"]) == ["moons"]
    assert torch.load(stopped / "nce" / "ring8-checkpoint.pt", weights_only=True)["step"] == 1
    moons = (stopped / "nce" / "moons.pt").stat().st_mtime_ns
    resumed = run_nce(None, NO_GAN, resume=stopped)
    assert (stopped / "nce" / "moons.pt").stat().st_mtime_ns == moons  # not fitted again
    assert json.loads((stopped / "results.json").read_text()) == json.loads(
        (straight.path / "results.json").read_text()
    )
    summary, expected = resumed.read_summary(), straight.read_summary()
    assert summary["ring8.nce.high_quality_fraction"] == expected["ring8.nce.high_quality_fraction"]
    records = [(r["setting"], r["step"]) for r in resumed.metrics()]
    assert records == [("moons", 30), ("ring8", 30)]
