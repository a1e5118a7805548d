"""The experiment contract: the default data check, and a context without a child runner."""

import pytest
import torch

from minimaxlab.errors import MinimaxlabError
from minimaxlab.experiments import EXPERIMENTS
from minimaxlab.experiments.base import RunContext, missing_data
from minimaxlab.experiments.gan_mnist import MLPGanConfig
from minimaxlab.runs import Run


def test_missing_data_looks_at_every_image_data_section(tmp_path):
    experiment = EXPERIMENTS["gan-mnist"]
    config = MLPGanConfig()  # mnist, then fashion-mnist, then digits (always there)
    assert missing_data(experiment, config) is None
    config = MLPGanConfig(data={"name": "mnist", "fallbacks": ["fashion-mnist"]})
    assert "needs mnist or fashion-mnist" in missing_data(experiment, config)
    smoothness = EXPERIMENTS["latent-smoothness"]
    config = smoothness.config_class(base="dcgan-fashion", base_profile="quick")
    assert "needs fashion-mnist" in missing_data(smoothness, config)


def test_a_context_without_a_child_runner_says_how_to_get_one(tmp_path):
    context = RunContext(
        run=Run(tmp_path), device=torch.device("cpu"), resume=False, stop=None, progress=False
    )
    with pytest.raises(MinimaxlabError, match="through minimaxlab.launch.run_experiment"):
        context.run_child("gan-mnist", [], tmp_path / "child", "smoke")
