"""The spectrum of a method's update matrix, and the step sizes for which it converges.

The convergent set {α > 0 : ρ(A(α)) < 1} is found from the characteristic polynomial, without
trying step sizes:

1. det(λI − A(α)) splits into monic factors of degree ≤ 2 in λ whose coefficients are
   polynomials in α: one real factor λ² − tr A·λ + det A for the 2×2 maps, and for optimistic
   GDA one complex factor per eigenvalue μ of J (see ``characteristic_factors``).
2. An eigenvalue can cross the unit circle only at an α where a factor has a root of modulus
   one; each such α is a root of a real polynomial in α built from the factor's coefficients
   (``unit_circle_polynomials``: for a real factor the conditions λ = 1, λ = −1 and a complex
   pair with product 1; for a complex factor its resultant with its conjugate-reciprocal).
3. Between consecutive roots ρ(α) − 1 keeps its sign, so the spectral radius at one interior
   point of each interval classifies the whole interval: converges (ρ < 1), diverges (ρ > 1),
   or marginal (ρ = 1 all along; possible only where a condition vanishes identically, as for
   alternating GDA on the bilinear game, whose map has determinant 1 for every α).

Roots come from numpy's companion-matrix root finder, in the scaled variable w = α‖A₁‖ (A₁ the
α-coefficient of A); clusters that a multiple root leaves are replaced by their centroid. The
ends are then exact to rounding, except for optimistic GDA on a game whose J has a repeated
eigenvalue (a defective J), where the eigenvalues of J, and with them the ends, are only good
to about 1e-8. Spurious roots (eigenvalue pairs with λ·conj(μ) = 1 off the circle) only split an
interval into pieces of the same kind, which are merged again.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.polynomial.polynomial as P
from scipy.linalg import schur

from minimaxlab.dynamics.games import Game
from minimaxlab.dynamics.methods import (
    Method,
    check_step_size,
    fixed_point,
    simulate,
    state_labels,
    update_matrix,
)
from minimaxlab.errors import MinimaxlabError

TOLERANCE = 1e-9  # |ρ − 1| below this is ρ = 1


def eigenvalues(game: Game, method: Method, alpha: float) -> np.ndarray:
    """The eigenvalues of A(α), largest modulus first."""
    values = np.linalg.eigvals(update_matrix(game, method, alpha)[0])
    return values[np.argsort(-np.abs(values), kind="stable")]


def spectral_radius(game: Game, method: Method, alphas: np.ndarray) -> np.ndarray:
    """ρ(A(α)) for every α of ``alphas`` (one batched eigenvalue computation)."""
    affine = method.affine(game)
    alphas = np.asarray(alphas, dtype=float)
    matrices = sum(alphas[:, None, None] ** k * m for k, m in enumerate(affine.matrices))
    return np.abs(np.linalg.eigvals(matrices)).max(axis=-1)


def verdict(rho: float) -> str:
    """What a linear map with spectral radius ``rho`` does to the distance to its fixed point."""
    if rho < 1 - TOLERANCE:
        return "converges"
    return "marginal" if rho <= 1 + TOLERANCE else "diverges"


# ---- the characteristic polynomial as factors with polynomial-in-α coefficients -------------
# A factor λᵈ + c_{d−1}(α)λᵈ⁻¹ + … + c₀(α) is the list [c_{d−1}, …, c₀] of coefficient arrays
# in α (lowest degree first, complex).
Factor = list[np.ndarray]


def _monic_characteristic(entries: list[list[np.ndarray]]) -> Factor:
    """det(λI − M) for a 1×1 or 2×2 matrix M of polynomials in α."""
    if len(entries) == 1:
        return [-entries[0][0]]
    trace = P.polyadd(entries[0][0], entries[1][1])
    determinant = P.polysub(
        P.polymul(entries[0][0], entries[1][1]), P.polymul(entries[0][1], entries[1][0])
    )
    return [-trace, determinant]


def characteristic_factors(game: Game, method: Method) -> list[Factor]:
    """det(λI − A(α)) as a product of monic factors of degree ≤ 2 in λ.

    A 2×2 map is one real factor λ² − tr A(α)·λ + det A(α), with coefficients read exactly off
    the coefficient matrices. A map with memory (optimistic GDA) has 2×2 blocks that are
    polynomials in one matrix G = J: in the Schur basis of G they are all upper triangular, so
    A is block triangular after grouping entries by mode, and each eigenvalue of G gives one
    quadratic factor (complex when the eigenvalue is).
    """
    matrices = method.affine(game).matrices
    if method.memory == 1:
        return [
            _monic_characteristic(
                [[np.array([m[i, j] for m in matrices], complex) for j in (0, 1)] for i in (0, 1)]
            )
        ]
    _, basis = schur(matrices[1][:2, :2].astype(complex), output="complex")
    blocks = [
        [
            [basis.conj().T @ m[2 * r : 2 * r + 2, 2 * s : 2 * s + 2] @ basis for m in matrices]
            for s in (0, 1)
        ]
        for r in (0, 1)
    ]
    size = max(float(np.abs(m).max()) for m in matrices)
    if any(abs(b[1, 0]) > 1e-12 * size for row in blocks for cell in row for b in cell):
        raise ValueError(f"{method.name}: the blocks of a map with memory must commute")
    return [
        _monic_characteristic(
            [[np.array([b[i, i] for b in blocks[r][s]]) for s in (0, 1)] for r in (0, 1)]
        )
        for i in (0, 1)
    ]


def factor_roots(factors: list[Factor], alpha: float) -> np.ndarray:
    """The eigenvalues of A(α) as the roots of the factors at α."""
    return np.concatenate(
        [np.roots([1.0, *(P.polyval(alpha, c) for c in factor)]) for factor in factors]
    )


def _squared_modulus(p: np.ndarray) -> np.ndarray:
    return np.real(P.polymul(p, np.conj(p)))  # for real α, conj(p(α)) has conjugated coefficients


def unit_circle_polynomials(factor: Factor) -> list[np.ndarray]:
    """Real polynomials in α whose zeros include every α where the factor has a root of
    modulus one.

    Degree 1, λ + c₀: 1 − |c₀|². Degree 2 with real coefficients, λ² + c₁λ + c₀: the root 1
    (1 + c₁ + c₀), the root −1 (1 − c₁ + c₀) and a complex pair on the circle (1 − c₀), kept
    apart so that one of them vanishing identically does not hide the others. Degree 2 with
    complex coefficients: the resultant of the factor and its conjugate-reciprocal,
    (1 − |c₀|²)² − |c₁ − c₀·conj(c₁)|².
    """
    one = np.array([1.0])
    if len(factor) == 1:
        return [P.polysub(one, _squared_modulus(factor[0]))]
    c1, c0 = factor
    if np.abs(np.imag(c1)).max() == 0 and np.abs(np.imag(c0)).max() == 0:
        c1, c0 = np.real(c1), np.real(c0)
        return [
            P.polyadd(P.polyadd(one, c1), c0),
            P.polyadd(P.polysub(one, c1), c0),
            P.polysub(one, c0),
        ]
    first = P.polysub(one, _squared_modulus(c0))
    cross = P.polysub(c1, P.polymul(c0, np.conj(c1)))
    return [P.polysub(np.real(P.polymul(first, first)), _squared_modulus(cross))]


def _positive_real_roots(polynomial: np.ndarray, scale: float) -> list[float]:
    """Positive real roots α of a polynomial in α, found in the scaled variable w = α·scale.

    A multiple root comes back from the root finder as a small cluster of roots; the
    cluster's centroid is accurate where its members are not, so clusters are merged first.
    """
    scaled = polynomial / scale ** np.arange(len(polynomial))
    size = np.abs(scaled).max()
    if size == 0:
        return []  # vanishes identically: the condition holds at no single α
    scaled = P.polytrim(scaled / size, 1e-13)
    if len(scaled) < 2:
        return []
    clusters: list[list[complex]] = []
    for root in sorted(P.polyroots(scaled), key=lambda r: (r.real, r.imag)):
        near = [c for c in clusters if abs(root - np.mean(c)) <= 1e-3 * max(1.0, abs(root))]
        if near:
            near[0].append(root)
        else:
            clusters.append([root])
    centroids = [complex(np.mean(c)) for c in clusters]
    real = [c.real for c in centroids if abs(c.imag) <= 1e-7 * max(1.0, abs(c))]
    return [w / scale for w in real if w > 1e-9]


# ---- the convergent step sizes ---------------------------------------------------------------
@dataclass(frozen=True)
class StepSizes:
    """The positive step sizes split into open intervals of one verdict each."""

    pieces: tuple[tuple[float, float, str], ...]  # (from, to, verdict); to may be inf

    def intervals(self, kind: str = "converges") -> list[tuple[float, float]]:
        """The open intervals of one verdict: converges, marginal or diverges."""
        return [(lo, hi) for lo, hi, v in self.pieces if v == kind]

    @property
    def ends(self) -> list[float]:
        """The finite step sizes where the verdict changes."""
        return [hi for lo, hi, v in self.pieces if math.isfinite(hi)]

    def verdict_at(self, alpha: float) -> str:
        """The verdict of the piece holding ``alpha`` (not an end)."""
        for lo, hi, v in self.pieces:
            if lo < alpha < hi:
                return v
        raise ValueError(f"α = {alpha} is an end or not positive")


def step_sizes(game: Game, method: Method) -> StepSizes:
    """Every α > 0 classified by what the method does there, from the roots of the
    unit-circle polynomials of the characteristic factors (see the module's note)."""
    factors = characteristic_factors(game, method)
    scale = float(np.linalg.norm(method.affine(game).matrices[1], 2)) or 1.0
    roots = sorted(
        r
        for factor in factors
        for polynomial in unit_circle_polynomials(factor)
        for r in _positive_real_roots(polynomial, scale)
    )
    candidates: list[float] = []
    for root in roots:  # one crossing found through several factors or conditions
        if candidates and root - candidates[-1] <= 1e-9 * root:
            continue
        candidates.append(root)
    bounds = [0.0, *candidates, math.inf]
    pieces: list[tuple[float, float, str]] = []
    for lo, hi in itertools.pairwise(bounds):
        inside = (lo + hi) / 2 if math.isfinite(hi) else max(2 * lo, 1 / scale)
        rho = float(np.abs(factor_roots(factors, inside)).max())
        kind = verdict(rho)
        if pieces and pieces[-1][2] == kind:
            pieces[-1] = (pieces[-1][0], hi, kind)  # a spurious or touching root: merge
        else:
            pieces.append((lo, hi, kind))
    return StepSizes(tuple(pieces))


def describe(intervals: list[tuple[float, float]]) -> str:
    """``(0, 0.4) ∪ (1, 2)``, or ``none``."""
    if not intervals:
        return "none"
    return " ∪ ".join(
        f"({lo:.6g}, {hi:.6g})" if math.isfinite(hi) else f"({lo:.6g}, ∞)" for lo, hi in intervals
    )


# ---- simulation against the analysis ---------------------------------------------------------
@dataclass(frozen=True)
class Probe:
    """One simulation at a step size near an end of the ranges, against what they predict."""

    alpha: float
    where: str  # e.g. "just below 0.4"
    expected: str
    seen: str
    steps: int
    distance_ratio: float  # ‖z_N − z*‖ / ‖z_0 − z*‖ (inf once it overflowed)

    @property
    def agrees(self) -> bool:
        return self.expected == self.seen


def seen_verdict(distance_ratio: float) -> str:
    """What a simulation did: shrank the distance a thousandfold, grew it so, or neither."""
    if distance_ratio < 1e-3:
        return "converges"
    return "diverges" if not distance_ratio <= 1e3 else "marginal"


def _steps_to_show(rho: float, max_steps: int) -> int:
    """Enough steps for a factor 10⁶ of shrinking or growth at rate ρ, within limits."""
    if abs(math.log(rho)) < 1e-12:
        return min(2000, max_steps)
    return int(min(max(math.ceil(6 * math.log(10) / abs(math.log(rho))), 50), max_steps))


def probe_ends(
    game: Game,
    method: Method,
    ranges: StepSizes,
    margin: float = 0.01,
    max_steps: int = 100_000,
    offset: tuple[float, float] = (0.6, -0.8),
) -> list[Probe]:
    """Simulate the update rule just inside and just outside every end of the ranges
    (α·(1 ∓ margin)), or at two step sizes when there is no end, from z* + offset."""
    scale = float(np.linalg.norm(method.affine(game).matrices[1], 2)) or 1.0
    points = [(e * (1 - margin), f"just below {e:.6g}") for e in ranges.ends]
    points += [(e * (1 + margin), f"just above {e:.6g}") for e in ranges.ends]
    if not points:
        points = [(0.1 / scale, "no end; small step"), (1 / scale, "no end; large step")]
    alphas = np.array([a for a, _ in points])
    rhos = spectral_radius(game, method, alphas)
    steps = [_steps_to_show(float(r), max_steps) for r in rhos]
    target = game.stationary_point()
    start = target + np.asarray(offset)
    path = simulate(game, method, alphas, start, max(steps))
    probes = []
    for i, (alpha, where) in enumerate(points):
        with np.errstate(over="ignore", invalid="ignore"):
            ratio = float(np.linalg.norm(path[steps[i], i] - target) / np.linalg.norm(offset))
        ratio = ratio if np.isfinite(ratio) else math.inf
        probes.append(
            Probe(
                alpha=float(alpha),
                where=where,
                expected=ranges.verdict_at(float(alpha)),
                seen=seen_verdict(ratio),
                steps=steps[i],
                distance_ratio=ratio,
            )
        )
    return probes


def growth_rate(
    game: Game,
    method: Method,
    alpha: float,
    steps: int = 2000,
    offset: tuple[float, float] = (0.6, -0.8),
) -> float:
    """The per-step growth factor of the distance to the fixed point over a long run of the
    update rule (geometric mean over the second half), which tends to ρ(A(α)).

    The map is affine about its fixed point, so the deviation is rescaled to length one after
    every step: the run neither underflows into rounding nor overflows, however long it is.
    """
    target = fixed_point(game, method)
    deviation = np.tile(np.asarray(offset, dtype=float), method.memory)
    alphas = np.array([alpha])
    logs = []
    for _ in range(steps):
        deviation = method.step(game, alphas, target + deviation) - target
        size = float(np.linalg.norm(deviation))
        logs.append(math.log(size))
        deviation /= size
    return math.exp(float(np.mean(logs[steps // 2 :])))


def distance_to_fixed_point(game: Game, method: Method, path: np.ndarray) -> np.ndarray:
    """‖z_k − z*‖ along a trajectory of iterates (inf where it overflowed)."""
    with np.errstate(over="ignore", invalid="ignore"):
        distance = np.linalg.norm(path - fixed_point(game, method)[:2], axis=-1)
    return np.where(np.isfinite(distance), distance, np.inf)


def analyse(
    game: Game, method: Method, alpha: float, steps: int, start: tuple[float, float]
) -> dict[str, Any]:
    """Everything about one method on one game at one step size, as plain JSON-ready data:
    the update matrix, its spectrum, the convergent step sizes (with simulations just inside
    and outside their ends) and a simulated trajectory."""
    check_step_size(alpha)
    if steps < 1:
        raise MinimaxlabError(f"the number of steps must be at least 1 (got {steps})")
    matrix, constant = update_matrix(game, method, alpha)
    values = eigenvalues(game, method, alpha)
    rho = float(np.abs(values).max())
    ranges = step_sizes(game, method)
    path = simulate(game, method, alpha, np.asarray(start, dtype=float), steps)
    distance = float(distance_to_fixed_point(game, method, path)[-1])
    return {
        "game": game.name,
        "formula": game.formula,
        "players": {
            p: "minimises" if m else "maximises"
            for p, m in zip(game.players, game.minimises, strict=True)
        },
        "stationary_point": game.stationary_point().tolist(),
        "classification": game.classify(),
        "method": method.name,
        "method_title": method.title,
        "lr": alpha,
        "state": state_labels(game, method),
        "matrix": matrix.tolist(),
        "constant": constant.tolist(),
        "eigenvalues": [[float(v.real), float(v.imag)] for v in values],
        "spectral_radius": rho,
        "verdict": verdict(rho),
        "convergent_lr": [[lo, hi if math.isfinite(hi) else None] for lo, hi in ranges.intervals()],
        "marginal_lr": [
            [lo, hi if math.isfinite(hi) else None] for lo, hi in ranges.intervals("marginal")
        ],
        "range_checks": [
            {
                "lr": p.alpha,
                "where": p.where,
                "expected": p.expected,
                "seen": p.seen,
                "steps": p.steps,
            }
            for p in probe_ends(game, method, ranges, max_steps=20_000)
        ],
        "steps": steps,
        "start": [float(s) for s in start],
        "final_point": path[-1].tolist() if math.isfinite(distance) else None,
        "final_distance": distance if math.isfinite(distance) else None,
    }
