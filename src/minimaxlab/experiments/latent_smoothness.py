"""latent-smoothness: does penalising image change per unit of latent distance while training
lower the least-change path energy U (shared/SPEC.md, latent-path's follow-up), and what does
it cost in sample quality? Trains the same GAN without and with the penalty, each in its own
run folder inside this one, then measures both the same way."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import NonNegativeInt, PositiveFloat, PositiveInt

from minimaxlab.config import ExperimentConfig, StrictModel
from minimaxlab.experiments.base import Experiment, RunContext
from minimaxlab.latent.paths import latent_path_run
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


EXPERIMENT = Experiment(
    name="latent-smoothness",
    description="A GAN trained without and with a latent smoothness penalty: path energy U "
    "and sample quality side by side.",
    config_class=LatentSmoothnessConfig,
    run=run,
)
