"""nce-sampler: noise-contrastive sampling without a generator (shared/SPEC.md), compared with
gan-2d on moons, ring8 and grid25: scatter plots, modes covered, high-quality fraction and
energy distance, all on the same training and evaluation points."""

from __future__ import annotations

import time
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
from minimaxlab.interrupt import TrainingInterrupted
from minimaxlab.metrics.toy import evaluate_points, real_floor
from minimaxlab.plots import plot_point_panels
from minimaxlab.report.account import compared, listing, number
from minimaxlab.reproducibility import derived_seed
from minimaxlab.sampling.nce import NceConfig, NceSampler


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
    on_step=None,
) -> tuple[torch.Tensor, NceSampler, dict[str, Any]]:
    """Fit the sampler to data set ``name`` and draw ``n`` points: the points, the sampler
    and the rejection statistics."""
    _, train, _ = draw_points(name, seed, n_train, 1, device)
    generator = torch.Generator(device).manual_seed(derived_seed(seed, 20))
    sampler = NceSampler.fit(train, config, generator, on_step=on_step)
    points, stats = sampler.sample(n, generator)
    return points, sampler, stats.as_dict()


def _nce_result(config: NceSamplerConfig, name: str, context: RunContext) -> dict[str, Any]:
    """Fit and sample once per data set; kept in the run folder so a resumed run skips it."""
    if (context.run.path / "nce" / f"{name}.pt").is_file():
        return context.run.load_torch(f"nce/{name}.pt", context.device)
    started = time.perf_counter()
    points, sampler, stats = nce_sample(
        name, config.n_eval, config.seed, config.nce, context.device, config.n_train
    )
    result = {
        "points": points,
        "stats": stats,
        "seconds": time.perf_counter() - started,
        "final_loss": sampler.final_loss,
        "classifier": sampler.classifier.state_dict(),
    }
    context.run.save_torch(f"nce/{name}.pt", result)
    return result


def run(config: NceSamplerConfig, context: RunContext) -> dict[str, Any]:
    rows, panels, headline = [], [], {}
    for name in config.datasets:
        if context.stop is not None and context.stop.requested:
            raise TrainingInterrupted(0)
        distribution, train, real = draw_points(
            name, config.seed, config.n_train, config.n_eval, context.device
        )
        floor = real_floor(distribution, real, config.seed)
        nce = _nce_result(config, name, context)
        nce_metrics = {**evaluate_points(nce["points"], distribution, real), **nce["stats"]}
        headline[name] = {"nce": nce_metrics}
        panels.append(
            point_panel(f"{name}: NCE sampler", real, nce["points"], nce_metrics, None, "sampled")
        )
        rows.append(_row(name, "NCE sampler", nce_metrics, nce["seconds"]))
        if config.gan.enabled:
            gan = config.gan
            setting = Setting(gan.epochs, gan.d_steps, gan.g_steps)
            generator, discriminator, trained = train_point_gan(
                context.run.path / "gan" / name,
                PointSet(name, train),
                setting,
                gan.model,
                gan.train,
                config.seed,
                stop=context.stop,
                progress=context.progress,
            )
            noise = torch.Generator().manual_seed(derived_seed(config.seed, 11))
            gan_metrics, fake = judge_point_gan(
                generator, discriminator, distribution, real, config.n_eval, noise
            )
            headline[name]["gan"] = gan_metrics
            panels.append(
                point_panel(
                    f"{name}: GAN ({setting.label})", real, fake, gan_metrics, discriminator
                )
            )
            rows.append(_row(name, "GAN", gan_metrics, trained["train_time_s"]))
        rows.append(_row(name, "real data (floor)", floor, None))

    plot_point_panels(
        panels,
        context.run.figure_path("nce_vs_gan.png"),
        ncols=2 if config.gan.enabled else 3,
        title="real (grey) against sampled or generated points (orange)",
    )
    summary: dict[str, Any] = {}
    for name, methods in headline.items():
        for method, metrics in methods.items():
            summary[f"{name}.{method}.modes_covered"] = (
                f"{metrics['modes_covered']}/{metrics['n_modes']}"
            )
            summary[f"{name}.{method}.high_quality_fraction"] = metrics["high_quality_fraction"]
        summary[f"{name}.nce.acceptance_rate"] = methods["nce"]["acceptance_rate"]
    context.run.write_json(context.run.path / "results.json", headline)
    summary["tables"] = {
        "NCE sampler against GAN": {
            "header": [
                "data",
                "method",
                "modes covered",
                "high-quality fraction",
                "energy distance",
                "acceptance rate",
                "time (s)",
            ],
            "rows": rows,
        }
    }
    return summary


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
        f"{name}.{method}.high_quality_fraction"
        for name in ("moons", "ring8", "grid25")
        for method in ("nce", "gan")
    ),
)
