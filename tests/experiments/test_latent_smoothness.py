"""latent-smoothness: the same GAN trained without and with the smoothness penalty, each as a
child run in its own folder, then U between two inverted test images and quality of each."""

import json

import pytest
import torch
import yaml
from PIL import Image
from typer.testing import CliRunner

from minimaxlab.cli import app
from minimaxlab.experiments import latent_smoothness
from minimaxlab.experiments.latent_smoothness import (
    EXPERIMENT,
    LatentSmoothnessConfig,
    base_missing_data,
)
from minimaxlab.experiments.latent_smoothness import account as smoothness_account
from minimaxlab.latent.paths import PathResult
from minimaxlab.report.account import compared
from minimaxlab.report.numbers import shown_numbers
from minimaxlab.runs import Run


def invoke(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


QUICK_CPU = ["--profile", "quick", "--device", "cpu", "--no-progress"]


def test_latent_smoothness_trains_without_and_with_the_penalty_and_compares(tmp_path):
    out = tmp_path / "run"
    base = json.dumps(
        [
            "data.limit=64",
            "train.batch_size=16",
            "train.epochs=1",
            "samples.grid_epochs=[1]",
            "evaluation.enabled=false",
        ]
    )  # YAML too
    with pytest.warns(UserWarning, match="training on digits"):  # mnist is not here
        result = invoke(
            "run",
            "latent-smoothness",
            *QUICK_CPU,
            "--out",
            out,
            f"base_overrides={base}",
            "path.points=4",
            "path.steps=3",
            "path.invert_steps=3",
            "path.restarts=1",
        )
    assert result.exit_code == 0, result.output
    summary = yaml.safe_load((out / "summary.json").read_text())
    results = summary["results"]
    assert results["without"]["smoothness_weight"] == 0.0
    assert results["with"]["smoothness_weight"] == 0.1  # quick's λ
    for label in ("without", "with"):
        assert results[label]["U_optimised"] <= results[label]["U_straight"]
        inner = yaml.safe_load((out / label / "config.yaml").read_text())
        assert inner["train"]["smoothness_weight"] == results[label]["smoothness_weight"]
        assert inner["train"]["epochs"] == 1 and inner["seed"] == 0
    assert (out / "report.html").is_file() and (out / "with" / "report.html").is_file()
    # Finished trainings are reused on resume, not trained again.
    before = (out / "with" / "checkpoint.pt").stat().st_mtime_ns
    assert invoke("run", "--resume", out, "--no-progress").exit_code == 0
    assert (out / "with" / "checkpoint.pt").stat().st_mtime_ns == before


def test_the_run_folder_holds_its_own_figures_and_paths(tmp_path):
    from minimaxlab.launch import run_experiment

    run = run_experiment(
        "latent-smoothness", profile="smoke", device="cpu", out=tmp_path / "run", progress=False
    )
    points = run.read_config()["path"]["points"]
    with Image.open(run.path / "figures" / "latent_paths.png") as strips:
        # four strips of `points` images: straight and optimised, without and with the penalty
        assert strips.height > 3 * strips.width / points
    assert (run.path / "figures" / "path_energy.png").stat().st_size > 0
    paths = torch.load(run.path / "latent-paths.pt")
    assert sorted(paths) == ["with", "without"]
    assert paths["with"]["optimised"].shape == (points, 100)
    assert torch.equal(paths["with"]["straight"][0], paths["with"]["optimised"][0])  # same end
    assert sorted(run.path.glob(EXPERIMENT.headline_figure)) == [
        run.path / "figures" / "path_energy.png"
    ]


def test_the_smoothness_account_compares_what_it_measured(entries):
    run = Run(entries["latent-smoothness"].run_dir)
    summary, config = run.read_summary(), run.read_config()
    without, with_ = summary["results"]["without"], summary["results"]["with"]
    text = " ".join(smoothness_account(summary, config))
    word = compared(with_["U_optimised"], without["U_optimised"])
    assert f"The optimised U with the penalty is {word} without it." in text
    assert "Fréchet" not in text  # evaluation was off in this run
    without.update(frechet_distance=30.0, coverage=0.5)
    with_.update(frechet_distance=35.0, coverage=0.25)
    text = smoothness_account(summary, config)[-1]
    assert text == (
        "Sample quality: Fréchet distance 30 without and 35 with the penalty (lower is better); "
        "coverage 0.5 and 0.25."
    )


def test_its_data_is_the_data_of_its_base():
    config = LatentSmoothnessConfig(base="dcgan-fashion", base_profile="quick")
    assert "needs fashion-mnist" in base_missing_data(config)
    assert base_missing_data(LatentSmoothnessConfig(base="gan-mnist")) is None  # digits at last


def test_the_card_sets_each_quality_number_beside_its_real_data_floor(tmp_path):
    def trained(name, frechet, recall):
        run = Run(tmp_path / name)
        run.path.mkdir()
        run.write_summary(
            {
                "evaluation": {
                    "generated": {"frechet_distance": frechet, "recall": recall},
                    "floor": {"frechet_distance": 3.25, "recall": 0.875},
                }
            }
        )
        return run

    path = PathResult(torch.zeros(2, 3), torch.zeros(2, 3), 2.0, 1.0, 0.5, 0.25)
    summary = {
        "base": "gan-mnist",
        "results": {
            "without": latent_smoothness._result(trained("without", 55.0, 0.25), 0.0, path),
            "with": latent_smoothness._result(trained("with", 190.0, 0.125), 0.1, path),
        },
    }
    card = [n.text() for n in shown_numbers(summary, EXPERIMENT.key_numbers)]
    assert card[-4:] == [
        "Fréchet distance, without the penalty 55 (real-data floor 3.25)",
        "Fréchet distance, with the penalty 190 (real-data floor 3.25)",
        "recall, without the penalty 0.25 (real-data floor 0.875)",
        "recall, with the penalty 0.125 (real-data floor 0.875)",
    ]
