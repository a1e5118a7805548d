"""latent-smoothness: does penalising image change per unit of latent distance while training
lower the least-change path energy U (shared/SPEC.md, latent-path's follow-up), and what does
it cost in sample quality? Trains the same GAN without and with the penalty, each in its own
run folder inside this one, then measures both the same way."""

from __future__ import annotations

from typing import Any, Literal

import torch
from pydantic import NonNegativeInt, PositiveFloat, PositiveInt
from torch import nn

from minimaxlab.config import ExperimentConfig, StrictModel, resolve_config, validate
from minimaxlab.data.registry import load_images
from minimaxlab.errors import MinimaxlabError
from minimaxlab.experiments.base import Experiment, KeyNumber, RunContext, missing_data
from minimaxlab.experiments.dcgan_fashion import EXPERIMENT as DCGAN_FASHION
from minimaxlab.experiments.gan_mnist import EXPERIMENT as GAN_MNIST
from minimaxlab.experiments.wgan_gp import EXPERIMENT as WGAN_GP
from minimaxlab.generative import GENERATOR
from minimaxlab.latent.paths import PathResult, latent_path_between
from minimaxlab.plots import plot_bars, save_image_grid
from minimaxlab.report.account import compared, number
from minimaxlab.runs import Run
from minimaxlab.training.state import load_models

QUALITY = ("frechet_distance", "precision", "recall", "coverage")
# The GANs it can train twice (imported one by one: the registry imports this module).
BASES = {e.name: e for e in (GAN_MNIST, WGAN_GP, DCGAN_FASHION)}
TRAININGS = ("without", "with")  # the penalty's weight: 0, then smoothness_weight


class PathConfig(StrictModel):
    points: PositiveInt = 16
    steps: PositiveInt = 500
    invert_steps: PositiveInt = 2000
    restarts: PositiveInt = 8
    images: tuple[NonNegativeInt, NonNegativeInt] = (0, 1)  # test images at the two ends


class LatentSmoothnessConfig(ExperimentConfig):
    experiment: str = "latent-smoothness"
    base: Literal["gan-mnist", "wgan-gp", "dcgan-fashion"] = "gan-mnist"
    base_profile: Literal["quick", "full"] = "full"
    base_overrides: list[str] = []  # key=value for both trainings
    smoothness_weight: PositiveFloat = 1.0  # λ of the "with" training
    path: PathConfig = PathConfig()


def run(config: LatentSmoothnessConfig, context: RunContext) -> dict[str, Any]:
    results, paths, strips = {}, {}, []
    for label, weight in zip(TRAININGS, (0.0, config.smoothness_weight), strict=True):
        trained = context.run_child(
            config.base, _overrides(config, weight), context.run.path / label, config.base_profile
        )
        generator = _trained_generator(trained, config.base, context.device)
        targets = _end_images(trained, config.path.images, context.device)
        found = _latent_path(generator, targets, config)
        paths[label], strip = found.path, found.strips
        results[label] = _result(trained, weight, paths[label])
        strips.append(strip)
    _write_paths(paths, torch.cat(strips), config.path.points, context.run)
    return {"base": config.base, "results": results}


def _latent_path(generator: nn.Module, targets: torch.Tensor, config: LatentSmoothnessConfig):
    """The least-change path between the inverted ``targets`` (latent.paths)."""
    path = config.path
    return latent_path_between(
        generator,
        targets,
        points=path.points,
        steps=path.steps,
        invert_steps=path.invert_steps,
        restarts=path.restarts,
        seed=config.seed,
    )


def _overrides(config: LatentSmoothnessConfig, weight: float) -> list[str]:
    # float32 for both: the penalty forces it on "with" (gan/speed.py), and the two trainings
    # should differ in the penalty alone.
    return [
        "train.speed.precision=float32",
        *config.base_overrides,
        f"train.smoothness_weight={weight}",
    ]


def _trained_generator(trained: Run, base: str, device: torch.device) -> nn.Module:
    """The generator of ``trained``, a run of ``base``, through the generative-run contract:
    ``build_models(config)[GENERATOR]`` with the weights of checkpoint.pt."""
    experiment = BASES[base]
    models = experiment.build_models(validate(experiment.config_class, trained.read_config()))
    generator = models[GENERATOR]
    load_models(trained.load_checkpoint(map_location=device), generator=generator)
    return generator.to(device).eval()


