"""gan-2d: a GAN on two-dimensional data (shared/SPEC.md). A fresh GAN per setting of the
``num_epochs`` sweep and of the d_steps/g_steps grid; each is drawn as real against generated
points over the discriminator's decision surface and scored by modes covered, high-quality
fraction and energy distance."""

from __future__ import annotations

from typing import Any

import torch
from pydantic import PositiveInt

from minimaxlab.config import ExperimentConfig, StrictModel
from minimaxlab.data.toy2d import PointSet, ToyName, draw_points
from minimaxlab.experiments.base import Experiment, RunContext
from minimaxlab.gan.points import (
    POINT_GAN_TRAINING,
    PointGanModelConfig,
    Setting,
    judge_point_gan,
    point_panel,
    train_point_gan,
)
from minimaxlab.gan.trainer import GanTrainConfig
from minimaxlab.metrics.toy import real_floor
from minimaxlab.plots import PointPanel, plot_beliefs, plot_point_panels
from minimaxlab.report.account import compared, number
from minimaxlab.reproducibility import derived_seed
from minimaxlab.runs import Run


class ToyDataConfig(StrictModel):
    name: ToyName = "moons"
    n_train: PositiveInt = 10_000  # a fixed training set, drawn from the run's seed
    n_eval: PositiveInt = 5_000  # generated points scored, against as many fresh real ones


class Gan2dConfig(ExperimentConfig):
    experiment: str = "gan-2d"
    data: ToyDataConfig = ToyDataConfig()
    model: PointGanModelConfig = PointGanModelConfig()
    train: GanTrainConfig = POINT_GAN_TRAINING  # epochs and steps come from each setting
    epochs_sweep: list[PositiveInt] = [10, 30, 50, 100, 200]  # at 1/1 D/G steps
    steps_grid: list[tuple[PositiveInt, PositiveInt]] = [(1, 1), (10, 1), (1, 10), (10, 10)]
    steps_grid_epochs: PositiveInt = 200


ROW_HEADER = [
    "setting",
    "mean D(real)",
    "mean D(G(z))",
    "modes covered",
    "high-quality fraction",
    "energy distance",
    "train time (s)",
]


def _row(label: str, metrics: dict[str, Any], seconds: float | None) -> list[Any]:
    return [
        label,
        metrics.get("mean_d_real", "—"),
        metrics.get("mean_d_generated", "—"),
        f"{metrics['modes_covered']}/{metrics['n_modes']}",
        metrics["high_quality_fraction"],
        metrics["energy_distance"],
        "—" if seconds is None else round(seconds, 1),
    ]


