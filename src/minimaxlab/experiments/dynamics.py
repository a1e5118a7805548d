"""dynamics: gradient play on simple games (shared/SPEC.md). For every game and method: the
update matrix, its spectral radius, the step sizes that converge (from the eigenvalues,
checked by simulation just inside and outside every end), and trajectories from a start."""

from __future__ import annotations

import math
from typing import Any, Literal

import numpy as np
from pydantic import Field, PositiveFloat, PositiveInt

from minimaxlab.config import ExperimentConfig, StrictModel
from minimaxlab.dynamics import analysis
from minimaxlab.dynamics.figures import (
    lr_axis,
    plot_distances,
    plot_spectral_radii,
    plot_trajectories,
)
from minimaxlab.dynamics.games import Game, make_game
from minimaxlab.dynamics.methods import METHODS, Method, get_method, simulate, update_matrix
from minimaxlab.experiments.base import Experiment, KeyNumber, RunContext
from minimaxlab.interrupt import TrainingInterrupted
from minimaxlab.report.account import listing, number
from minimaxlab.runs import Run

MethodName = Literal["simultaneous", "alternating", "descent", "optimistic", "extragradient"]


class GameSetting(StrictModel):
    game: Literal["bilinear", "quadratic"]
    coef: dict[Literal["a", "b", "c", "d", "e"], float] = {}  # quadratic only; missing: 0
    lr: PositiveFloat = 0.2  # step size α of the trajectories
    start: tuple[float, float] = (1.0, 0.5)


DEFAULT_GAMES = [
    GameSetting(game="bilinear"),
    # a strict Nash equilibrium away from the origin; α inside GDA's range, outside OGDA's
    GameSetting(game="quadratic", coef={"a": 1, "b": 2, "c": 1, "d": 0.5, "e": -0.5}, lr=0.3),
    # not a Nash equilibrium (x at a maximum along its axis), yet the GDA family converges
    GameSetting(game="quadratic", coef={"a": -0.5, "b": 2, "c": 2}),
    # f has a minimum: descent on both converges, the GDA family runs away
    GameSetting(game="quadratic", coef={"a": 1, "b": 0.1, "c": -2}),
]


class DynamicsConfig(ExperimentConfig):
    experiment: str = "dynamics"
    device: str = "cpu"  # 2×2 and 4×4 matrices: NumPy on the CPU
    games: list[GameSetting] = Field(default=DEFAULT_GAMES, min_length=1)
    methods: list[MethodName] = Field(default=list(METHODS), min_length=1)
    steps: PositiveInt = 200  # length of the trajectories
    lr_points: PositiveInt = 400  # step sizes on the ρ(α) plot
    check_margin: float = Field(default=0.01, gt=0, lt=0.5)  # α·(1 ∓ margin) around each end
    check_max_steps: PositiveInt = 100_000  # longest simulation of a check
    rate_steps: PositiveInt = 2000  # steps of the simulation that measures the growth per step


def _interval_text(ranges: analysis.StepSizes, kind: str) -> str:
    return analysis.describe(ranges.intervals(kind))


def _plot_game(
    folder: str,
    game: Game,
    methods: list[Method],
    paths: list[np.ndarray],
    distances: list[np.ndarray],
    ranges: list[analysis.StepSizes],
    rhos: list[float],
    config: DynamicsConfig,
    alpha: float,
    run_folder: Run,
) -> None:
    """The trajectories, ‖z_k − z*‖ against k, and ρ(A) against α, of every method."""
    scale = max(float(np.linalg.norm(m.affine(game).matrices[1], 2)) for m in methods)
    alphas = lr_axis(ranges, scale, config.lr_points)
    radii = [analysis.spectral_radius(game, m, alphas) for m in methods]
    plot_trajectories(
        game, methods, paths, alpha, rhos, run_folder.figure_path(f"{folder}/trajectories.png")
    )
    title = f"{game.formula}, α = {alpha:g}"
    plot_distances(methods, distances, title, run_folder.figure_path(f"{folder}/distance.png"))
    plot_spectral_radii(
        methods,
        alphas,
        radii,
        ranges,
        alpha,
        game.formula,
        run_folder.figure_path(f"{folder}/spectral_radius.png"),
    )


