"""bandit: softmax policy gradient (REINFORCE) on a k-armed bandit (shared/SPEC.md): constant
against decaying step sizes, with and without a reward baseline, for fixed and noisy rewards,
every seed of every variant in one batched tensor computation."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from pydantic import Field, NonNegativeFloat, PositiveFloat, PositiveInt, field_validator

from minimaxlab.config import ExperimentConfig
from minimaxlab.dynamics.bandit import Variant, run_bandit
from minimaxlab.dynamics.figures import plot_bandit
from minimaxlab.experiments.base import Experiment, RunContext
from minimaxlab.report.account import number
from minimaxlab.reproducibility import derived_seed


class BanditConfig(ExperimentConfig):
    experiment: str = "bandit"
    arm_means: list[float] = Field(default=[1.0, 0.8, 0.6, 0.4, 0.2], min_length=2)
    reward_noise: list[NonNegativeFloat] = Field(default=[0.0, 1.0], min_length=1)  # σ values
    seeds: PositiveInt = 1000
    steps: PositiveInt = 10000
    lr: PositiveFloat = 0.5  # η, and η₀ of the decaying schedule
    decay_steps: PositiveFloat = 200.0  # τ of η_t = η₀ / (1 + t/τ)^p
    decay_power: float = Field(default=1.0, gt=0.5, le=1.0)  # p: Σ η_t = ∞, Σ η_t² < ∞
    settle_threshold: float = Field(default=0.95, gt=0.5, lt=1.0)
    record_points: PositiveInt = 200  # steps (log-spaced) at which π is kept for the curves

    @field_validator("arm_means")
    @classmethod
    def one_best_arm(cls, means: list[float]) -> list[float]:
        if sorted(means)[-1] == sorted(means)[-2]:
            raise ValueError("the best arm must be unique (two arms share the largest mean)")
        return means


def _percent(fraction: float) -> str:
    return f"{100 * fraction:.1f}%"


def run(config: BanditConfig, context: RunContext) -> dict[str, Any]:
    variants = [
        Variant(decaying=decaying, baseline=baseline, noise=noise)
        for noise in config.reward_noise
        for decaying in (False, True)
        for baseline in (False, True)
    ]
    generator = torch.Generator(device=context.device)
    generator.manual_seed(derived_seed(config.seed, 1))
    result = run_bandit(
        config.arm_means,
        variants,
        config.seeds,
        config.steps,
        config.lr,
        config.decay_steps,
        config.decay_power,
        config.settle_threshold,
        generator,
        context.device,
        points=config.record_points,
        stop=context.stop,
    )
    best = int(np.argmax(config.arm_means))
    rows = []
    for i, variant in enumerate(variants):
        settled = result.settled_at[i]
        final = result.final_policy[:, i]  # k × seeds
        on_best = settled > 0
        elsewhere = (final.max(axis=0) >= config.settle_threshold) & (final.argmax(axis=0) != best)
        when = settled[on_best]
        rows.append(
            [
                variant.noise,
                "decaying" if variant.decaying else "constant",
                "yes" if variant.baseline else "no",
                _percent(on_best.mean()),
                _percent(elsewhere.mean()),
                _percent((~on_best & ~elsewhere).mean()),
                "—" if not len(when) else int(np.median(when)),
                "—"
                if not len(when)
                else "–".join(str(int(q)) for q in np.quantile(when, [0.25, 0.75])),
                float(np.median(final[best])),
                float(final[best].mean()),
            ]
        )
    for noise in config.reward_noise:
        chosen = [i for i, v in enumerate(variants) if v.noise == noise]
        names = [
            f"{'decaying' if variants[i].decaying else 'constant'} η, "
            f"{'baseline' if variants[i].baseline else 'no baseline'}"
            for i in chosen
        ]
        kind = "fixed rewards" if noise == 0 else f"reward noise σ = {noise:g}"
        plot_bandit(
            result.recorded_steps,
            result.best_probability[:, chosen],
            names,
            f"{len(config.arm_means)} arms, means {config.arm_means}, {kind}; {config.seeds} seeds",
            context.run.figure_path(f"bandit/best_arm_noise_{noise:g}.png"),
        )
    threshold = config.settle_threshold
    return {
        "arms": len(config.arm_means),
        "best_arm": best,
        "seeds": config.seeds,
        "steps": config.steps,
        "tables": {
            f"How often and how fast each variant settles on the best arm (π ≥ {threshold:g} "
            f"from some step to the end of {config.steps} steps; {config.seeds} seeds)": {
                "header": [
                    "reward noise σ",
                    "step size",
                    "baseline",
                    "settled on the best arm",
                    f"stuck on another arm (π ≥ {threshold:g})",
                    "undecided",
                    "settling step, median",
                    "settling step, 25–75%",
                    "final π(best), median",
                    "final π(best), mean",
                ],
                "rows": rows,
            }
        },
    }


def account(summary: dict[str, Any], config: dict[str, Any]) -> list[str]:
    """The set-up, then for each noise level how often each variant settled on the best arm."""
    (table,) = summary["tables"].values()
    paragraphs = [
        f"REINFORCE with a softmax policy on {number(summary['arms'])} arms of mean rewards "
        f"{', '.join(map(number, config['arm_means']))} (arm {number(summary['best_arm'])} is "
        f"the best), {number(summary['seeds'])} seeds of {number(summary['steps'])} steps for "
        f"each variant: a constant step size η = {number(config['lr'])} or the decaying "
        f"η_t = η (τ/(τ + t))^p with τ = {number(config['decay_steps'])} and "
        f"p = {number(config['decay_power'])}, each without and with a reward baseline. A seed has "
        f"settled when π(best arm) ≥ {number(config['settle_threshold'])} from some step to the "
        "end."
    ]
    for noise in config["reward_noise"]:
        rows = [row for row in table["rows"] if row[0] == noise]
        kind = "fixed rewards" if noise == 0 else f"reward noise σ = {number(noise)}"
        outcomes = "; ".join(
            f"{step} η {'with' if baseline == 'yes' else 'without'} a baseline: {settled} "
            f"settled, {stuck} stuck on another arm"
            for _, step, baseline, settled, stuck, *_ in rows
        )
        paragraphs.append(f"With {kind}: {outcomes}.")
    return paragraphs


EXPERIMENT = Experiment(
    name="bandit",
    description="Softmax policy gradient on a k-armed bandit: constant vs decaying step "
    "sizes, with and without a baseline, many seeds batched.",
    config_class=BanditConfig,
    run=run,
    account=account,
    headline_figure="figures/bandit/best_arm_noise_*.png",
    key_numbers=("arms", "seeds", "steps"),
)
