"""gan-mnist: the MLP GAN of the second and third sheets (shared/SPEC.md)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import PositiveInt
from torch import nn

from minimaxlab.config import ExperimentConfig
from minimaxlab.data.config import ImageDataConfig
from minimaxlab.experiments.base import Experiment, RunContext
from minimaxlab.experiments.image_gan import (
    GAN_HEADLINE_FIGURE,
    GAN_KEY_NUMBERS,
    AveragedGeneratorConfig,
    averaged,
    evaluation_size,
    gan_account,
    train_image_gan,
)
from minimaxlab.gan.trainer import GanTrainConfig, SamplesConfig
from minimaxlab.metrics.config import EvaluationConfig
from minimaxlab.models.init import initialise
from minimaxlab.models.mlp import ConvGenerator, MLPDiscriminator, MLPGenerator


class MLPGanModelConfig(AveragedGeneratorConfig):
    latent_dim: PositiveInt = 100
    generator: Literal["mlp", "conv"] = "mlp"  # conv: the sheet's optional convolutional G
    init: Literal["xavier", "normal", "torch"] = "xavier"


class MLPGanConfig(ExperimentConfig):
    experiment: str = "gan-mnist"
    # mnist cannot be downloaded here; offline it falls back to fashion-mnist, then digits.
    data: ImageDataConfig = ImageDataConfig(
        name="mnist", fallbacks=["fashion-mnist", "digits"], image_size=28
    )
    model: MLPGanModelConfig = MLPGanModelConfig()
    train: GanTrainConfig = GanTrainConfig(epochs=100)
    evaluation: EvaluationConfig = EvaluationConfig()
    samples: SamplesConfig = SamplesConfig(grid_size=5, grid_epochs=[0, 50, 100])


def build_models(config: MLPGanConfig) -> dict[str, nn.Module]:
    """The MLP (or convolutional) generator, inside its moving average when
    ``model.ema_decay`` is set, and the MLP discriminator or critic."""
    model = config.model
    generator_class = ConvGenerator if model.generator == "conv" else MLPGenerator
    generator = generator_class(model.latent_dim)
    discriminator = MLPDiscriminator()
    initialise(generator, model.init)
    initialise(discriminator, model.init)
    return {"generator": averaged(generator, model), "discriminator": discriminator}


def run(config: MLPGanConfig, context: RunContext) -> dict[str, Any]:
    return train_image_gan(config, context, build_models)


EXPERIMENT = Experiment(
    name="gan-mnist",
    description="The MLP GAN of the second and third sheets on MNIST (offline: Fashion-MNIST).",
    config_class=MLPGanConfig,
    run=run,
    build_models=build_models,
    evaluation_size=evaluation_size,
    distributed=True,
    account=gan_account,
    headline_figure=GAN_HEADLINE_FIGURE,
    key_numbers=GAN_KEY_NUMBERS,
)
