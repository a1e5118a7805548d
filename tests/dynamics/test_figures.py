"""The step-size axis of the ρ(α) plot, and the figures of one small game."""

import math

import numpy as np
import pytest
from PIL import Image

from minimaxlab.dynamics import analysis
from minimaxlab.dynamics.figures import (
    lr_axis,
    plot_bandit,
    plot_distances,
    plot_spectral_radii,
    plot_trajectories,
)
from minimaxlab.dynamics.games import make_game
from minimaxlab.dynamics.methods import get_method, simulate


def test_the_axis_runs_past_the_largest_finite_end_or_to_two_over_the_scale():
    ranges = [
        analysis.StepSizes(((0.0, 1.0, "converges"), (1.0, math.inf, "diverges"))),
        analysis.StepSizes(((0.0, 0.5, "converges"), (0.5, math.inf, "diverges"))),
    ]
    alphas = lr_axis(ranges, scale=10.0, points=4)
    assert alphas.tolist() == pytest.approx([0.325, 0.65, 0.975, 1.3])
    unbounded = [analysis.StepSizes(((0.0, math.inf, "marginal"),))]
    assert lr_axis(unbounded, scale=4.0, points=2).tolist() == pytest.approx([0.25, 0.5])


def test_every_figure_of_one_game_is_written(tmp_path):
    game = make_game("bilinear")
    methods = [get_method("simultaneous"), get_method("extragradient")]
    start = np.array([1.0, 0.5])
    paths = [simulate(game, m, 0.2, start, 20) for m in methods]
    distances = [
        analysis.distance_to_fixed_point(game, m, p) for m, p in zip(methods, paths, strict=True)
    ]
    ranges = [analysis.step_sizes(game, m) for m in methods]
    alphas = lr_axis(ranges, 1.0, 10)
    radii = [analysis.spectral_radius(game, m, alphas) for m in methods]
    rhos = [float(analysis.spectral_radius(game, m, np.array([0.2]))[0]) for m in methods]
    plot_trajectories(game, methods, paths, 0.2, rhos, tmp_path / "trajectories.png")
    plot_distances(methods, distances, "bilinear", tmp_path / "distance.png")
    plot_spectral_radii(methods, alphas, radii, ranges, 0.2, "bilinear", tmp_path / "rho.png")
    probability = np.random.default_rng(0).uniform(size=(5, 2, 8))  # steps × variants × seeds
    plot_bandit(np.arange(1, 6), probability, ["a", "b"], "two", tmp_path / "bandit.png")
    for name in ("trajectories", "distance", "rho", "bandit"):
        with Image.open(tmp_path / f"{name}.png") as image:
            assert image.width > 100 and image.height > 100, name
    with Image.open(tmp_path / "trajectories.png") as image:
        assert image.width > 1.5 * image.height  # one panel per method, side by side
