"""dcgan-fashion: the DCGAN of the first sheet on Fashion-MNIST (shared/SPEC.md)."""

from __future__ import annotations

from typing import Any, Literal

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
from minimaxlab.models.dcgan import DCGANDiscriminator, DCGANGenerator
from minimaxlab.models.init import initialise


class DCGANModelConfig(AveragedGeneratorConfig):
    latent_dim: int = 100
    # xavier: Keras' Glorot-uniform default, as in the sheet; normal: N(0, 0.02) of the DCGAN
    # paper; torch: PyTorch's own defaults.
    init: Literal["xavier", "normal", "torch"] = "xavier"


class DCGANFashionConfig(ExperimentConfig):
    experiment: str = "dcgan-fashion"
    data: ImageDataConfig = ImageDataConfig()
    model: DCGANModelConfig = DCGANModelConfig()
    train: GanTrainConfig = GanTrainConfig()
    samples: SamplesConfig = SamplesConfig()
    evaluation: EvaluationConfig = EvaluationConfig()


def build_models(config: DCGANFashionConfig) -> dict[str, nn.Module]:
    """Generator (inside its moving average when ``model.ema_decay`` is set) and discriminator,
    initialised from the run's seed (seed torch first)."""
    generator = DCGANGenerator(config.model.latent_dim)
    discriminator = DCGANDiscriminator()
    initialise(generator, config.model.init)
    initialise(discriminator, config.model.init)
    return {"generator": averaged(generator, config.model), "discriminator": discriminator}


def run(config: DCGANFashionConfig, context: RunContext) -> dict[str, Any]:
    return train_image_gan(config, context, build_models)


EXPERIMENT = Experiment(
    name="dcgan-fashion",
    description="The DCGAN of the first sheet on Fashion-MNIST: 4×4 grids, a progress GIF.",
    config_class=DCGANFashionConfig,
    run=run,
    build_models=build_models,
    evaluation_size=evaluation_size,
    distributed=True,
    account=gan_account,
    headline_figure=GAN_HEADLINE_FIGURE,
    key_numbers=GAN_KEY_NUMBERS,
)
