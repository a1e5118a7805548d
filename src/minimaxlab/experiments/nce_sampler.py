"""nce-sampler: noise-contrastive sampling without a generator (shared/SPEC.md), compared with
gan-2d on moons, ring8 and grid25: scatter plots, modes covered, high-quality fraction and
energy distance, all on the same training and evaluation points."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from contextlib import nullcontext
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
    judge_point_gan,
    point_panel,
    train_point_gan,
)
from minimaxlab.gan.trainer import GanTrainConfig
from minimaxlab.interrupt import StopSignal
from minimaxlab.metrics.toy import evaluate_points, real_floor
from minimaxlab.plots import PointPanel, plot_point_panels
from minimaxlab.report.account import compared, listing, number
from minimaxlab.reproducibility import derived_seed
from minimaxlab.runs import Run
from minimaxlab.sampling.nce import NceConfig, NceSampler
from minimaxlab.sweeps import SweepStore

NCE_STREAM, GAN_NOISE_STREAM = 20, 11  # sub-streams of the seed: the sampler's draws, G's codes


class GanComparisonConfig(StrictModel):
    """The gan-2d setting that the sampler is compared with."""

    enabled: bool = True
    epochs: PositiveInt = 200
    d_steps: PositiveInt = 1
    g_steps: PositiveInt = 1
    model: PointGanModelConfig = PointGanModelConfig()
    train: GanTrainConfig = POINT_GAN_TRAINING


class NceSamplerConfig(ExperimentConfig):
    experiment: str = "nce-sampler"
    datasets: list[ToyName] = ["moons", "ring8", "grid25"]
    n_train: PositiveInt = 10_000  # the same training points as gan-2d with the same seed
    n_eval: PositiveInt = 5_000
    nce: NceConfig = NceConfig()
    gan: GanComparisonConfig = GanComparisonConfig()


def nce_sample(
    name: str,
    n: int,
    seed: int,
    config: NceConfig,
    device: torch.device,
    n_train: int = 10_000,
    on_step: Callable[[int, float], None] | None = None,
    run: Run | None = None,
    stop: StopSignal | None = None,
    progress: bool = False,
) -> tuple[torch.Tensor, NceSampler, dict[str, Any]]:
    """Fit the sampler to data set ``name`` and draw ``n`` points: the points, the sampler
    and the rejection statistics. The classifier is checkpointed in ``run`` as
    ``nce/<name>-checkpoint.pt`` (the sweep setting ``name``), so several data sets share one
    run and a stopped fit resumes; without a run (the ``nce`` command) it trains in a
    temporary folder. ``on_step(step, loss)`` is told each recorded mean loss."""
    _, train, _ = draw_points(name, seed, n_train, 1, device)
    generator = torch.Generator(device).manual_seed(derived_seed(seed, NCE_STREAM))
    loss = f"loss/{name}"
    told = None if on_step is None else lambda record: on_step(record["step"], record[loss])
    with tempfile.TemporaryDirectory() if run is None else nullcontext(run.path) as folder:
        sampler = NceSampler.fit(
            train,
            config,
            generator,
            Run(folder),
            key=name,
            checkpoint=f"nce/{name}-checkpoint.pt",
            stop=stop,
            progress=progress,
            on_record=told,
        )
    points, stats = sampler.sample(n, generator)
    return points, sampler, stats.as_dict()


def run(config: NceSamplerConfig, context: RunContext) -> dict[str, Any]:
    nce = _nce_results(config, context)
    headline, floors, panels, rows = {}, {}, [], []
    for name in config.datasets:
        headline[name], floors[name], shown, table_rows = _compare_on(
            name, nce[name], config, context
        )
        panels += shown
        rows += table_rows
    plot_point_panels(
        panels,
        context.run.figure_path("nce_vs_gan.png"),
        ncols=2 if config.gan.enabled else 3,
        title="real (grey) against sampled or generated points (orange)",
    )
    context.run.write_json(context.run.path / "results.json", headline)
    return {
        **_key_numbers(headline, floors),
        "tables": {"NCE sampler against GAN": {"header": HEADER, "rows": rows}},
    }


def _compare_on(
    name: str, nce: dict[str, Any], config: NceSamplerConfig, context: RunContext
) -> tuple[dict[str, Any], dict[str, Any], list[PointPanel], list[list[Any]]]:
    """On data set ``name``: the sampler's metrics (and the GAN's), the real data's floor,
    their scatter panels and their table rows, with the floor last."""
    distribution, train, real = draw_points(
        name, config.seed, config.n_train, config.n_eval, context.device
    )
    metrics = {"nce": {**evaluate_points(nce["points"], distribution, real), **nce["stats"]}}
    panels = [
        point_panel(f"{name}: NCE sampler", real, nce["points"], metrics["nce"], None, "sampled")
    ]
    rows = [_row(name, "NCE sampler", metrics["nce"], nce["seconds"])]
    if config.gan.enabled:
        data = PointSet(name, train)
        metrics["gan"], panel, seconds = _gan_on(name, data, distribution, real, config, context)
        panels.append(panel)
        rows.append(_row(name, "GAN", metrics["gan"], seconds))
    floor = real_floor(distribution, real, config.seed)
    rows.append(_row(name, "real data (floor)", floor, None))
    return metrics, floor, panels, rows


def _nce_results(config: NceSamplerConfig, context: RunContext) -> dict[str, dict[str, Any]]:
    """Per data set: the sampled points, the rejection statistics, the seconds and the final
    loss. Each fit is recorded in the run's sweep store (its tensors in ``nce/<name>.pt``),
    so a resumed run skips the data sets it finished."""

    def fit(name: str) -> dict[str, Any]:
        started = time.perf_counter()
        points, sampler, stats = nce_sample(
            name,
            config.n_eval,
            config.seed,
            config.nce,
            context.device,
            config.n_train,
            run=context.run,
            stop=context.stop,
            progress=context.progress,
        )
        tensors = {"points": points, "classifier": sampler.classifier.state_dict()}
        context.run.save_torch(f"nce/{name}.pt", tensors)
        seconds = time.perf_counter() - started
        return {"stats": stats, "seconds": seconds, "final_loss": sampler.final_loss}

    results = SweepStore(context.run).run_all(config.datasets, fit)
    return {
        name: {**result, **context.run.load_torch(f"nce/{name}.pt", context.device)}
        for name, result in results.items()
    }


def _gan_on(
    name: str,
    data: PointSet,
    distribution: ToyDistribution,
    real: torch.Tensor,
    config: NceSamplerConfig,
    context: RunContext,
) -> tuple[dict[str, Any], PointPanel, float]:
    """gan-2d's GAN trained on the same points and scored the same way: its metrics, its
    panel and its training seconds."""
    gan = config.gan
    setting = Setting(gan.epochs, gan.d_steps, gan.g_steps)
    generator, discriminator, trained = train_point_gan(
        context.run.path / "gan" / name,
        data,
        setting,
        gan.model,
        gan.train,
        config.seed,
        stop=context.stop,
        progress=context.progress,
    )
    noise = torch.Generator().manual_seed(derived_seed(config.seed, GAN_NOISE_STREAM))
    metrics, fake = judge_point_gan(
        generator, discriminator, distribution, real, config.n_eval, noise
    )
    panel = point_panel(f"{name}: GAN ({setting.label})", real, fake, metrics, discriminator)
    return metrics, panel, trained["train_time_s"]


def _key_numbers(
    headline: dict[str, dict[str, Any]], floors: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    """Modes covered and the high-quality fraction of each method and of the real data's
    floor, and each acceptance rate."""
    numbers: dict[str, Any] = {}
    for name, methods in headline.items():
        numbers[f"{name}.floor.high_quality_fraction"] = floors[name]["high_quality_fraction"]
        for method, metrics in methods.items():
            numbers[f"{name}.{method}.modes_covered"] = (
                f"{metrics['modes_covered']}/{metrics['n_modes']}"
            )
            numbers[f"{name}.{method}.high_quality_fraction"] = metrics["high_quality_fraction"]
        numbers[f"{name}.nce.acceptance_rate"] = methods["nce"]["acceptance_rate"]
    return numbers


HEADER = [
    "data",
    "method",
    "modes covered",
    "high-quality fraction",
    "energy distance",
    "acceptance rate",
    "time (s)",
]


def _row(name: str, method: str, metrics: dict[str, Any], seconds: float | None) -> list[Any]:
    return [
        name,
        method,
        f"{metrics['modes_covered']}/{metrics['n_modes']}",
        metrics["high_quality_fraction"],
        metrics["energy_distance"],
        metrics.get("acceptance_rate", "—"),
        "—" if seconds is None else round(seconds, 1),
    ]


def account(summary: dict[str, Any], config: dict[str, Any]) -> list[str]:
    """How the sampler works, and per data set how it and the GAN score."""
    nce, gan = config["nce"], config["gan"]
    noise = "a Gaussian fitted to the data" if nce["noise"] == "fitted" else "N(0, I)"
    paragraphs = [
        f"For each of {listing(config['datasets'])}, a classifier was trained for "
        f"{number(nce['steps'])} steps to tell {number(config['n_train'])} data points from "
        f"noise drawn from {noise}; its odds, a density ratio of data to noise, accept noise "
        f"draws by rejection, and {number(config['n_eval'])} accepted points were scored "
        "against fresh real points: modes covered, the high-quality fraction (points within "
        "three standard deviations of a mode) and the energy distance."
        + (
            f" A GAN of {number(gan['epochs'])} epochs (gan-2d's model) was trained on the "
            "same points and scored the same way."
            if gan["enabled"]
            else ""
        )
    ]
    for name in config["datasets"]:
        sampler_quality = summary[f"{name}.nce.high_quality_fraction"]
        text = (
            f"{name}: the sampler covers {summary[f'{name}.nce.modes_covered']} modes with a "
            f"high-quality fraction of {number(sampler_quality)} (acceptance rate "
            f"{number(summary[f'{name}.nce.acceptance_rate'])})"
        )
        if gan["enabled"]:
            gan_quality = summary[f"{name}.gan.high_quality_fraction"]
            text += (
                f"; the GAN covers {summary[f'{name}.gan.modes_covered']} with "
                f"{number(gan_quality)}, {compared(gan_quality, sampler_quality)} the sampler's"
            )
        paragraphs.append(text + ".")
    return paragraphs


EXPERIMENT = Experiment(
    name="nce-sampler",
    description="Noise-contrastive rejection sampling against a GAN on moons, ring8 and grid25.",
    config_class=NceSamplerConfig,
    run=run,
    account=account,
    headline_figure="figures/nce_vs_gan.png",
    key_numbers=tuple(
        KeyNumber(
            f"high-quality fraction, {name}, {label}",
            f"{name}.{method}.high_quality_fraction",
            f"{name}.floor.high_quality_fraction",
        )
        for name in ("moons", "ring8", "grid25")
        for method, label in (("nce", "NCE sampler"), ("gan", "GAN"))
    ),
)
