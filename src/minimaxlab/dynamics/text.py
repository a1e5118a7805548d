"""The `minimaxlab dynamics` result as lines a person reads, or as one JSON object."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from minimaxlab.dynamics.analysis import analyse, describe
from minimaxlab.dynamics.games import make_game, parse_coefficients
from minimaxlab.dynamics.methods import get_method


def analysis_text(
    game: str,
    method: str,
    lr: float,
    coefficients: Sequence[str] = (),
    steps: int = 100,
    start: tuple[float, float] = (1.0, 0.5),
    as_json: bool = False,
) -> str:
    """What ``minimaxlab dynamics`` prints: ``method`` with step size ``lr`` on the game named
    ``game`` (``coefficients`` as name=value), analysed and simulated for ``steps`` from
    ``start``; read by a person, or one JSON object."""
    game_object = make_game(game, parse_coefficients(list(coefficients)))
    result = analyse(game_object, get_method(method), lr, steps, start)
    return json.dumps(result, allow_nan=False) if as_json else render(result)


def _number(value: float) -> str:
    return f"{value:.6g}"


def _complex(re: float, im: float) -> str:
    if abs(im) <= 1e-15 * max(1.0, abs(re)):
        return _number(re)
    return f"{_number(re)} {'−' if im < 0 else '+'} {_number(abs(im))}i"


def _intervals(pairs: list[list[float | None]]) -> str:
    return describe([(lo, math.inf if hi is None else hi) for lo, hi in pairs])


def render(result: dict[str, Any]) -> str:
    """What ``analysis.analyse`` found, one fact per line, the matrix as a block."""
    players = ", ".join(f"{p} {role}" for p, role in result["players"].items())
    point = ", ".join(_number(v) for v in result["stationary_point"])
    kind = result["classification"]
    matrix = np.array(result["matrix"])
    width = max(len(_number(v)) for v in matrix.ravel())
    rows = ["  [" + "  ".join(f"{_number(v):>{width}}" for v in row) + "]" for row in matrix]
    state = ", ".join(result["state"])
    distance = result["final_distance"]
    lines = [
        f"game: {result['formula']} ({players})",
        f"stationary point: ({point}): {kind['of_f']}; {kind['for_the_game']}",
        f"method: {result['method_title']}, α = {_number(result['lr'])}",
        f"update: [{state}] ← A·[{state}] + c with",
        "A =",
        *rows,
        "c = [" + ", ".join(_number(v) for v in result["constant"]) + "]",
        "eigenvalues: " + ", ".join(_complex(re, im) for re, im in result["eigenvalues"]),
        f"spectral radius: {_number(result['spectral_radius'])} ({result['verdict']})",
        f"converges for α in: {_intervals(result['convergent_lr'])}",
    ]
    if result["marginal_lr"]:
        lines.append(
            f"ρ = 1 (neither converges nor diverges) for α in: {_intervals(result['marginal_lr'])}"
        )
    checks = [
        f"α = {_number(c['lr'])} ({c['where']}) {c['seen']}"
        + ("" if c["seen"] == c["expected"] else f", but the eigenvalues say {c['expected']}")
        for c in result["range_checks"]
    ]
    lines.append("simulated: " + "; ".join(checks))
    start = ", ".join(_number(v) for v in result["start"])
    shown = "overflowed (diverged)" if distance is None else _number(distance)
    lines.append(
        f"after {result['steps']} steps from ({start}): distance to the stationary point {shown}"
    )
    return "\n".join(lines)