def _study_method(
    game: Game,
    method: Method,
    steps: analysis.StepSizes,
    rho: float,
    distance: np.ndarray,
    alpha: float,
    config: DynamicsConfig,
    label: str,
) -> tuple[list[Any], list[list[Any]], dict[str, Any]]:
    """One method on one game: its row of the methods table, its rows of the simulation checks,
    and its details (pieces, update matrix, probes) for ``dynamics.json``."""
    probes = analysis.probe_ends(game, method, steps, config.check_margin, config.check_max_steps)
    rate = analysis.growth_rate(game, method, alpha, config.rate_steps)
    final = float(distance[-1])
    method_row = [
        label,
        method.title,
        _interval_text(steps, "converges"),
        _interval_text(steps, "marginal"),
        rho,
        rate,
        final if math.isfinite(final) else "overflow",
        f"{sum(p.agrees for p in probes)} of {len(probes)}",
    ]
    probe_rows = [
        [
            label,
            method.title,
            p.where,
            p.alpha,
            p.expected,
            p.seen,
            p.steps,
            p.distance_ratio if math.isfinite(p.distance_ratio) else "overflow",
        ]
        for p in probes
    ]
    matrix, constant = update_matrix(game, method, alpha)
    details = {
        "pieces": [list(piece) for piece in steps.pieces],
        "matrix": matrix.tolist(),
        "constant": constant.tolist(),
        "spectral_radius": rho,
        "simulated_growth_per_step": rate,
        "final_distance": final,
        "probes": [p.__dict__ | {"agrees": p.agrees} for p in probes],
    }
    return method_row, probe_rows, details


def _study_game(
    index: int, setting: GameSetting, config: DynamicsConfig, context: RunContext
) -> dict[str, Any]:
    """Analyse, simulate and plot every method on one game; the rows of the report's tables."""
    game = make_game(setting.game, setting.coef)
    methods = [get_method(name) for name in config.methods]
    target = game.stationary_point()
    alpha = setting.lr
    start = np.asarray(setting.start, dtype=float)
    ranges = [analysis.step_sizes(game, m) for m in methods]
    paths = [simulate(game, m, alpha, start, config.steps) for m in methods]
    distances = [
        analysis.distance_to_fixed_point(game, m, p) for m, p in zip(methods, paths, strict=True)
    ]
    rhos = [float(analysis.spectral_radius(game, m, np.array([alpha]))[0]) for m in methods]
    folder = f"game_{index}_{game.name}"
    _plot_game(folder, game, methods, paths, distances, ranges, rhos, config, alpha, context.run)

    label = f"{index}: {game.formula}"
    studies = [
        _study_method(game, method, steps, rho, distance, alpha, config, label)
        for method, steps, rho, distance in zip(methods, ranges, rhos, distances, strict=True)
    ]
    classification = game.classify()
    players = ", ".join(
        f"{p} {'min' if m else 'max'}" for p, m in zip(game.players, game.minimises, strict=True)
    )
    point = "(" + ", ".join(f"{v:.4g}" for v in target) + ")"
    return {
        "game_row": [label, players, point, classification["of_f"], classification["for_the_game"]],
        "method_rows": [row for row, _, _ in studies],
        "probe_rows": [row for _, rows, _ in studies for row in rows],
        "details": {
            "formula": game.formula,
            "stationary_point": target.tolist(),
            "classification": classification,
            "lr": alpha,
            "methods": {m.name: d for m, (_, _, d) in zip(methods, studies, strict=True)},
        },
    }