def _end_images(trained: Run, indices: tuple[int, int], device: torch.device) -> torch.Tensor:
    """The two test images the path joins, from the data set ``trained`` trained on (after
    any fallback), shaped as its config shaped them."""
    data = trained.read_config()["data"]
    name = trained.read_summary().get("data", {}).get("name", data["name"])
    test = load_images(
        name, "test", root=data["root"], image_size=data["image_size"], device=device
    )
    if max(indices) >= len(test):
        raise MinimaxlabError(
            f"path.images must be two indices below {len(test)}, the size of {name}'s test "
            f"split (got {list(indices)})"
        )
    return test.gan_batch(torch.tensor(indices, device=test.device))


def _result(trained: Run, weight: float, path: PathResult) -> dict[str, Any]:
    """U of both paths, and the sample quality that the training's evaluation measured, with
    the real-data floor it is read against."""
    evaluation = trained.read_summary().get("evaluation") or {}
    quality, floor = evaluation.get("generated", {}), evaluation.get("floor", {})
    return {
        "smoothness_weight": weight,
        "run": str(trained.path),
        "U_straight": path.straight_u,
        "U_optimised": path.optimised_u,
        "image_energy_straight": path.straight_image_energy,
        **{key: quality.get(key) for key in QUALITY},
        "floor": {key: floor.get(key) for key in QUALITY},
    }


def _write_paths(paths: dict[str, PathResult], strips: torch.Tensor, points: int, run: Run) -> None:
    """The four paths (latent-paths.pt), their image strips (straight, then optimised, without
    then with the penalty) and their U as bars."""
    run.save_torch(
        "latent-paths.pt",
        {
            label: {"straight": path.straight.cpu(), "optimised": path.optimised.cpu()}
            for label, path in paths.items()
        },
    )
    save_image_grid(strips, run.figure_path("latent_paths.png"), nrow=points)
    plot_bars(
        {
            "straight line": [paths[label].straight_u for label in TRAININGS],
            "optimised path": [paths[label].optimised_u for label in TRAININGS],
        },
        [f"{label} the penalty" for label in TRAININGS],
        run.figure_path("path_energy.png"),
        title="Path energy U between the two inverted test images",
        ylabel="U",
    )


def base_missing_data(config: LatentSmoothnessConfig) -> str | None:
    """The data of the base experiment's config."""
    base = BASES[config.base]
    overrides = config.base_overrides
    return missing_data(
        base, resolve_config(base.config_class, base.name, config.base_profile, overrides)
    )


def account(summary: dict[str, Any], config: dict[str, Any]) -> list[str]:
    """The two trainings, and U and sample quality of each."""
    without, with_ = summary["results"]["without"], summary["results"]["with"]
    path = config["path"]
    paragraphs = [
        f"The {summary['base']} GAN ({config['base_profile']} profile) was trained twice from the "
        f"same seed: without and with a penalty of weight {number(with_['smoothness_weight'])} "
        "on image change per unit of latent distance. In each, test images "
        f"{number(path['images'][0])} and {number(path['images'][1])} were inverted and a path of "
        f"{number(path['points'])} codes between them optimised to lower U, the path energy.",
        f"Without the penalty U is {number(without['U_optimised'])} on the optimised path and "
        f"{number(without['U_straight'])} on the straight line; with it, "
        f"{number(with_['U_optimised'])} and {number(with_['U_straight'])}. The optimised U with "
        f"the penalty is {compared(with_['U_optimised'], without['U_optimised'])} without it.",
    ]
    if without["frechet_distance"] is not None and with_["frechet_distance"] is not None:
        paragraphs.append(
            f"Sample quality: Fréchet distance {number(without['frechet_distance'])} without and "
            f"{number(with_['frechet_distance'])} with the penalty (lower is better); coverage "
            f"{number(without['coverage'])} and {number(with_['coverage'])}."
        )
    return paragraphs


EXPERIMENT = Experiment(
    name="latent-smoothness",
    description="A GAN trained without and with a latent smoothness penalty: path energy U "
    "and sample quality side by side.",
    config_class=LatentSmoothnessConfig,
    run=run,
    account=account,
    missing_data=base_missing_data,
    headline_figure="figures/path_energy.png",
    key_numbers=(
        KeyNumber("base experiment", "base"),
        KeyNumber("path energy U, without the penalty", "results.without.U_optimised"),
        KeyNumber("path energy U, with the penalty", "results.with.U_optimised"),
        *(
            KeyNumber(
                f"{label}, {side} the penalty",
                f"results.{side}.{key}",
                f"results.{side}.floor.{key}",
            )
            for key, label in (("frechet_distance", "Fréchet distance"), ("recall", "recall"))
            for side in ("without", "with")
        ),
    ),
)
