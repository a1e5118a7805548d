"""One tiny run of every generative experiment in the registry (those whose build_models yields
a generator), trained once per session on its smoke profile, and a feature-classifier cache
shared by the tests that evaluate or interpolate them."""

from __future__ import annotations

import shutil

import pytest
import torch

from minimaxlab.config import resolve_config
from minimaxlab.data import registry
from minimaxlab.experiments import EXPERIMENTS
from minimaxlab.generative import GENERATOR
from minimaxlab.metrics import features


def has_generator(name: str) -> bool:
    experiment = EXPERIMENTS[name]
    if experiment.build_models is None:
        return False
    config = resolve_config(experiment.config_class, name, "smoke", [])
    with torch.random.fork_rng(devices=[]):  # building initialises weights from the CPU RNG
        return GENERATOR in experiment.build_models(config)


GENERATIVE = sorted(name for name in EXPERIMENTS if has_generator(name))


def is_conditional(name: str) -> bool:
    experiment = EXPERIMENTS[name]
    config = resolve_config(experiment.config_class, name, "smoke", [])
    with torch.random.fork_rng(devices=[]):
        return experiment.build_models(config)[GENERATOR].num_classes is not None


CONDITIONAL = sorted(name for name in GENERATIVE if is_conditional(name))


@pytest.fixture(scope="session")
def tools_cache(tmp_path_factory):
    return tmp_path_factory.mktemp("tools-cache")


@pytest.fixture(scope="session")
def tiny_runs(tmp_path_factory, tools_cache):
    """{experiment name: run folder}, with data kept out of reach as in tests/conftest.py."""
    from minimaxlab.launch import run_experiment

    root = tmp_path_factory.mktemp("generative-runs")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(tools_cache))
        patch.delenv("MINIMAXLAB_DATA", raising=False)
        patch.setattr(registry, "SYSTEM_DATA_DIR", tools_cache / "system-datasets")
        patch.setattr(registry, "_apt_command", lambda: None)
        return {
            name: run_experiment(
                name, profile="smoke", device="cpu", out=root / name, progress=False
            ).path
            for name in GENERATIVE
        }


@pytest.fixture
def shared_cache(isolated_data, tools_cache, monkeypatch):
    """The session's cache (one feature classifier per data set, of one epoch: enough to
    measure with, fast to train)."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tools_cache))
    monkeypatch.setattr(features, "DEFAULT_SPEC", features.ClassifierSpec(epochs=1))


@pytest.fixture
def copy_of(tiny_runs, tmp_path):
    """A copy of one tiny run, for a test that writes into it and looks at what it wrote."""

    def copy(name: str):
        return shutil.copytree(tiny_runs[name], tmp_path / name)

    return copy
