"""Five ways to play a game with gradient steps of size α, each written twice: as the update
rule that evaluates the players' field (what a training loop does) and, since the games are
linear, as the exact affine map  state_{k+1} = A(α) state_k + c(α).

The players' field is v(z) = S∇f (see games.py): each player's gradient of its own loss.

- simultaneous GDA: z⁺ = z − α v(z); the maximiser ascends f, the minimiser descends it.
- alternating GDA: the first player (x; d in the bilinear game, as GAN training updates the
  discriminator first) steps, then the second steps at the first one's new value.
- gradient descent on both: z⁺ = z − α ∇f(z): both players descend f, the maximiser too, as a
  plain minimiser would if pointed at the game's value. It ignores the game and converges only
  where f has a minimum.
- optimistic GDA: z⁺ = z − 2α v(z) + α v(z⁻), remembering the previous iterate z⁻; the state is
  the stack [z_k, z_{k−1}] (and z_{−1} = z_0, so the first step is a GDA step).
- extragradient: a look-ahead step z½ = z − α v(z), then z⁺ = z − α v(z½).

A(α) and c(α) are polynomials in α of degree at most 2; a method gives their coefficient
matrices, so analysis.py can treat the characteristic polynomial exactly.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from minimaxlab.dynamics.games import Game
from minimaxlab.errors import MinimaxlabError

FIRST = np.diag([1.0, 0.0])  # picks the player who moves first in alternating GDA
SECOND = np.diag([0.0, 1.0])


@dataclass(frozen=True)
class AffinePolynomial:
    """A(α) = Σ_k α^k matrices[k] and c(α) = Σ_k α^k constants[k]."""

    matrices: tuple[np.ndarray, ...]
    constants: tuple[np.ndarray, ...]

    def at(self, alpha: float) -> tuple[np.ndarray, np.ndarray]:
        """A(α) and c(α) for one step size."""
        matrix = sum(alpha**k * m for k, m in enumerate(self.matrices))
        constant = sum(alpha**k * c for k, c in enumerate(self.constants))
        return matrix, constant


@dataclass(frozen=True)
class Method:
    name: str
    title: str
    memory: int  # how many iterates the state stacks: 2 for optimistic GDA
    # One update of the state (…×2·memory) by evaluating the field; α broadcasts over the batch.
    step: Callable[[Game, np.ndarray, np.ndarray], np.ndarray]
    affine: Callable[[Game], AffinePolynomial]


def _simultaneous(game: Game, alpha: np.ndarray, z: np.ndarray) -> np.ndarray:
    return z - alpha * game.field(z)


def _alternating(game: Game, alpha: np.ndarray, z: np.ndarray) -> np.ndarray:
    moved = z.copy()
    moved[..., 0] = z[..., 0] - alpha[..., 0] * game.field(z)[..., 0]
    moved[..., 1] = z[..., 1] - alpha[..., 0] * game.field(moved)[..., 1]
    return moved


def _descent(game: Game, alpha: np.ndarray, z: np.ndarray) -> np.ndarray:
    return z - alpha * game.gradient(z)


def _optimistic(game: Game, alpha: np.ndarray, state: np.ndarray) -> np.ndarray:
    z, previous = state[..., :2], state[..., 2:]
    moved = z - 2 * alpha * game.field(z) + alpha * game.field(previous)
    return np.concatenate([moved, z], axis=-1)


def _extragradient(game: Game, alpha: np.ndarray, z: np.ndarray) -> np.ndarray:
    look_ahead = z - alpha * game.field(z)
    return z - alpha * game.field(look_ahead)


def _affine_simultaneous(game: Game) -> AffinePolynomial:
    J, b = game.jacobian, game.offset
    return AffinePolynomial((np.eye(2), -J), (np.zeros(2), -b))


def _affine_alternating(game: Game) -> AffinePolynomial:
    # (I − αE₂J)(I − αE₁J) = I − αJ + α²E₂JE₁J, since E₁ + E₂ = I
    J, b = game.jacobian, game.offset
    return AffinePolynomial(
        (np.eye(2), -J, SECOND @ J @ FIRST @ J), (np.zeros(2), -b, SECOND @ J @ FIRST @ b)
    )


def _affine_descent(game: Game) -> AffinePolynomial:
    return AffinePolynomial((np.eye(2), -game.hessian), (np.zeros(2), -game.linear))


def _affine_optimistic(game: Game) -> AffinePolynomial:
    J, b = game.jacobian, game.offset
    one, zero = np.eye(2), np.zeros((2, 2))
    return AffinePolynomial(
        (np.block([[one, zero], [one, zero]]), np.block([[-2 * J, J], [zero, zero]])),
        (np.zeros(4), np.concatenate([-b, np.zeros(2)])),
    )


def _affine_extragradient(game: Game) -> AffinePolynomial:
    J, b = game.jacobian, game.offset
    return AffinePolynomial((np.eye(2), -J, J @ J), (np.zeros(2), -b, J @ b))


METHODS: dict[str, Method] = {
    m.name: m
    for m in (
        Method("simultaneous", "simultaneous GDA", 1, _simultaneous, _affine_simultaneous),
        Method("alternating", "alternating GDA", 1, _alternating, _affine_alternating),
        Method("descent", "gradient descent on both", 1, _descent, _affine_descent),
        Method("optimistic", "optimistic GDA", 2, _optimistic, _affine_optimistic),
        Method("extragradient", "extragradient", 1, _extragradient, _affine_extragradient),
    )
}


def get_method(name: str) -> Method:
    """The method called ``name``, or an error listing the known names."""
    try:
        return METHODS[name]
    except KeyError:
        raise MinimaxlabError(
            f"unknown method {name!r}; choose one of: {', '.join(METHODS)}"
        ) from None


def check_step_size(alpha: float) -> None:
    """Step sizes are positive and finite."""
    if not np.isfinite(alpha) or alpha <= 0:
        raise MinimaxlabError(f"the step size must be a positive number (got {alpha:g})")


def update_matrix(game: Game, method: Method, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """A(α) and c(α) with state_{k+1} = A state_k + c."""
    return method.affine(game).at(alpha)


def state_labels(game: Game, method: Method) -> list[str]:
    """Names of the state's entries: ``d_k, g_k`` (and ``d_k−1, g_k−1`` with memory)."""
    labels = [f"{p}_k" for p in game.players]
    if method.memory == 2:
        labels += [f"{p}_k−1" for p in game.players]
    return labels


def fixed_point(game: Game, method: Method) -> np.ndarray:
    """The state every method rests at: the stationary point (stacked for memory 2)."""
    return np.tile(game.stationary_point(), method.memory)


def simulate(
    game: Game, method: Method, alpha: float | np.ndarray, start: np.ndarray, steps: int
) -> np.ndarray:
    """The iterates z_0 … z_steps ((steps+1)×…×2) of the update rule, batched over α.

    ``alpha`` of shape (B,) runs B trajectories at once. Overflow turns iterates into inf or
    nan instead of raising: divergence is a result here.
    """
    alpha = np.asarray(alpha, dtype=float)[..., None]
    start = np.broadcast_to(np.asarray(start, dtype=float), (*alpha.shape[:-1], 2))
    state = np.tile(start, method.memory)  # z_{−1} = z_0
    path = np.empty((steps + 1, *start.shape))
    path[0] = start
    with np.errstate(over="ignore", invalid="ignore"):
        for k in range(1, steps + 1):
            state = method.step(game, alpha, state)
            path[k] = state[..., :2]
    return path
