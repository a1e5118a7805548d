"""The registry of named experiments (shared/SPEC.md): one line each, in the order `minimaxlab
list`, `run all` and the index show them (docs/adding-an-experiment.md says how to add one)."""

from __future__ import annotations

from minimaxlab.errors import MinimaxlabError
from minimaxlab.experiments import (
    bandit,
    dcgan_fashion,
    dying_relu,
    dynamics,
    gan_2d,
    gan_mnist,
    latent_smoothness,
    lstm_palindrome,
    mode_bench,
    multitask,
    nce_sampler,
    triplet,
    wgan_gp,
)
from minimaxlab.experiments.base import Experiment, RunContext

EXPERIMENTS: dict[str, Experiment] = {
    e.name: e
    for e in (
        dcgan_fashion.EXPERIMENT,
        gan_mnist.EXPERIMENT,
        wgan_gp.EXPERIMENT,
        latent_smoothness.EXPERIMENT,
        gan_2d.EXPERIMENT,
        nce_sampler.EXPERIMENT,
        mode_bench.EXPERIMENT,
        dynamics.EXPERIMENT,
        bandit.EXPERIMENT,
        multitask.EXPERIMENT,
        triplet.EXPERIMENT,
        lstm_palindrome.EXPERIMENT,
        dying_relu.EXPERIMENT,
    )
}


def get_experiment(name: str) -> Experiment:
    """The experiment called ``name``, or an error listing the known names."""
    try:
        return EXPERIMENTS[name]
    except KeyError:
        known = ", ".join(sorted(EXPERIMENTS))
        raise MinimaxlabError(
            f"unknown experiment {name!r}; known experiments: {known} (see 'minimaxlab list')"
        ) from None


__all__ = ["EXPERIMENTS", "Experiment", "RunContext", "get_experiment"]
