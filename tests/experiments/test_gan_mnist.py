"""gan-mnist: its registry entry, its defaults (shared/SPEC.md), its models and its data check."""

import pytest
import torch

from minimaxlab.errors import MinimaxlabError
from minimaxlab.experiments import EXPERIMENTS, gan_mnist
from minimaxlab.experiments.gan_mnist import MLPGanConfig, build_models
from minimaxlab.experiments.image_gan import evaluation_size, gan_account
from minimaxlab.generative import GENERATOR, GenerativeModel
from minimaxlab.models.mlp import ConvGenerator, MLPDiscriminator, MLPGenerator
from tests.experiments.helpers import context_in, trainable


def test_the_registry_entry_is_a_distributed_generative_image_gan():
    experiment = EXPERIMENTS["gan-mnist"]
    assert experiment is gan_mnist.EXPERIMENT and experiment.config_class is MLPGanConfig
    assert experiment.build_models is build_models and experiment.distributed
    assert experiment.evaluation_size is evaluation_size and experiment.account is gan_account
    assert MLPGanConfig().experiment == "gan-mnist"


def test_the_defaults_are_the_spec():
    config = MLPGanConfig()
    train = config.train
    assert (train.epochs, train.batch_size, train.loss) == (100, 64, "non-saturating")
    assert train.generator_optimizer.lr == train.discriminator_optimizer.lr == 1e-4
    assert config.model.latent_dim == 100 and config.model.generator == "mlp"
    assert (config.data.name, config.data.fallbacks) == ("mnist", ["fashion-mnist", "digits"])
    assert config.data.image_size == 28
    assert config.samples.grid_size**2 == 25 and config.samples.grid_epochs == [0, 50, 100]
    assert config.evaluation.enabled and evaluation_size(config) == config.evaluation.n
    assert evaluation_size(MLPGanConfig(evaluation={"enabled": False})) is None


@pytest.mark.parametrize(
    ("choice", "generator_class"), [("mlp", MLPGenerator), ("conv", ConvGenerator)]
)
def test_build_models_gives_a_generative_generator_and_the_sheets_discriminator(
    choice, generator_class
):
    models = build_models(MLPGanConfig(model={"generator": choice, "latent_dim": 7}))
    generator, discriminator = models[GENERATOR], models["discriminator"]
    assert sorted(models) == ["discriminator", "generator"]
    assert type(generator) is generator_class and isinstance(generator, GenerativeModel)
    assert generator.latent_dim == 7 and generator.num_classes is None
    assert type(discriminator) is MLPDiscriminator and trainable(discriminator) == 533_505
    images = generator.eval()(torch.randn(3, 7))
    assert images.shape == (3, 1, 28, 28) and images.abs().max() <= 1  # tanh
    assert discriminator(images).shape == (3,)  # one logit per image


def test_the_init_scheme_is_applied_to_both_models():
    torch.manual_seed(0)
    xavier = build_models(MLPGanConfig())
    torch.manual_seed(0)
    normal = build_models(MLPGanConfig(model={"init": "normal"}))
    for name in ("generator", "discriminator"):
        weights = next(p for p in normal[name].parameters() if p.dim() == 2)
        assert abs(float(weights.detach().std()) - 0.02) < 0.002
        biases = [p for n, p in xavier[name].named_parameters() if n.endswith("bias")]
        assert all(not b.any() for b in biases)  # xavier: zero biases, as in Keras


def test_run_refuses_images_that_are_not_28_by_28(tmp_path):
    config = MLPGanConfig(data={"name": "digits", "image_size": 16, "limit": 4})
    with pytest.raises(MinimaxlabError, match=r"but digits has 1×16×16; set data.image_size=28$"):
        gan_mnist.run(config, context_in(tmp_path / "run"))
