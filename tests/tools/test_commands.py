"""Every command on a generative run — sample, evaluate, interpolate, invert, latent-path —
through the CLI on a tiny run of every generative experiment the registry lists (see
conftest.py), so a new one is covered without editing this file."""

import pytest
from PIL import Image

from minimaxlab.tools import interpolate
from tests.helpers import invoke, one_line_error

from .conftest import CONDITIONAL, GENERATIVE
from .helpers import BrightnessClassifier, summary_of

CPU = ["--device", "cpu"]


@pytest.mark.parametrize("name", GENERATIVE)
def test_sample(name, tiny_runs, tmp_path):
    png = tmp_path / "samples.png"
    result = invoke("sample", tiny_runs[name], "--n", 4, "--out", png, *CPU)
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == str(png)
    with Image.open(png) as image:
        if name in CONDITIONAL:  # a labelled row per class (tests/tools/test_conditional.py)
            assert image.height > 0 and image.width > 0
        else:
            assert image.width == image.height > 0  # a 2×2 grid


@pytest.mark.parametrize("name", GENERATIVE)
def test_evaluate(name, copy_of, shared_cache):
    run_dir = copy_of(name)
    result = invoke("evaluate", run_dir, "--n", 40, "--no-progress", *CPU)
    assert result.exit_code == 0, result.output
    assert "Fréchet distance" in result.stdout
    evaluation = summary_of(run_dir)["evaluation"]
    assert evaluation["n"] == 40 and evaluation["generated"]["frechet_distance"] is not None
    assert (run_dir / "figures" / "evaluation" / "class_histogram.png").is_file()


@pytest.mark.parametrize("name", GENERATIVE)
def test_interpolate(name, copy_of, shared_cache, monkeypatch):
    run_dir = copy_of(name)

    classifier = BrightnessClassifier
    monkeypatch.setattr(interpolate, "load_or_train_classifier", lambda *a, **k: classifier)
    result = invoke("interpolate", run_dir, "--steps", 2, "--no-progress", *CPU)
    assert result.exit_code == 0, result.output
    found = summary_of(run_dir)["interpolation"]["linear"]
    assert found["from"] != found["to"] and len(found["classified_along_the_path"]) == 4
    assert (run_dir / "figures" / "interpolation" / "linear.png").is_file()


@pytest.mark.parametrize("name", GENERATIVE)
def test_invert(name, copy_of):
    run_dir = copy_of(name)
    args = ["--images", 2, "--restarts", 2, "--steps", 3]
    result = invoke("invert", run_dir, *args, *CPU)
    assert result.exit_code == 0, result.output
    assert result.stdout.count("image ") == 2
    assert len(summary_of(run_dir)["inversion"]["per_image"]) == 2


@pytest.mark.parametrize("name", GENERATIVE)
def test_latent_path(name, copy_of):
    run_dir = copy_of(name)
    args = ["--points", 4, "--steps", 3, "--invert-steps", 3]
    result = invoke("latent-path", run_dir, *args, *CPU)
    assert result.exit_code == 0, result.output
    table = summary_of(run_dir)["latent_path"]
    assert table["optimised"]["U"] <= table["straight"]["U"]
    assert (run_dir / "figures" / "latent_path" / "straight_then_optimised.png").is_file()


def test_every_generative_experiment_is_covered():
    assert {"beta-vae", "dcgan-fashion", "gan-mnist", "wgan-gp"} <= set(GENERATIVE)


def test_a_named_generator_of_a_sweep_is_chosen_with_the_generator_option(
    tiny_runs, copy_of, shared_cache, tmp_path
):
    run_dir, png = tiny_runs["beta-vae"], tmp_path / "samples.png"
    chosen = ["--generator", "gaussian-beta-0.3"]
    result = invoke("sample", run_dir, "--n", 4, "--out", png, *chosen, *CPU)
    assert result.exit_code == 0, result.output
    refused = invoke("sample", run_dir, "--out", png, "--generator", "echo-beta-3", *CPU)
    one_line_error(refused, "no generator 'echo-beta-3'", "gaussian-beta-0.3, gaussian-beta-3")
    copied = copy_of("beta-vae")
    result = invoke("evaluate", copied, "--n", 40, "--no-progress", *chosen, *CPU)
    assert result.exit_code == 0, result.output
    assert summary_of(copied)["evaluation"]["generator"] == "gaussian-beta-0.3"
