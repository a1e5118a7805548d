"""The image-GAN wiring every image-GAN experiment shares: data (with its fallbacks), the
shape check, training, the evaluation size and the report's account."""

import pytest
import torch

from minimaxlab.data.config import ImageDataConfig
from minimaxlab.errors import MinimaxlabError
from minimaxlab.experiments.gan_mnist import MLPGanConfig
from minimaxlab.experiments.image_gan import (
    evaluation_size,
    gan_account,
    load_training_images,
    train_image_gan,
)
from minimaxlab.models.mlp import MLPDiscriminator, MLPGenerator
from tests.experiments.helpers import context_in


def never_built(config):
    raise AssertionError("models are built only for data of the right shape")


def test_missing_data_falls_back_with_a_warning(tmp_path):
    data = ImageDataConfig(name="mnist", fallbacks=["fashion-mnist", "digits"], limit=5)
    with pytest.warns(UserWarning, match="mnist is not on this machine; training on digits"):
        images = load_training_images(data, context_in(tmp_path / "run"))
    assert images.name == "digits" and len(images) == 5 and images.shape == (1, 8, 8)


@pytest.mark.parametrize(
    ("image_size", "image_shape", "message"),
    [
        (
            16,
            (1, 28, 28),
            "the models need 1×28×28 images but digits has 1×16×16; set data.image_size=28",
        ),
        (
            28,
            (1, 8, 8),
            "the models need 1×8×8 images but digits has 1×28×28; set data.image_size=8",
        ),
    ],
)
def test_data_of_another_shape_is_refused_in_one_line_before_any_model(
    tmp_path, image_size, image_shape, message
):
    config = MLPGanConfig(data={"name": "digits", "image_size": image_size, "limit": 4})
    with pytest.raises(MinimaxlabError) as caught:
        train_image_gan(config, context_in(tmp_path / "run"), never_built, image_shape)
    assert str(caught.value) == message and "\n" not in str(caught.value)


def test_training_summarises_the_data_and_the_trainable_parameters(tmp_path):
    config = MLPGanConfig(
        data={"name": "digits", "limit": 16, "image_size": 28},
        train={"epochs": 1, "batch_size": 8, "log_every": 1},
        samples={"grid_size": 2, "grid_epochs": [1], "gif": False},
    )

    def tiny_models(config):
        torch.manual_seed(config.seed)  # as the launcher does before it builds the models
        generator = MLPGenerator(latent_dim=4, widths=(8,))
        generator.net[-2].bias.requires_grad_(False)  # a frozen parameter is not counted
        return {"generator": generator, "discriminator": MLPDiscriminator()}

    summary = train_image_gan(config, context_in(tmp_path / "run"), tiny_models)
    assert summary["steps"] == 2 and summary["epochs"] == 1
    assert summary["data"]["name"] == "digits" and summary["data"]["images"] == 16
    # G: (4·8 + 8) + (8·784 + 784) less the 784 frozen biases; D: the sheet's 533,505
    assert summary["parameters"] == {"generator": 40 + 6272, "discriminator": 533_505}
    again = train_image_gan(config, context_in(tmp_path / "again"), tiny_models)
    assert again["data"]["checksum"] == summary["data"]["checksum"]
    assert again["final"] == summary["final"]  # same seed, same numbers


def test_the_evaluation_size_is_n_when_enabled_and_none_when_off():
    assert evaluation_size(MLPGanConfig()) == 10000
    assert evaluation_size(MLPGanConfig(evaluation={"n": 120})) == 120
    assert evaluation_size(MLPGanConfig(evaluation={"enabled": False, "n": 120})) is None


def hand_made(loss="non-saturating", wanted="mnist", final=True, evaluation=False):
    summary = {
        "parameters": {"generator": 1506448, "discriminator": 533505},
        "data": {"name": "digits", "images": 1437, "checksum": "c"},
        "epochs": 2.0,
        "steps": 46,
        "train_time_s": 12.5,
        "final": {"d_real": 0.61, "d_fake": 0.32, "d_loss": 1.1, "g_loss": 1.4} if final else None,
    }
    if evaluation:
        summary["evaluation"] = {
            "n": 500,
            "dataset": "digits",
            "classifier": {"test_accuracy": 0.95},
            "generated": {"frechet_distance": 0.5, "precision": 0.8, "recall": 0.7},
            "floor": {"frechet_distance": 2.0, "precision": 0.9, "recall": 0.85},
        }
    config = {"train": {"loss": loss, "batch_size": 64}, "data": {"name": wanted}}
    return summary, config


def test_the_gan_account_says_what_was_trained_on_what_and_how_it_ended():
    first, last = gan_account(*hand_made())
    assert first == (
        "A generator of 1,506,448 parameters was trained against a discriminator of 533,505 "
        "parameters with the non-saturating loss on 1,437 images of digits (mnist is not on "
        "this machine): 2 epochs, 46 steps of batch 64, in 12.5 s."
    )
    assert last == (
        "Over the last logged steps the mean output on real images was 0.61 and on generated "
        "ones 0.32; the losses were 1.1 (D) and 1.4 (G)."
    )


def test_the_gan_account_names_a_critic_and_claims_only_what_the_summary_holds():
    (only,) = gan_account(*hand_made(loss="wgan-gp", wanted="digits", final=False))
    assert (
        "against a critic of 533,505" in only and "wgan-gp loss on 1,437 images of digits:" in only
    )
    paragraphs = gan_account(*hand_made(evaluation=True))
    assert len(paragraphs) == 3 and paragraphs[-1].startswith("500 samples were measured")
    assert "Fréchet distance is 0.5, lower than the 2 of the real test split" in paragraphs[-1]
    assert "precision 0.8 and recall 0.7 against the floor's 0.9 and 0.85" in paragraphs[-1]


def test_a_moving_average_of_g_trains_beside_it_and_makes_the_samples(tmp_path):
    from minimaxlab.experiments.gan_mnist import build_models
    from minimaxlab.models.ema import AveragedGenerator
    from minimaxlab.tools.generators import load_generator

    settings = {
        "data": {"name": "digits", "limit": 16, "image_size": 28},
        "train": {"epochs": 2, "batch_size": 8, "log_every": 1},
        "samples": {"grid_size": 2, "grid_epochs": [2], "gif": False},
    }
    assert not isinstance(build_models(MLPGanConfig())["generator"], AveragedGenerator)
    config = MLPGanConfig(model={"ema_decay": 0.5}, **settings)
    context = context_in(tmp_path / "run")
    torch.manual_seed(config.seed)
    summary = train_image_gan(config, context, build_models)
    plain = MLPGanConfig(**settings)
    torch.manual_seed(plain.seed)
    unaveraged = train_image_gan(plain, context_in(tmp_path / "plain"), build_models)
    # The average neither trains nor changes what G learns, nor counts as parameters.
    assert summary["final"] == unaveraged["final"]
    assert summary["parameters"] == unaveraged["parameters"]
    context.run.write_config(config.model_dump(mode="json"))
    generator = load_generator(context.run.path)
    assert isinstance(generator, AveragedGenerator) and int(generator.updates) == summary["steps"]
    trained, average = generator.trained.state_dict(), generator.average.state_dict()
    assert any(not torch.equal(trained[k], average[k]) for k in trained)
    codes = torch.randn(3, 100, generator=torch.Generator().manual_seed(1))
    assert torch.equal(generator(codes), generator.average(codes))  # eval mode: the average
    account = gan_account(summary, config.model_dump(mode="json"))
    assert any("moving average" in paragraph for paragraph in account)
    assert not any("moving average" in p for p in gan_account(unaveraged, plain.model_dump()))
