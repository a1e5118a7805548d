"""Convergent step sizes from the eigenvalues: closed forms where they exist, the factors
against the matrix, and simulations just inside and outside every end."""

import math

import numpy as np
import pytest

from minimaxlab.dynamics.analysis import (
    characteristic_factors,
    describe,
    distance_to_fixed_point,
    factor_roots,
    probe_ends,
    spectral_radius,
    step_sizes,
)
from minimaxlab.dynamics.games import bilinear, quadratic
from minimaxlab.dynamics.methods import METHODS, get_method, simulate, update_matrix

GAMES = {
    "bilinear": bilinear(),
    "nash": quadratic(a=1, b=2, c=1, d=0.5, e=-0.5),
    "not-nash": quadratic(a=-0.5, b=2, c=2),
    "minimum": quadratic(a=1, b=0.1, c=-2),
    "repeated": quadratic(a=3, b=1, c=1),  # J = [[3, 1], [−1, 1]]: eigenvalue 2 twice
    "uncoupled": quadratic(a=2, c=1, d=1),
}


@pytest.mark.parametrize("game", sorted(GAMES))
@pytest.mark.parametrize("name", sorted(METHODS))
def test_factors_give_the_eigenvalues_of_the_matrix(game, name):
    game, method = GAMES[game], get_method(name)
    factors = characteristic_factors(game, method)
    for alpha in (0.03, 0.4, 1.3):
        expected = np.linalg.eigvals(update_matrix(game, method, alpha)[0])
        got = factor_roots(factors, alpha)
        # match as multisets: every expected eigenvalue has a distinct close partner
        for value in expected:
            i = int(np.argmin(np.abs(got - value)))
            assert abs(got[i] - value) < 1e-6, (alpha, expected, got)
            got = np.delete(got, i)


def _single_end(game, name):
    ranges = step_sizes(GAMES[game], get_method(name))
    assert len(ranges.ends) == 1, ranges.pieces
    return ranges.ends[0]


def test_closed_forms():
    # GDA: λ = 1 − αμ for μ = 1 ± 2i: |λ| < 1 iff α < 2 Re μ / |μ|² = 0.4
    assert _single_end("nash", "simultaneous") == pytest.approx(0.4, rel=1e-12)
    # extragradient on d·g: |1 − w + w²|² = 1 − α² + α⁴ for w = ±iα: converges iff α < 1
    assert step_sizes(bilinear(), get_method("extragradient")).intervals() == [
        (0.0, pytest.approx(1.0, rel=1e-12))
    ]
    # descent on a strictly convex f: α < 2 / λ_max(Q)
    q = GAMES["minimum"].hessian
    assert _single_end("minimum", "descent") == pytest.approx(
        2 / np.linalg.eigvalsh(q).max(), rel=1e-12
    )
    # a repeated (defective) eigenvalue μ = 2: GDA's λ = 1 − 2α crosses −1 at α = 1
    assert _single_end("repeated", "simultaneous") == pytest.approx(1.0, rel=1e-12)
    # uncoupled players: alternating = simultaneous, λ = 1 − 2α and 1 − α → α < 1
    assert _single_end("uncoupled", "alternating") == pytest.approx(1.0, rel=1e-12)


def test_what_never_converges_on_the_bilinear_game():
    game = bilinear()
    for name in ("simultaneous", "descent"):
        assert step_sizes(game, get_method(name)).pieces == ((0.0, math.inf, "diverges"),)
    # alternating GDA on d·g has determinant 1: ρ = 1 up to α = 2, beyond it diverges
    pieces = step_sizes(game, get_method("alternating")).pieces
    assert [p[2] for p in pieces] == ["marginal", "diverges"]
    assert pieces[0][1] == pytest.approx(2.0, rel=1e-12)


def test_the_verdict_of_every_piece_holds_at_many_step_sizes():
    """Between ends the spectral radius never crosses one (a dense check of the method)."""
    for game in GAMES.values():
        for method in METHODS.values():
            ranges = step_sizes(game, method)
            top = 1.5 * max(ranges.ends, default=1.0)
            alphas = np.linspace(top / 997, top, 997)
            alphas = alphas[np.min(np.abs(alphas[:, None] - ranges.ends), axis=1, initial=1) > 1e-6]
            radii = spectral_radius(game, method, alphas)
            for alpha, rho in zip(alphas, radii, strict=True):
                kind = ranges.verdict_at(alpha)
                assert (rho < 1) if kind == "converges" else (rho > 1 or kind == "marginal")


@pytest.mark.parametrize("game", sorted(GAMES))
@pytest.mark.parametrize("name", sorted(METHODS))
def test_simulations_just_inside_and_outside_every_end_agree(game, name):
    game, method = GAMES[game], get_method(name)
    probes = probe_ends(game, method, step_sizes(game, method), margin=0.01, max_steps=20000)
    assert probes
    for probe in probes:
        assert probe.agrees, probe


def test_an_end_by_direct_simulation():
    """Independently of probe_ends: GDA on the Nash game just below and above α = 0.4."""
    game, method = GAMES["nash"], get_method("simultaneous")
    start = game.stationary_point() + np.array([1.0, 1.0])
    below, above = (
        distance_to_fixed_point(game, method, simulate(game, method, a, start, 4000))[-1]
        for a in (0.4 * 0.99, 0.4 * 1.01)
    )
    assert below < 1e-6 and above > 1e6


def test_describe():
    assert describe([]) == "none"
    assert describe([(0.0, 0.4), (1.0, math.inf)]) == "(0, 0.4) ∪ (1, ∞)"
