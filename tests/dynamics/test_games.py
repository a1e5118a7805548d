"""Games: gradients against autograd, stationary points and what they are, coefficient errors."""

import numpy as np
import pytest
import torch

from minimaxlab.dynamics.games import bilinear, make_game, parse_coefficients, quadratic
from minimaxlab.errors import MinimaxlabError


def _autograd_gradient(game, point):
    z = torch.tensor(point, dtype=torch.float64, requires_grad=True)
    hessian = torch.tensor(game.hessian)
    value = 0.5 * z @ hessian @ z + z @ torch.tensor(game.linear)
    (gradient,) = torch.autograd.grad(value, z)
    return gradient.numpy()


def _spec_quadratic(a, b, c, d, e, x, y):
    return 0.5 * a * x**2 + b * x * y - 0.5 * c * y**2 + d * x + e * y


def test_quadratic_is_the_specs_formula_and_its_gradient_is_autograds():
    game = quadratic(a=1.5, b=-2.0, c=0.5, d=0.25, e=-1.0)
    rng = np.random.default_rng(0)
    for point in rng.normal(size=(5, 2)):
        assert game.value(point) == pytest.approx(_spec_quadratic(1.5, -2, 0.5, 0.25, -1, *point))
        np.testing.assert_allclose(game.gradient(point), _autograd_gradient(game, point))
    # the players' field: the minimiser x follows ∂f/∂x, the maximiser y follows −∂f/∂y
    np.testing.assert_allclose(game.field(np.array([1.0, 2.0])), [1.5 - 4 + 0.25, -(-2 - 1 - 1)])


def test_bilinear_is_d_times_g_with_d_maximising():
    game = bilinear()
    assert game.value(np.array([3.0, -2.0])) == pytest.approx(-6.0)
    assert game.players == ("d", "g") and game.minimises == (False, True)
    # d ascends V = d·g (its field is −∂V/∂d = −g), g descends it (∂V/∂g = d)
    np.testing.assert_allclose(game.field(np.array([3.0, -2.0])), [2.0, 3.0])


def test_stationary_point_and_its_kind():
    game = quadratic(a=1, b=2, c=1, d=0.5, e=-0.5)
    point = game.stationary_point()
    np.testing.assert_allclose(game.gradient(point), 0, atol=1e-15)
    np.testing.assert_allclose(point, [0.1, -0.3])
    assert game.classify() == {
        "of_f": "saddle of f",
        "for_the_game": "strict Nash equilibrium (a saddle point of the game)",
    }
    assert bilinear().classify()["for_the_game"].startswith("Nash equilibrium")
    not_nash = quadratic(a=-0.5, b=2, c=2).classify()["for_the_game"]
    assert not_nash.startswith("not a Nash equilibrium") and "x (minimiser)" in not_nash
    minimum = quadratic(a=1, b=0.1, c=-2).classify()
    assert minimum["of_f"] == "minimum of f" and "y (maximiser)" in minimum["for_the_game"]
    assert quadratic(a=-1, b=0.1, c=2).classify()["of_f"] == "maximum of f"


def test_formula_text():
    assert quadratic(a=1, b=-2, c=1).formula == "f(x, y) = 0.5 x² − 2 x y − 0.5 y²"
    assert quadratic(b=1, e=-3).formula == "f(x, y) = x y − 3 y"


@pytest.mark.parametrize(
    ("name", "coefficients", "message"),
    [
        ("quadratic", {}, "no single stationary point"),
        ("quadratic", {"a": 1, "b": 1, "c": -1}, "no single stationary point"),
        ("quadratic", {"q": 1}, "unknown coefficient 'q'"),
        ("bilinear", {"a": 1}, "has no coefficients"),
        ("cubic", {}, "unknown game 'cubic'"),
    ],
)
def test_bad_games_are_user_errors(name, coefficients, message):
    with pytest.raises(MinimaxlabError, match=message):
        make_game(name, coefficients)


def test_parse_coefficients():
    assert parse_coefficients(["a=1", "b=-2.5", "e=1e-3"]) == {"a": 1.0, "b": -2.5, "e": 0.001}
    for bad in (["a"], ["a=x"], ["=1"], ["a=nan"], ["a=1=2"]):
        with pytest.raises(MinimaxlabError, match="malformed coefficient"):
            parse_coefficients(bad)
    with pytest.raises(MinimaxlabError, match="given twice"):
        parse_coefficients(["a=1", "a=2"])
