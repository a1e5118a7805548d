"""gan-2d: a GAN on two-dimensional data (shared/SPEC.md). A fresh GAN per setting of the
``num_epochs`` sweep and of the d_steps/g_steps grid; each is drawn as real against generated
points over the discriminator's decision surface and scored by modes covered, high-quality
fraction and energy distance. Each setting trains in its own sub-run, ``settings/<slug>/``
(checkpoint, metrics); the finished settings and their scores are the run's sweep store
(``sweep.json``), so a resumed run trains only the others."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import torch
from pydantic import PositiveInt

from minimaxlab.config import ExperimentConfig, StrictModel
from minimaxlab.data.toy2d import PointSet, ToyDistribution, ToyName, draw_points
from minimaxlab.experiments.base import Experiment, KeyNumber, RunContext
from minimaxlab.gan.points import (
    POINT_GAN_TRAINING,
    PointGanModelConfig,
    Setting,
    generate_points,
    judge_point_gan,
    judging_noise,
    load_point_gan,
    point_panel,
    train_point_gan,
)
from minimaxlab.gan.trainer import GanTrainConfig
from minimaxlab.metrics.toy import real_floor
from minimaxlab.plots import plot_beliefs, plot_point_panels
from minimaxlab.report.account import compared, number
from minimaxlab.runs import Run
from minimaxlab.sweeps import SweepStore


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


@dataclass(frozen=True)
class ToyData:
    """A run's points: the distribution, the training set, and fresh real points that
    generated ones are scored against (``floor``: more fresh real points scored the same way)."""

    distribution: ToyDistribution
    train: PointSet
    real: torch.Tensor
    floor: dict[str, Any]


@dataclass(frozen=True)
class SettingGroup:
    """Settings drawn side by side in one figure and listed in one table."""

    title: str
    figure: str  # the figures' file names: <data>_<figure>.png and <data>_<figure>_beliefs.png
    settings: list[Setting]


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


def toy_data(config: Gan2dConfig, device: torch.device) -> ToyData:
    data = config.data
    distribution, train, real = draw_points(
        data.name, config.seed, data.n_train, data.n_eval, device
    )
    floor = real_floor(distribution, real, config.seed)
    return ToyData(distribution, PointSet(data.name, train), real, floor)


def setting_groups(config: Gan2dConfig) -> list[SettingGroup]:
    """The num_epochs sweep at 1/1 D/G steps, then the D/G steps grid at one length."""
    epochs = config.steps_grid_epochs
    return [
        SettingGroup("num_epochs sweep", "epochs", [Setting(e, 1, 1) for e in config.epochs_sweep]),
        SettingGroup(
            f"d_steps/g_steps at {epochs} epochs",
            "d_g_steps",
            [Setting(epochs, d, g) for d, g in config.steps_grid],
        ),
    ]


def setting_folder(run: Run, setting: Setting) -> Path:
    """The sub-run that holds one setting's checkpoint and metrics."""
    return run.path / "settings" / setting.slug


def train_setting(
    config: Gan2dConfig, context: RunContext, data: ToyData, setting: Setting
) -> dict[str, Any]:
    """Train (or resume) ``setting``'s GAN and score it: its entry in the sweep store."""
    generator, discriminator, trained = train_point_gan(
        setting_folder(context.run, setting),
        data.train,
        setting,
        config.model,
        config.train,
        config.seed,
        stop=context.stop,
        progress=context.progress,
    )
    metrics, _ = judge_point_gan(
        generator,
        discriminator,
        data.distribution,
        data.real,
        config.data.n_eval,
        judging_noise(config.seed),
    )
    return {"setting": asdict(setting), **metrics, "train_time_s": trained["train_time_s"]}


def draw_group(
    config: Gan2dConfig,
    context: RunContext,
    data: ToyData,
    group: SettingGroup,
    results: dict[str, dict[str, Any]],
) -> dict[str, Any]:
    """The group's panels over D's decision surface, what D believed during training, and its
    table; the samples are drawn again from each setting's checkpoint, as they were judged."""
    panels, rows = [], []
    for setting in group.settings:
        metrics = results[setting.slug]
        folder = setting_folder(context.run, setting)
        generator, discriminator = load_point_gan(folder, config.model, context.device)
        fake = generate_points(generator, config.data.n_eval, judging_noise(config.seed))
        panels.append(point_panel(setting.label, data.real, fake, metrics, discriminator))
        rows.append(_row(setting.label, metrics, metrics["train_time_s"]))
    rows.append(_row("real data (floor)", data.floor, None))
    figure = f"{config.data.name}_{group.figure}"
    plot_point_panels(
        panels,
        context.run.figure_path(f"{figure}.png"),
        ncols=len(panels) if len(panels) <= 5 else 4,
        title=f"{config.data.name}: {group.title}",
    )
    plot_beliefs(
        {s.label: list(Run(setting_folder(context.run, s)).metrics()) for s in group.settings},
        context.run.figure_path(f"{figure}_beliefs.png"),
        title=f"What D believes during training: {group.title}",
    )
    return {"header": ROW_HEADER, "rows": rows}


def run(config: Gan2dConfig, context: RunContext) -> dict[str, Any]:
    data = toy_data(config, context.device)
    groups = setting_groups(config)
    # Every setting starts from the same seed: the settings differ in nothing else. A setting
    # met twice (1/1 at 200 epochs) is trained once; a finished one is not trained again.
    settings = {s.slug: s for group in groups for s in group.settings}
    results = SweepStore(context.run).run_all(
        settings, lambda slug: train_setting(config, context, data, settings[slug])
    )
    tables = {group.title: draw_group(config, context, data, group, results) for group in groups}
    best_slug, best = max(
        results.items(),
        key=lambda item: (item[1]["modes_covered"], item[1]["high_quality_fraction"]),
    )
    return {
        "data": config.data.name,
        "n_modes": data.distribution.n_modes,
        "best_setting": best_slug,
        "best_modes_covered": best["modes_covered"],
        "best_high_quality_fraction": best["high_quality_fraction"],
        "best_energy_distance": best["energy_distance"],
        "floor": {key: data.floor[key] for key in ("high_quality_fraction", "energy_distance")},
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
        KeyNumber("data", "data"),
        KeyNumber("best setting", "best_setting"),
        KeyNumber("modes covered by the best", "best_modes_covered"),
        KeyNumber("modes", "n_modes"),
        KeyNumber(
            "high-quality fraction of the best",
            "best_high_quality_fraction",
            "floor.high_quality_fraction",
        ),
        KeyNumber("energy distance of the best", "best_energy_distance", "floor.energy_distance"),
    ),
)
