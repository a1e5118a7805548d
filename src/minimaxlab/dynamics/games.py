"""Two-player games on the plane with linear gradient fields: the bilinear game V(d, g) = d·g
and the quadratic family f(x, y) = ½a x² + b x y − ½c y² + d x + e y (shared/SPEC.md).

A game is f(z) = ½ zᵀQz + qᵀz over z = (z₁, z₂), one scalar per player, and says which player
minimises f and which maximises it. Each player descends its own loss: f for the minimiser,
−f for the maximiser, so the field the players follow is v(z) = S(Qz + q) with S = diag(±1).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from minimaxlab.errors import MinimaxlabError

QUADRATIC_COEFFICIENTS = ("a", "b", "c", "d", "e")
GAMES = ("bilinear", "quadratic")


@dataclass(frozen=True)
class Game:
    """f(z) = ½ zᵀQz + qᵀz; ``minimises[i]`` says whether player i minimises f."""

    name: str
    formula: str
    players: tuple[str, str]
    minimises: tuple[bool, bool]
    hessian: np.ndarray  # Q, symmetric 2×2
    linear: np.ndarray  # q

    @property
    def signs(self) -> np.ndarray:
        """+1 for the minimiser, −1 for the maximiser: S of the field v = S∇f."""
        return np.where(self.minimises, 1.0, -1.0)

    @property
    def jacobian(self) -> np.ndarray:
        """J = SQ, the constant Jacobian of the players' field v(z) = Jz + Sq."""
        return self.signs[:, None] * self.hessian

    @property
    def offset(self) -> np.ndarray:
        """Sq, the constant part of the field: v(z) = Jz + Sq."""
        return self.signs * self.linear

    def value(self, z: np.ndarray) -> np.ndarray:
        """f at points z (…×2)."""
        return 0.5 * np.einsum("...i,ij,...j->...", z, self.hessian, z) + z @ self.linear

    def gradient(self, z: np.ndarray) -> np.ndarray:
        """∇f at points z (…×2)."""
        return z @ self.hessian.T + self.linear

    def field(self, z: np.ndarray) -> np.ndarray:
        """Each player's gradient of its own loss (f for the minimiser, −f for the maximiser)."""
        return self.signs * self.gradient(z)

    def stationary_point(self) -> np.ndarray:
        """The point where ∇f = 0 (the quadratic is required to have exactly one)."""
        return np.linalg.solve(self.hessian, -self.linear) + 0.0  # + 0.0: no −0 in reports

    def classify(self) -> dict[str, str]:
        """What the stationary point is: for f (minimum, maximum, saddle) and for the game.

        It is a Nash equilibrium when neither player can gain by moving alone, which for a
        quadratic means each player's own loss is convex in its own variable: s_i·Q_ii ≥ 0.
        """
        eigenvalues = np.linalg.eigvalsh(self.hessian)
        if eigenvalues.min() > 0:
            of_f = "minimum of f"
        elif eigenvalues.max() < 0:
            of_f = "maximum of f"
        else:
            of_f = "saddle of f"
        curvature = self.signs * np.diag(self.hessian)  # of each player's own loss
        wrong = [
            f"{player} ({'minimiser' if mins else 'maximiser'}) sits at a "
            f"{'maximum' if mins else 'minimum'} of f along its own axis"
            for player, mins, curve in zip(self.players, self.minimises, curvature, strict=True)
            if curve < 0
        ]
        if wrong:
            for_the_game = "not a Nash equilibrium: " + "; ".join(wrong)
        elif (curvature > 0).all():
            for_the_game = "strict Nash equilibrium (a saddle point of the game)"
        else:
            for_the_game = (
                "Nash equilibrium (a saddle point of the game); a player with no curvature "
                "along its own axis is indifferent there"
            )
        return {"of_f": of_f, "for_the_game": for_the_game}


def bilinear() -> Game:
    """V(d, g) = d·g with d maximising and g minimising; the state is z = (d, g)."""
    return Game(
        name="bilinear",
        formula="V(d, g) = d·g",
        players=("d", "g"),
        minimises=(False, True),
        hessian=np.array([[0.0, 1.0], [1.0, 0.0]]),
        linear=np.zeros(2),
    )


def _number(value: float) -> str:
    return f"{value:g}"


def _formula(terms: list[tuple[float, str]]) -> str:
    """``[(0.5, "x²"), (-2, "x y")]`` → ``"0.5 x² − 2 x y"``; zero terms left out."""
    text = ""
    for value, monomial in terms:
        if value == 0:
            continue
        size = "" if abs(value) == 1 else f"{abs(value):g} "
        if text:
            text += f" {'−' if value < 0 else '+'} "
        elif value < 0:
            text = "−"
        text += size + monomial
    return text or "0"


def quadratic(
    a: float = 0.0, b: float = 0.0, c: float = 0.0, d: float = 0.0, e: float = 0.0
) -> Game:
    """f(x, y) = ½a x² + b x y − ½c y² + d x + e y, x minimising and y maximising."""
    formula = _formula([(a / 2, "x²"), (b, "x y"), (-c / 2, "y²"), (d, "x"), (e, "y")])
    hessian = np.array([[a, b], [b, -c]], dtype=float)
    game = Game(
        name="quadratic",
        formula=f"f(x, y) = {formula}",
        players=("x", "y"),
        minimises=(True, False),
        hessian=hessian,
        linear=np.array([d, e], dtype=float),
    )
    if abs(np.linalg.det(hessian)) <= 1e-12 * np.abs(hessian).max() ** 2:
        raise MinimaxlabError(
            f"the quadratic game with a={_number(a)} b={_number(b)} c={_number(c)} has no single "
            "stationary point (a·c + b² = 0); give coefficients with a·c + b² ≠ 0 (for example "
            "a=1 b=2 c=1)"
        )
    return game


def make_game(name: str, coefficients: Mapping[str, float] | None = None) -> Game:
    """The game called ``name`` ('bilinear' or 'quadratic') with the given coefficients."""
    coefficients = dict(coefficients or {})
    if name == "bilinear":
        if coefficients:
            raise MinimaxlabError(
                "the bilinear game V(d, g) = d·g has no coefficients; use --game quadratic "
                "to give a, b, c, d, e"
            )
        return bilinear()
    if name == "quadratic":
        unknown = sorted(set(coefficients) - set(QUADRATIC_COEFFICIENTS))
        if unknown:
            raise MinimaxlabError(
                f"unknown coefficient {unknown[0]!r}; the quadratic game "
                "½a x² + b x y − ½c y² + d x + e y has coefficients a, b, c, d, e"
            )
        return quadratic(**{k: float(v) for k, v in coefficients.items()})
    raise MinimaxlabError(f"unknown game {name!r}; choose one of: {', '.join(GAMES)}")


def parse_coefficients(texts: list[str]) -> dict[str, float]:
    """``["a=1", "b=-2.5"]`` → ``{"a": 1.0, "b": -2.5}``, with an error naming a bad entry."""
    coefficients: dict[str, float] = {}
    for text in texts:
        name, sep, raw = text.partition("=")
        name = name.strip()
        try:
            value = float(raw)
        except ValueError:
            value = None
        if not sep or not name or value is None or not np.isfinite(value):
            raise MinimaxlabError(
                f"malformed coefficient {text!r}: write name=number, for example --coef a=1 b=2"
            )
        if name in coefficients:
            raise MinimaxlabError(f"coefficient {name!r} is given twice")
        coefficients[name] = value
    return coefficients
