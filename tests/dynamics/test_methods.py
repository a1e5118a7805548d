"""The five methods: update matrices against hand-derived ones, the matrix against the update
rule, and the eigenvalues against the growth of long simulated trajectories."""

import numpy as np
import pytest

from minimaxlab.dynamics.analysis import distance_to_fixed_point, eigenvalues, growth_rate
from minimaxlab.dynamics.games import bilinear, quadratic
from minimaxlab.dynamics.methods import (
    METHODS,
    check_step_size,
    fixed_point,
    get_method,
    simulate,
    update_matrix,
)
from minimaxlab.errors import MinimaxlabError

GAMES = {
    "bilinear": bilinear(),
    "nash": quadratic(a=1, b=2, c=1, d=0.5, e=-0.5),
    "not-nash": quadratic(a=-0.5, b=2, c=2, d=-1),
    "minimum": quadratic(a=1, b=0.1, c=-2, e=0.3),
}

# Bilinear, α = 0.5, state (d, g): d ascends d·g (field −g), g descends it (field d).
#   simultaneous:  d⁺ = d + αg,  g⁺ = g − αd
#   alternating:   d⁺ = d + αg,  g⁺ = g − αd⁺ = −αd + (1 − α²)g
#   descent:       d⁺ = d − αg,  g⁺ = g − αd
#   extragradient: look-ahead (d + αg, g − αd); d⁺ = d + α(g − αd), g⁺ = g − α(d + αg)
#   optimistic:    z⁺ = z − 2αv(z) + αv(z⁻) on the state (d, g, d⁻, g⁻)
BILINEAR_HALF = {
    "simultaneous": [[1, 0.5], [-0.5, 1]],
    "alternating": [[1, 0.5], [-0.5, 0.75]],
    "descent": [[1, -0.5], [-0.5, 1]],
    "extragradient": [[0.75, 0.5], [-0.5, 0.75]],
    "optimistic": [[1, 1, 0, -0.5], [-1, 1, 0.5, 0], [1, 0, 0, 0], [0, 1, 0, 0]],
}


@pytest.mark.parametrize("name", sorted(BILINEAR_HALF))
def test_bilinear_update_matrices_are_the_hand_derived_ones(name):
    matrix, constant = update_matrix(bilinear(), get_method(name), 0.5)
    np.testing.assert_allclose(matrix, BILINEAR_HALF[name], atol=1e-15)
    np.testing.assert_allclose(constant, 0, atol=1e-15)


def test_quadratic_update_matrices_with_constants_are_the_hand_derived_ones():
    # f = ½x² + 2xy − ½y² + ½x − ½y: field v = (x + 2y + ½, −2x + y + ½); ∇f = (x + 2y + ½,
    # 2x − y − ½); α = 0.2.
    game = GAMES["nash"]
    expected = {
        "simultaneous": ([[0.8, -0.4], [0.4, 0.8]], [-0.1, -0.1]),
        # x⁺ = .8x − .4y − .1;  y⁺ = y − .2(−2x⁺ + y + .5) = .32x + .64y − .14
        "alternating": ([[0.8, -0.4], [0.32, 0.64]], [-0.1, -0.14]),
        "descent": ([[0.8, -0.4], [-0.4, 1.2]], [-0.1, 0.1]),
        # z − αv(z − αv(z)) = (I − αJ + α²J²)z − α(I − αJ)b, J = [[1, 2], [−2, 1]], b = (½, ½)
        "extragradient": ([[0.68, -0.24], [0.24, 0.68]], [-0.04, -0.12]),
        "optimistic": (
            [[0.6, -0.8, 0.2, 0.4], [0.8, 0.6, -0.4, 0.2], [1, 0, 0, 0], [0, 1, 0, 0]],
            [-0.1, -0.1, 0, 0],
        ),
    }
    for name, (matrix, constant) in expected.items():
        got_matrix, got_constant = update_matrix(game, get_method(name), 0.2)
        np.testing.assert_allclose(got_matrix, matrix, atol=1e-14, err_msg=name)
        np.testing.assert_allclose(got_constant, constant, atol=1e-14, err_msg=name)


@pytest.mark.parametrize("game", sorted(GAMES))
@pytest.mark.parametrize("name", sorted(METHODS))
def test_the_matrix_is_the_update_rule(game, name):
    """A·state + c equals one step of the rule that evaluates the field, at random states."""
    method, game = get_method(name), GAMES[game]
    rng = np.random.default_rng(1)
    for alpha in (0.05, 0.3, 1.7):
        matrix, constant = update_matrix(game, method, alpha)
        states = rng.normal(size=(6, 2 * method.memory))
        stepped = method.step(game, np.full((6, 1), alpha), states)
        np.testing.assert_allclose(stepped, states @ matrix.T + constant, atol=1e-12)
        np.testing.assert_allclose(  # the stationary point is a fixed point of the map
            matrix @ fixed_point(game, method) + constant, fixed_point(game, method), atol=1e-12
        )


CASES = [
    ("bilinear", "simultaneous", 0.2),
    ("bilinear", "alternating", 0.5),
    ("bilinear", "descent", 0.3),
    ("bilinear", "optimistic", 0.3),
    ("bilinear", "extragradient", 0.6),
    ("nash", "simultaneous", 0.2),
    ("nash", "alternating", 0.5),
    ("nash", "descent", 0.1),
    ("nash", "optimistic", 0.1),
    ("nash", "optimistic", 0.3),
    ("nash", "extragradient", 0.3),
    ("not-nash", "simultaneous", 0.3),
    ("not-nash", "alternating", 0.3),
    ("minimum", "descent", 0.5),
    ("minimum", "extragradient", 0.2),
]


@pytest.mark.parametrize(("game", "name", "alpha"), CASES)
def test_eigenvalues_predict_the_growth_of_a_long_trajectory(game, name, alpha):
    """‖z_k − z*‖ grows or shrinks per step by the spectral radius of A, measured on 3,000
    steps of the update rule (within 0.5%), and a plain trajectory agrees."""
    game, method = GAMES[game], get_method(name)
    rho = float(np.abs(eigenvalues(game, method, alpha)).max())
    assert growth_rate(game, method, alpha, steps=3000) == pytest.approx(rho, rel=0.005)
    start = game.stationary_point() + np.array([0.6, -0.8])
    distance = distance_to_fixed_point(game, method, simulate(game, method, alpha, start, 40))
    assert rho**40 / 10 < distance[-1] / distance[0] < 10 * rho**40  # up to the eigenbasis


def test_simulations_batch_over_step_sizes():
    game, method = GAMES["nash"], get_method("optimistic")
    alphas = np.array([0.05, 0.2, 0.35])
    batched = simulate(game, method, alphas, np.array([1.0, 0.5]), 40)
    for i, alpha in enumerate(alphas):
        np.testing.assert_array_equal(batched[:, i], simulate(game, method, alpha, [1, 0.5], 40))


def test_simulation_keeps_going_past_overflow():
    path = simulate(bilinear(), get_method("descent"), 3.0, np.array([1.0, 0.0]), 1000)
    assert not np.isfinite(path[-1]).all()
    assert np.isinf(distance_to_fixed_point(bilinear(), get_method("descent"), path)[-1])


def test_bad_method_and_step_size():
    with pytest.raises(MinimaxlabError, match="unknown method 'adam'.*extragradient"):
        get_method("adam")
    for bad in (0.0, -0.1, float("nan"), float("inf")):
        with pytest.raises(MinimaxlabError, match="step size must be a positive number"):
            check_step_size(bad)
