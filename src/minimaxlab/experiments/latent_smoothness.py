"""latent-smoothness: does penalising image change per unit of latent distance while training
lower the least-change path energy U (shared/SPEC.md, latent-path's follow-up), and what does
it cost in sample quality? Trains the same GAN without and with the penalty, each in its own
run folder inside this one, then measures both the same way."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import NonNegativeInt, PositiveFloat, PositiveInt

from minimaxlab.config import ExperimentConfig, StrictModel
from minimaxlab.experiments.base import Experiment, RunContext
from minimaxlab.report.account import compared, number
from minimaxlab.runs import Run

QUALITY = ("frechet_distance", "precision", "recall", "coverage")


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


def _trained(folder, overrides: list[str], config: LatentSmoothnessConfig, context: RunContext):
    """The run in ``folder``: reused when finished, resumed when stopped, else trained."""
    from minimaxlab.launch import run_experiment  # the registry imports this module

    if (folder / "summary.json").is_file() and Run(folder).read_summary().get(
        "status"
    ) == "finished":
        return Run(folder)
    if (folder / "checkpoint.pt").is_file():
        return run_experiment(resume=folder, progress=context.progress)
    return run_experiment(
        config.base,
        profile=config.base_profile,
        overrides=overrides,
        seed=config.seed,
        device=str(context.device),
        out=folder,
        progress=context.progress,
    )


def run(config: LatentSmoothnessConfig, context: RunContext) -> dict[str, Any]:
    # Until the merge wires the pure stage (latent.paths.latent_path_between) in here.
    from minimaxlab.tools.latent_path import latent_path_run

    results = {}
    for label, weight in (("without", 0.0), ("with", config.smoothness_weight)):
        # float32 for both: the penalty forces it on "with" (gan/speed.py), and the two
        # trainings should differ in the penalty alone.
        overrides = [
            "train.speed.precision=float32",
            *config.base_overrides,
            f"train.smoothness_weight={weight}",
        ]
        trained = _trained(context.run.path / label, overrides, config, context)
        path = config.path
        table = latent_path_run(
            trained.path,
            path.points,
            path.images,
            path.steps,
            path.invert_steps,
            path.restarts,
            seed=config.seed,
            device=context.device,
        )
        evaluation = trained.read_summary().get("evaluation") or {}
        quality = evaluation.get("generated", {})
        results[label] = {
            "smoothness_weight": weight,
            "run": str(trained.path),
            "U_straight": table["straight"]["U"],
            "U_optimised": table["optimised"]["U"],
            "image_energy_straight": table["straight"]["image_energy"],
            **{key: quality.get(key) for key in QUALITY},
        }
    return {"base": config.base, "results": results}


def missing_data(config: LatentSmoothnessConfig) -> str | None:
    """The data of the base experiment's config."""
    from minimaxlab.config import resolve_config
    from minimaxlab.experiments import get_experiment
    from minimaxlab.lab import missing_data as base_missing

    base = get_experiment(config.base)
    overrides = config.base_overrides
    return base_missing(
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
    missing_data=missing_data,
    headline_figure="with/figures/latent_path/*.png",
    key_numbers=(
        "base",
        "results.without.U_optimised",
        "results.with.U_optimised",
        "results.without.frechet_distance",
        "results.with.frechet_distance",
    ),
)
