"""wgan-gp: the MLP GAN of gan-mnist trained on the Wasserstein loss with a gradient penalty."""

from __future__ import annotations

from minimaxlab.experiments.base import Experiment
from minimaxlab.experiments.gan_mnist import EXPERIMENT as GAN_MNIST
from minimaxlab.experiments.gan_mnist import MLPGanConfig
from minimaxlab.gan.trainer import GanTrainConfig, OptimizerConfig

WGAN_ADAM = OptimizerConfig(lr=1e-4, betas=(0.5, 0.9))


class WganGpConfig(MLPGanConfig):
    experiment: str = "wgan-gp"
    train: GanTrainConfig = GanTrainConfig(
        epochs=100,
        loss="wgan-gp",
        gp_weight=10.0,
        d_steps=5,  # n_critic
        generator_optimizer=WGAN_ADAM,
        discriminator_optimizer=WGAN_ADAM,
    )


EXPERIMENT = Experiment(
    name="wgan-gp",
    description="The MLP GAN on the Wasserstein loss with gradient penalty (λ=10, 5 critic steps).",
    config_class=WganGpConfig,
    run=GAN_MNIST.run,
    build_models=GAN_MNIST.build_models,
    evaluation_size=GAN_MNIST.evaluation_size,
    distributed=True,
    account=GAN_MNIST.account,
    headline_figure=GAN_MNIST.headline_figure,
    key_numbers=GAN_MNIST.key_numbers,
)
