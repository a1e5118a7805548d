"""beta-vae end to end on its smoke profile: every setting measured, the figures and the run's
generators; a stop in the middle of a setting resumes to the bit and skips the finished ones; a
nan at one β stops that β alone."""

import json
import math
import signal

import pytest
import torch

from minimaxlab.experiments import beta_vae
from minimaxlab.generative import GENERATORS
from minimaxlab.interrupt import TrainingInterrupted
from minimaxlab.launch import run_experiment
from minimaxlab.tools.generators import load_generator
from minimaxlab.vae import train as vae_train

KEYS = ["gaussian-beta-0.3", "gaussian-beta-3", "echo-beta-0.3", "echo-beta-3"]
STEPS = 8  # 64 digits in batches of 16, two epochs


def run_smoke(out, *overrides):
    return run_experiment(
        "beta-vae",
        profile="smoke",
        overrides=list(overrides),
        device="cpu",
        out=out,
        progress=False,
    )


@pytest.fixture(scope="module")
def straight(tmp_path_factory):
    return run_smoke(tmp_path_factory.mktemp("beta-vae") / "straight")


def sweep(run):
    settings = json.loads((run.path / "sweep.json").read_text())["settings"]
    return {k: {n: v for n, v in r.items() if n != "train_time_s"} for k, r in settings.items()}


def test_every_setting_is_measured_in_the_table_and_the_summary(straight):
    summary = straight.read_summary()
    assert list(summary["results"]) == KEYS
    for result in summary["results"].values():
        assert result["status"] == "finished" and result["steps"] == STEPS
        assert math.isclose(result["elbo"], -(result["distortion"] + result["rate"]))
        assert result["information"] <= result["rate"] + 1e-6
    echo = summary["results"]["echo-beta-3"]
    assert echo["information"] == echo["rate"] >= summary["echo"]["minimum_rate"] - 1e-6
    table = summary["tables"][beta_vae.TABLE]
    assert [row[:2] for row in table["rows"]] == [
        [k.split("-")[0], float(k.split("-")[-1])] for k in KEYS
    ]
    assert set(summary["trade_off"]) == {"gaussian", "echo"}
    assert summary["echo"]["clip"] ** 8 / (1 - summary["echo"]["clip"]) <= 0.01


def test_the_figures_show_the_plane_reconstructions_and_samples(straight):
    figures = straight.path / "figures"
    for name in (
        "rate_distortion.png",
        "reconstructions/gaussian.png",
        "reconstructions/echo.png",
        "prior_samples/gaussian.png",
        "aggregate_posterior_samples/echo.png",
    ):
        assert (figures / name).is_file(), name


def test_the_gaussian_decoders_are_the_runs_generators_beta_closest_to_one_by_default(straight):
    summary = straight.read_summary()
    assert summary[GENERATORS] == ["gaussian-beta-0.3", "gaussian-beta-3"]
    assert summary["default_generator"] == "gaussian-beta-3"  # |log 3| < |log 0.3|
    default, chosen = (
        load_generator(straight.path),
        load_generator(straight.path, name="gaussian-beta-3"),
    )
    other = load_generator(straight.path, name="gaussian-beta-0.3")
    for key, value in default.state_dict().items():
        assert torch.equal(value, chosen.state_dict()[key])
    assert not all(torch.equal(v, other.state_dict()[k]) for k, v in default.state_dict().items())
    images = default.sample(3, generator=torch.Generator().manual_seed(0))
    assert images.shape == (3, 1, 28, 28) and images.abs().max() <= 1


def test_a_stopped_sweep_resumes_to_the_bit_and_skips_finished_settings(
    straight, tmp_path, monkeypatch
):
    original_step, original_train = vae_train.vae_step, beta_vae._train_setting
    cut, stop_at = "echo-beta-0.3", 3

    def stopping(models, optimizer, data, batches, objective, generator, key):
        step = original_step(models, optimizer, data, batches, objective, generator, key)

        def stop_inside(i):
            numbers = step(i)
            if key == cut and i + 1 == stop_at:
                signal.raise_signal(signal.SIGINT)
            return numbers

        return stop_inside

    monkeypatch.setattr(vae_train, "vae_step", stopping)
    with pytest.raises(TrainingInterrupted):
        run_smoke(tmp_path / "run")
    assert list(json.loads((tmp_path / "run" / "sweep.json").read_text())["settings"]) == KEYS[:2]

    monkeypatch.setattr(vae_train, "vae_step", original_step)
    trained = []
    monkeypatch.setattr(
        beta_vae, "_train_setting", lambda key, *a: trained.append(key) or original_train(key, *a)
    )
    resumed = run_experiment(resume=tmp_path / "run", progress=False)
    assert trained == KEYS[2:]
    assert sweep(resumed) == sweep(straight)
    for key in KEYS:
        ours = torch.load(resumed.path / "models" / f"{key}.pt", weights_only=True)["models"]
        theirs = torch.load(straight.path / "models" / f"{key}.pt", weights_only=True)["models"]
        for model in ours:
            assert all(torch.equal(v, theirs[model][k]) for k, v in ours[model].items()), key
    assert list(resumed.metrics()) == list(straight.metrics())


def test_a_nan_at_one_beta_stops_that_beta_with_its_message_and_the_sweep_goes_on(
    tmp_path, monkeypatch
):
    original = vae_train.VaeObjective.terms

    def nan_at_large_beta(self, *args):
        d, r = original(self, *args)
        return (d * math.nan, r) if self.beta == 3.0 else (d, r)

    monkeypatch.setattr(vae_train.VaeObjective, "terms", nan_at_large_beta)
    run = run_smoke(tmp_path / "run", "encoders=[gaussian]")
    results = run.read_summary()["results"]
    assert results["gaussian-beta-0.3"]["status"] == "finished"
    failed = results["gaussian-beta-3"]
    assert failed["status"] == "diverged" and "training diverged" in failed["message"]
    assert run.read_summary()[GENERATORS] == ["gaussian-beta-0.3"]
    assert "diverged" in (run.path / "report.html").read_text()


def test_the_encoders_must_include_the_gaussian_one_and_betas_be_distinct(tmp_path):
    from minimaxlab.errors import MinimaxlabError

    with pytest.raises(MinimaxlabError, match="gaussian"):
        run_smoke(tmp_path / "a", "encoders=[echo]")
    with pytest.raises(MinimaxlabError, match="distinct"):
        run_smoke(tmp_path / "b", "betas=[1.0,1.0]")