def _tables(
    game_rows: list[list[Any]],
    method_rows: list[list[Any]],
    probe_rows: list[list[Any]],
    config: DynamicsConfig,
) -> dict[str, Any]:
    return {
        "Games and their stationary points": {
            "header": ["game", "players", "stationary point", "for f", "for the game"],
            "rows": game_rows,
        },
        "Methods: convergent step sizes from the eigenvalues, and the trajectories": {
            "header": [
                "game",
                "method",
                "converges for α in",
                "ρ = 1 for α in",
                "ρ(A) at the paths' α",
                f"growth per step, simulated ({config.rate_steps} steps)",
                f"‖z − z*‖ after {config.steps} steps",
                "ends confirmed by simulation",
            ],
            "rows": method_rows,
        },
        "Simulations just inside and outside every end (α·(1 ∓ "
        f"{config.check_margin:g}), from z* + (0.6, −0.8))": {
            "header": [
                "game",
                "method",
                "where",
                "α",
                "eigenvalues say",
                "simulation did",
                "steps",
                "‖z_N − z*‖ / ‖z_0 − z*‖",
            ],
            "rows": probe_rows,
        },
    }


def run(config: DynamicsConfig, context: RunContext) -> dict[str, Any]:
    details = {}
    game_rows, method_rows, probe_rows = [], [], []
    for index, setting in enumerate(config.games, start=1):
        if context.stop is not None and context.stop.requested:
            raise TrainingInterrupted(index - 1)  # seconds of work: a resume starts over
        study = _study_game(index, setting, config, context)
        details[f"game_{index}"] = study["details"]
        game_rows.append(study["game_row"])
        method_rows += study["method_rows"]
        probe_rows += study["probe_rows"]
    context.run.write_json(context.run.path / "dynamics.json", details)
    agreeing = sum(row[4] == row[5] for row in probe_rows)
    return {
        "simulation_checks": f"{agreeing} of {len(probe_rows)} agree with the eigenvalues",
        "tables": _tables(game_rows, method_rows, probe_rows, config),
    }


def account(summary: dict[str, Any], config: dict[str, Any]) -> list[str]:
    """What was analysed, whether the simulations agree with the eigenvalues, and which
    methods converge at each game's step size."""
    games_table, methods_table, probes_table = summary["tables"].values()
    probes = probes_table["rows"]
    agreeing = sum(row[4] == row[5] for row in probes)
    paragraphs = [
        f"Each of the methods {listing(config['methods'])} was written as an exact affine map "
        "z ↦ A z + b on each game "
        f"({'; '.join(row[0] for row in games_table['rows'])}). The eigenvalues of A give the "
        "step sizes α for which the method converges (spectral radius ρ(A) below one), and "
        "every "
        "end of those ranges was checked by simulating just inside and just outside it.",
        f"{summary['simulation_checks']}"
        + (
            ": every simulation did what the eigenvalues predict."
            if agreeing == len(probes)
            else ": some simulations disagree; the table below lists them."
        ),
    ]
    for index, game in enumerate(config["games"], start=1):
        rows = [row for row in methods_table["rows"] if row[0].startswith(f"{index}: ")]
        converging = [row[1] for row in rows if row[4] < 1]
        others = [row[1] for row in rows if row[4] >= 1]
        paragraphs.append(
            f"Game {rows[0][0]}, trajectories at α = {number(game['lr'])}: ρ(A) is below one "
            f"for {listing(converging, 'no method')}; at or above one for {listing(others)}."
        )
    return paragraphs


EXPERIMENT = Experiment(
    name="dynamics",
    description="Gradient play on the bilinear and quadratic games: five methods as exact "
    "linear maps, their spectra and convergent step sizes, checked by simulation.",
    config_class=DynamicsConfig,
    run=run,
    account=account,
    headline_figure="figures/game_1_*/trajectories.png",
    key_numbers=(KeyNumber("simulation checks of the convergent ranges", "simulation_checks"),),
)
