"""bandit: softmax policy gradient (REINFORCE) on a k-armed bandit (shared/SPEC.md): constant
against decaying step sizes, with and without a reward baseline, for fixed and noisy rewards,
every seed of every variant in one batched tensor computation."""

from __future__ import annotations

from typing import Any

import numpy as np
from pydantic import Field, NonNegativeFloat, PositiveFloat, PositiveInt, field_validator

from minimaxlab.config import ExperimentConfig
from minimaxlab.dynamics.bandit import BanditRun, Variant, run_bandit
from minimaxlab.dynamics.figures import plot_bandit
from minimaxlab.experiments.base import Experiment, KeyNumber, RunContext
from minimaxlab.report.account import number
from minimaxlab.reproducibility import derived_seed, seeded_generator
from minimaxlab.runs import Run


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


def bandit_variants(config: BanditConfig) -> list[Variant]:
    """Constant and decaying η, without and with a baseline, at every reward noise."""
    return [
        Variant(decaying=decaying, baseline=baseline, noise=noise)
        for noise in config.reward_noise
        for decaying in (False, True)
        for baseline in (False, True)
    ]


def _variant_name(variant: Variant) -> str:
    step = "decaying" if variant.decaying else "constant"
    return f"{step} η, {'baseline' if variant.baseline else 'no baseline'}"


def settling_row(
    index: int, variant: Variant, result: BanditRun, config: BanditConfig
) -> list[Any]:
    """How often one variant's seeds settled on the best arm or on another, and when."""
    best = int(np.argmax(config.arm_means))
    settled = result.settled_at[index]
    final = result.final_policy[:, index]  # k × seeds
    on_best = settled > 0
    elsewhere = (final.max(axis=0) >= config.settle_threshold) & (final.argmax(axis=0) != best)
    when = settled[on_best]
    return [
        variant.noise,
        "decaying" if variant.decaying else "constant",
        "yes" if variant.baseline else "no",
        _percent(on_best.mean()),
        _percent(elsewhere.mean()),
        _percent((~on_best & ~elsewhere).mean()),
        "—" if not len(when) else int(np.median(when)),
        "—" if not len(when) else "–".join(str(int(q)) for q in np.quantile(when, [0.25, 0.75])),
        float(np.median(final[best])),
        float(final[best].mean()),
    ]


def settling_table(
    variants: list[Variant], result: BanditRun, config: BanditConfig
) -> dict[str, Any]:
    """One row per variant (see :func:`settling_row`)."""
    threshold = config.settle_threshold
    return {
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
        "rows": [settling_row(i, v, result, config) for i, v in enumerate(variants)],
    }


def settled_on_best_arm(variants: list[Variant], result: BanditRun) -> dict[str, float]:
    """The share of seeds that settled on the best arm, over every variant without a baseline
    and over every variant with one: the index card's headline."""
    on_best = (result.settled_at > 0).mean(axis=1)  # one share per variant (as settling_row)
    baseline = np.array([v.baseline for v in variants])
    return {
        "without_baseline": float(on_best[~baseline].mean()),
        "with_baseline": float(on_best[baseline].mean()),
    }


def plot_best_arm(
    variants: list[Variant], result: BanditRun, config: BanditConfig, run_folder: Run
) -> None:
    """π(best arm) against the step, one figure per reward noise, one panel per variant."""
    for noise in config.reward_noise:
        chosen = [i for i, v in enumerate(variants) if v.noise == noise]
        kind = "fixed rewards" if noise == 0 else f"reward noise σ = {noise:g}"
        plot_bandit(
            result.recorded_steps,
            result.best_probability[:, chosen],
            [_variant_name(variants[i]) for i in chosen],
            f"{len(config.arm_means)} arms, means {config.arm_means}, {kind}; {config.seeds} seeds",
            run_folder.figure_path(f"bandit/best_arm_noise_{noise:g}.png"),
        )


def run(config: BanditConfig, context: RunContext) -> dict[str, Any]:
    variants = bandit_variants(config)
    result = run_bandit(
        config.arm_means,
        variants,
        config.seeds,
        config.steps,
        config.lr,
        config.decay_steps,
        config.decay_power,
        config.settle_threshold,
        seeded_generator(derived_seed(config.seed, 1), context.device),
        context.device,
        points=config.record_points,
        stop=context.stop,
    )
    plot_best_arm(variants, result, config, context.run)
    title = (
        "How often and how fast each variant settles on the best arm "
        f"(π ≥ {config.settle_threshold:g} from some step to the end of {config.steps} steps; "
        f"{config.seeds} seeds)"
    )
    return {
        "arms": len(config.arm_means),
        "best_arm": int(np.argmax(config.arm_means)),
        "seeds": config.seeds,
        "steps": config.steps,
        "settled_on_best_arm": settled_on_best_arm(variants, result),
        "tables": {title: settling_table(variants, result, config)},
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


SETTLED = "settled_on_best_arm."

EXPERIMENT = Experiment(
    name="bandit",
    description="Softmax policy gradient on a k-armed bandit: constant vs decaying step "
    "sizes, with and without a baseline, many seeds batched.",
    config_class=BanditConfig,
    run=run,
    account=account,
    headline_figure="figures/bandit/best_arm_noise_*.png",
    key_numbers=(
        KeyNumber(
            "share of seeds settled on the best arm, without a baseline",
            SETTLED + "without_baseline",
        ),
        KeyNumber(
            "share of seeds settled on the best arm, with a baseline", SETTLED + "with_baseline"
        ),
        KeyNumber("arms", "arms"),
        KeyNumber("seeds", "seeds"),
        KeyNumber("steps", "steps"),
    ),
)
