"""dcgan-fashion: its registry entry, its defaults (shared/SPEC.md), its models and its data
check."""

import pytest
import torch
from torch import nn

from minimaxlab.errors import MinimaxlabError
from minimaxlab.experiments import EXPERIMENTS, dcgan_fashion
from minimaxlab.experiments.dcgan_fashion import DCGANFashionConfig, build_models
from minimaxlab.experiments.image_gan import evaluation_size, gan_account
from minimaxlab.generative import GENERATOR, GenerativeModel
from tests.experiments.helpers import context_in, trainable


def test_the_registry_entry_is_a_distributed_generative_image_gan():
    experiment = EXPERIMENTS["dcgan-fashion"]
    assert experiment is dcgan_fashion.EXPERIMENT
    assert experiment.config_class is DCGANFashionConfig
    assert experiment.build_models is build_models and experiment.distributed
    assert experiment.evaluation_size is evaluation_size and experiment.account is gan_account
    assert DCGANFashionConfig().experiment == "dcgan-fashion"


def test_the_defaults_are_the_spec():
    config = DCGANFashionConfig()
    train = config.train
    assert (train.epochs, train.batch_size, train.loss) == (50, 64, "non-saturating")
    for optimizer in (train.generator_optimizer, train.discriminator_optimizer):
        assert optimizer.lr == 1e-4 and optimizer.betas == (0.9, 0.999)
    assert config.model.latent_dim == 100 and config.data.name == "fashion-mnist"
    assert config.samples.grid_size == 4 and config.samples.grid_epochs == [10, 30, 50]
    assert config.samples.gif
    assert config.evaluation.enabled and evaluation_size(config) == config.evaluation.n
    assert evaluation_size(DCGANFashionConfig(evaluation={"enabled": False})) is None


def test_build_models_gives_the_sheets_generator_and_discriminator():
    models = build_models(DCGANFashionConfig())
    generator, discriminator = models[GENERATOR], models["discriminator"]
    assert sorted(models) == ["discriminator", "generator"]
    assert isinstance(generator, GenerativeModel)
    assert generator.latent_dim == 100 and generator.num_classes is None
    assert trainable(generator) == 2_305_472 and trainable(discriminator) == 212_865
    assert all(
        m.bias is None
        for m in generator.modules()
        if isinstance(m, (nn.Linear, nn.ConvTranspose2d))
    )
    images = generator.eval()(torch.randn(3, 100))
    assert images.shape == (3, 1, 28, 28) and images.abs().max() <= 1  # tanh
    assert discriminator.eval()(images).shape == (3,)  # one logit per image
    assert build_models(DCGANFashionConfig(model={"latent_dim": 12}))[GENERATOR].latent_dim == 12


def test_run_refuses_images_that_are_not_28_by_28(tmp_path):
    config = DCGANFashionConfig(data={"name": "digits", "image_size": 16, "limit": 4})
    with pytest.raises(MinimaxlabError, match=r"but digits has 1×16×16; set data.image_size=28$"):
        dcgan_fashion.run(config, context_in(tmp_path / "run"))