def run(config: Gan2dConfig, context: RunContext) -> dict[str, Any]:
    distribution, train, real = draw_points(
        config.data.name, config.seed, config.data.n_train, config.data.n_eval, context.device
    )
    data = PointSet(config.data.name, train)
    floor = real_floor(distribution, real, config.seed)

    groups = [
        ("num_epochs sweep", "epochs", [Setting(e, 1, 1) for e in config.epochs_sweep]),
        (
            f"d_steps/g_steps at {config.steps_grid_epochs} epochs",
            "d_g_steps",
            [Setting(config.steps_grid_epochs, d, g) for d, g in config.steps_grid],
        ),
    ]
    results: dict[Setting, dict[str, Any]] = {}
    tables: dict[str, dict[str, Any]] = {}
    for title, figure_name, settings in groups:
        panels: list[PointPanel] = []
        rows = []
        for setting in settings:
            # Every setting starts from the same seed: the settings differ in nothing else.
            # A setting met twice (1/1 at 200 epochs) is trained once.
            generator, discriminator, trained = train_point_gan(
                context.run.path / "settings" / setting.slug,
                data,
                setting,
                config.model,
                config.train,
                config.seed,
                stop=context.stop,
                progress=context.progress,
            )
            if setting not in results:
                noise = torch.Generator().manual_seed(derived_seed(config.seed, 11))
                metrics, fake = judge_point_gan(
                    generator, discriminator, distribution, real, config.data.n_eval, noise
                )
                results[setting] = {
                    **metrics,
                    "train_time_s": trained["train_time_s"],
                    "fake": fake,
                }
            metrics = results[setting]
            panels.append(point_panel(setting.label, real, metrics["fake"], metrics, discriminator))
            rows.append(_row(setting.label, metrics, metrics["train_time_s"]))
        rows.append(_row("real data (floor)", floor, None))
        tables[title] = {"header": ROW_HEADER, "rows": rows}
        plot_point_panels(
            panels,
            context.run.figure_path(f"{config.data.name}_{figure_name}.png"),
            ncols=len(panels) if len(panels) <= 5 else 4,
            title=f"{config.data.name}: {title}",
        )
        plot_beliefs(
            {
                s.label: list(Run(context.run.path / "settings" / s.slug).metrics())
                for s in settings
            },
            context.run.figure_path(f"{config.data.name}_{figure_name}_beliefs.png"),
            title=f"What D believes during training: {title}",
        )

    per_setting = {
        s.slug: {"setting": s.__dict__, **{k: v for k, v in m.items() if k != "fake"}}
        for s, m in results.items()
    }
    context.run.write_json(
        context.run.path / "settings.json", {"settings": per_setting, "floor": floor}
    )
    best_slug, best = max(
        per_setting.items(),
        key=lambda item: (item[1]["modes_covered"], item[1]["high_quality_fraction"]),
    )
    return {
        "data": config.data.name,
        "n_modes": distribution.n_modes,
        "best_setting": best_slug,
        "best_modes_covered": best["modes_covered"],
        "best_high_quality_fraction": best["high_quality_fraction"],
        "best_energy_distance": best["energy_distance"],
        "tables": tables,
    }


def account(summary: dict[str, Any], config: dict[str, Any]) -> list[str]:
    """The settings trained, the best one against real data, and the epoch sweep's trend."""
    data = config["data"]
    sweep = next(iter(summary["tables"].values()))["rows"]  # the epoch sweep comes first
    floor = sweep[-1]
    first, last = sweep[0], sweep[-2]
    energy = ROW_HEADER.index("energy distance")
    quality = ROW_HEADER.index("high-quality fraction")
    return [
        f"A fresh GAN, from the same seed each time, was trained on {number(data['n_train'])} "
        f"points of {summary['data']} for each setting: "
        f"{', '.join(map(number, config['epochs_sweep']))} epochs at one D step per G step, "
        "and the D/G step pairs "
        f"{', '.join(f'{d}/{g}' for d, g in config['steps_grid'])} at "
        f"{number(config['steps_grid_epochs'])} epochs. {number(data['n_eval'])} generated "
        "points of each were scored against as many fresh real points: modes covered, the "
        "fraction of high-quality points and the energy distance (lower is closer).",
        f"The best setting (most modes covered, then the highest high-quality fraction), "
        f"{summary['best_setting']}, covers "
        f"{number(summary['best_modes_covered'])} of {number(summary['n_modes'])} modes, with a "
        f"high-quality fraction of {number(summary['best_high_quality_fraction'])} and an energy "
        f"distance of {number(summary['best_energy_distance'])}; fresh real points score "
        f"{number(floor[quality])} and {number(floor[energy])} on the same two measures.",
        f"Along the epoch sweep the energy distance went from {number(first[energy])} "
        f"({first[0]}) to {number(last[energy])} ({last[0]}): "
        f"{compared(last[energy], first[energy])} where it started.",
    ]


EXPERIMENT = Experiment(
    name="gan-2d",
    description="A GAN on 2-D data: the num_epochs sweep and the d_steps/g_steps grid.",
    config_class=Gan2dConfig,
    run=run,
    account=account,
    headline_figure="figures/*_epochs.png",
    key_numbers=(
        "data",
        "best_setting",
        "best_modes_covered",
        "n_modes",
        "best_high_quality_fraction",
        "best_energy_distance",
    ),
)
