"""wgan-gp: the MLP GAN of gan-mnist trained on the Wasserstein loss with a gradient penalty."""

from __future__ import annotations

from minimaxlab.experiments import gan_mnist
from minimaxlab.experiments.base import Experiment
from minimaxlab.gan.trainer import GanTrainConfig, OptimizerConfig

WGAN_ADAM = OptimizerConfig(lr=1e-4, betas=(0.5, 0.9))


class WganGpConfig(gan_mnist.MLPGanConfig):
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
    run=gan_mnist.run,
    build_models=gan_mnist.build_models,
    evaluate=gan_mnist.EXPERIMENT.evaluate,
    distributed=True,
    account=gan_mnist.EXPERIMENT.account,
    headline_figure=gan_mnist.EXPERIMENT.headline_figure,
    key_numbers=gan_mnist.EXPERIMENT.key_numbers,
)
