"""Figures of the game dynamics: trajectories in the plane, distance against step, and the
spectral radius against the step size, one line or panel per method."""

from __future__ import annotations

import math
import os
from collections.abc import Sequence

import numpy as np
from matplotlib import colormaps

from minimaxlab.atomic import atomic_path
from minimaxlab.dynamics.analysis import StepSizes
from minimaxlab.dynamics.games import Game
from minimaxlab.dynamics.methods import Method
from minimaxlab.plots import subplots

COLOURS = colormaps["tab10"].colors


def _save(fig, path: str | os.PathLike) -> None:
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png")


def plot_trajectories(
    game: Game,
    methods: Sequence[Method],
    paths: Sequence[np.ndarray],
    alpha: float,
    rhos: Sequence[float],
    path: str | os.PathLike,
) -> None:
    """One panel per method: its trajectory from the start, over the arrows of its own step
    (what one update does at each point), with the stationary point marked."""
    target = game.stationary_point()
    start = paths[0][0]
    half_width = 1.6 * max(float(np.abs(start - target).max()), 1e-3)
    low, high = target - half_width, target + half_width
    grid = np.stack(
        np.meshgrid(*(np.linspace(lo, hi, 13) for lo, hi in zip(low, high, strict=True))), -1
    )
    fig, axes = subplots(1, len(methods), figsize=(3.1 * len(methods), 3.4), dpi=100)
    axes = np.atleast_1d(axes)
    for ax, method, trajectory, rho, colour in zip(
        axes, methods, paths, rhos, COLOURS, strict=False
    ):
        state = np.tile(grid, method.memory)  # with memory: as if standing still before
        arrows = method.step(game, np.full((*grid.shape[:-1], 1), alpha), state)[..., :2] - grid
        ax.quiver(grid[..., 0], grid[..., 1], arrows[..., 0], arrows[..., 1], color="0.75")
        shown = trajectory[np.all(np.isfinite(trajectory), axis=-1)]
        ax.plot(shown[:, 0], shown[:, 1], "-", color=colour, linewidth=1.0)
        ax.plot(shown[:, 0], shown[:, 1], ".", color=colour, markersize=2.5)
        ax.plot(*start, "o", color="black", markersize=4, label="start")
        ax.plot(*target, "*", color="crimson", markersize=10, label="stationary point")
        ax.set_xlim(low[0], high[0])
        ax.set_ylim(low[1], high[1])
        ax.set_aspect("equal")
        ax.set_xlabel(game.players[0])
        ax.set_ylabel(game.players[1])
        ax.set_title(f"{method.title}\nρ = {rho:.4g}", fontsize=9)
    axes[0].legend(frameon=False, fontsize=7, loc="lower left")
    fig.suptitle(f"{game.formula}, α = {alpha:g}", fontsize=10)
    _save(fig, path)


def plot_distances(
    methods: Sequence[Method], distances: Sequence[np.ndarray], title: str, path: str | os.PathLike
) -> None:
    """‖z_k − z*‖ against k on a log scale, one line per method."""
    fig, ax = subplots(figsize=(7, 3.8), dpi=100)
    first = float(distances[0][0])
    for method, distance, colour in zip(methods, distances, COLOURS, strict=False):
        finite = np.isfinite(distance) & (distance > 0)
        ax.semilogy(np.flatnonzero(finite), distance[finite], color=colour, label=method.title)
    if first > 0:  # a start at z* has nothing to show on a log scale
        ax.set_ylim(max(first * 1e-17, 1e-300), first * 1e8)  # divergent ones stay in view
    ax.set_xlabel("step k")
    ax.set_ylabel("‖z_k − z*‖")
    ax.set_title(title, fontsize=10)
    ax.grid(alpha=0.3, which="both")
    ax.legend(frameon=False, fontsize=8)
    _save(fig, path)


def plot_spectral_radii(
    methods: Sequence[Method],
    alphas: np.ndarray,
    radii: Sequence[np.ndarray],
    ranges: Sequence[StepSizes],
    trajectory_alpha: float,
    title: str,
    path: str | os.PathLike,
) -> None:
    """ρ(A(α)) against α, one line per method; the ends of the convergent ranges marked."""
    fig, ax = subplots(figsize=(7, 3.8), dpi=100)
    for method, rho, steps, colour in zip(methods, radii, ranges, COLOURS, strict=False):
        ax.plot(alphas, rho, color=colour, label=method.title, linewidth=1.3)
        for end in steps.ends:
            if end <= alphas[-1]:
                ax.plot([end], [1.0], "o", color=colour, markersize=5)
    ax.axhline(1.0, color="black", linewidth=0.8)
    ax.axvline(trajectory_alpha, color="0.5", linestyle=":", linewidth=1, label="α of the paths")
    top = float(np.nanmax(np.concatenate(radii)))
    ax.set_ylim(0, min(max(top, 1.1), 2.5))
    ax.set_xlim(0, alphas[-1])
    ax.set_xlabel("step size α")
    ax.set_ylabel("spectral radius ρ(A)")
    ax.set_title(title + " (dots: ends of the convergent ranges)", fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(frameon=False, fontsize=8)
    _save(fig, path)


def lr_axis(ranges: Sequence[StepSizes], scale: float, points: int) -> np.ndarray:
    """Step sizes for the ρ(α) plot: past the largest finite end, or to 2/scale without one."""
    ends = [e for r in ranges for e in r.ends if math.isfinite(e)]
    top = 1.3 * max(ends) if ends else 2.0 / scale
    return np.linspace(top / points, top, points)


def plot_bandit(
    steps: np.ndarray,
    best_probability: np.ndarray,
    names: Sequence[str],
    title: str,
    path: str | os.PathLike,
) -> None:
    """One panel per variant: π(best arm) against step across seeds (median, mean, 25–75% and
    10–90% bands); a last panel with the spread across seeds (standard deviation) of every
    variant. ``best_probability`` is steps × variants × seeds."""
    count = len(names)
    fig, axes = subplots(1, count + 1, figsize=(3.2 * (count + 1), 3.5), dpi=100, sharex=True)
    for i, (ax, name, colour) in enumerate(zip(axes, names, COLOURS, strict=False)):
        values = best_probability[:, i]
        q10, q25, median, q75, q90 = np.quantile(values, [0.1, 0.25, 0.5, 0.75, 0.9], axis=-1)
        ax.fill_between(steps, q10, q90, color=colour, alpha=0.15, linewidth=0, label="10–90%")
        ax.fill_between(steps, q25, q75, color=colour, alpha=0.3, linewidth=0, label="25–75%")
        ax.plot(steps, median, color=colour, linewidth=1.5, label="median")
        ax.plot(
            steps, values.mean(axis=-1), color="black", linewidth=1, linestyle="--", label="mean"
        )
        ax.set_title(name, fontsize=9)
        ax.set_ylim(0, 1.02)
        axes[count].plot(steps, values.std(axis=-1), color=colour, label=name, linewidth=1.4)
    axes[0].set_ylabel("π(best arm) across seeds")
    axes[0].legend(frameon=False, fontsize=7, loc="upper left")
    axes[count].set_title("spread across seeds", fontsize=9)
    axes[count].set_ylabel("std of π(best arm)")
    axes[count].set_ylim(bottom=0)
    axes[count].legend(frameon=False, fontsize=7)
    for ax in axes:
        ax.set_xscale("log")
        ax.set_xlabel("step")
        ax.grid(alpha=0.3, which="both")
    fig.suptitle(title, fontsize=10)
    _save(fig, path)
