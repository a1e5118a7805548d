"""cgan-fashion: a class-conditional GAN in the style of BigGAN on Fashion-MNIST (shared/SPEC.md,
third sheet, question 3): hierarchical latent, shared class embedding, conditional batch norm,
spectral norm, a projection discriminator, the hinge loss, 2 D steps per G step, and the moving
average of G's weights, which is what samples, evaluation and interpolation use."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import torch
from pydantic import Field, NonNegativeInt, PositiveFloat, PositiveInt
from torch import nn

from minimaxlab.config import ExperimentConfig, StrictModel
from minimaxlab.data.config import ImageDataConfig
from minimaxlab.experiments.base import Experiment, KeyNumber, RunContext
from minimaxlab.experiments.image_gan import evaluation_size, gan_account, train_image_gan
from minimaxlab.gan.conditional import ConditionalFamily
from minimaxlab.gan.trainer import GanTrainConfig, OptimizerConfig, SamplesConfig
from minimaxlab.generative import GENERATOR
from minimaxlab.latent.conditional import interpolation_strips, save_strips
from minimaxlab.latent.labels import class_rows
from minimaxlab.metrics.config import EvaluationConfig
from minimaxlab.models.cgan import ConditionalGenerator, ProjectionDiscriminator
from minimaxlab.models.ema import AveragedGenerator
from minimaxlab.plots import save_labelled_rows
from minimaxlab.report.account import compared, number
from minimaxlab.reproducibility import derived_seed

CLASS_ROWS_FIGURE = "samples/classes.png"  # under figures/: a labelled row per class
NUM_CLASSES = 10  # Fashion-MNIST's (and the smoke profile's digits)


class CGANModelConfig(StrictModel):
    latent_dim: PositiveInt = 80  # split into one equal chunk per up-block
    embedding_dim: PositiveInt = 32  # the shared class embedding
    generator_channels: PositiveInt = 64  # G's widths: 256, 128, 64 at 7, 14, 28 px
    discriminator_channels: PositiveInt = 64  # D's widths: 64, 128, 256 at 14, 7, 7 px
    ema_decay: float = Field(0.999, ge=0.0, lt=1.0)  # d in w ← d·w + (1 − d)·w_G
    ema_start: NonNegativeInt = 0  # G steps during which the average only copies G
    truncation: PositiveFloat | None = None  # |z| threshold of the figures' samples; None: off


class CGANTrainConfig(GanTrainConfig):
    """The GAN settings with BigGAN's: hinge loss, Adam(2e-4, β = (0, 0.999)), 2 D steps."""

    loss: Literal["hinge"] = "hinge"  # the conditional family's (gan/conditional.py)
    d_steps: PositiveInt = 2
    generator_optimizer: OptimizerConfig = OptimizerConfig(lr=2e-4, betas=(0.0, 0.999))
    discriminator_optimizer: OptimizerConfig = OptimizerConfig(lr=2e-4, betas=(0.0, 0.999))


ClassIndex = Annotated[int, Field(ge=0, lt=NUM_CLASSES)]


class CGANInterpolationConfig(StrictModel):
    """The three interpolations the run draws when training ends (``minimaxlab interpolate
    RUN --classes`` draws others): a row per pair of classes."""

    # Sandal → Sneaker, T-shirt/top → Dress, Trouser → Bag: near classes and far ones
    pairs: list[tuple[ClassIndex, ClassIndex]] = [(5, 7), (0, 3), (1, 8)]
    steps: NonNegativeInt = 7  # intermediate images: 9 with the ends
    mode: Literal["linear", "slerp"] = "linear"  # how z moves


class CGANFashionConfig(ExperimentConfig):
    experiment: str = "cgan-fashion"
    data: ImageDataConfig = ImageDataConfig()
    model: CGANModelConfig = CGANModelConfig()
    train: CGANTrainConfig = CGANTrainConfig(epochs=30)
    samples: SamplesConfig = SamplesConfig(grid_size=10, grid_epochs=[1, 10, 30])
    evaluation: EvaluationConfig = EvaluationConfig()
    interpolation: CGANInterpolationConfig = CGANInterpolationConfig()


def build_models(config: CGANFashionConfig) -> dict[str, nn.Module]:
    """G inside its moving average (the checkpoint's generator holds both) and D."""
    model = config.model
    generator = ConditionalGenerator(
        model.latent_dim, NUM_CLASSES, model.embedding_dim, model.generator_channels
    )
    return {
        GENERATOR: AveragedGenerator(generator, model.ema_decay, model.ema_start),
        "discriminator": ProjectionDiscriminator(NUM_CLASSES, model.discriminator_channels),
    }


def save_class_rows(
    generator: nn.Module, class_names: list[str], config: CGANFashionConfig, context: RunContext
) -> None:
    """Eight samples of every class from the average, a labelled row each."""
    draws = torch.Generator().manual_seed(derived_seed(config.seed, 4))
    rows = class_rows(generator.eval(), 8, draws, config.model.truncation)
    title = "the moving average of G, one row per class"
    save_labelled_rows(rows, class_names, context.run.figure_path(CLASS_ROWS_FIGURE), title)


def save_interpolations(
    generator: nn.Module, class_names: list[str], config: CGANFashionConfig, context: RunContext
) -> None:
    """The three interpolations of the average, a row per configured pair, into
    figures/interpolation/."""
    settings = config.interpolation
    pairs = [tuple(pair) for pair in settings.pairs]
    seed = derived_seed(config.seed, 5)
    args = (settings.steps, settings.mode, config.model.truncation, seed)
    strips = interpolation_strips(generator.eval(), pairs, *args)  # type: ignore[arg-type]
    named = [(class_names[a], class_names[b]) for a, b in pairs]
    save_strips(strips, named, context.run.path / "figures" / "interpolation")


def run(config: CGANFashionConfig, context: RunContext) -> dict[str, Any]:
    models = build_models(config)
    family = ConditionalFamily(after_generator_step=models[GENERATOR].update)
    summary = train_image_gan(config, context, lambda _: models, family=family)
    save_class_rows(models[GENERATOR], summary["data"]["class_names"], config, context)
    save_interpolations(models[GENERATOR], summary["data"]["class_names"], config, context)
    return summary


def cgan_account(summary: dict[str, Any], config: dict[str, Any]) -> list[str]:
    """The image-GAN account, then what the conditional metrics show beside their floor."""
    paragraphs = gan_account(summary, config)
    paragraphs.insert(1, "G is conditioned on the class.")
    conditional = (summary.get("evaluation") or {}).get("conditional")
    if conditional:
        generated, floor = conditional["generated"], conditional["floor"]
        accuracy, fd = generated["per_class_accuracy"], generated["intra_class_frechet_distance"]
        floor_fd = floor["intra_class_frechet_distance"]
        paragraphs.append(
            f"Asked for a class ({number(conditional['per_class'])} samples each), it drew "
            f"one the classifier recognises {number(accuracy)} of the time (real test images: "
            f"{number(floor['per_class_accuracy'])}); the intra-class Fréchet distance is "
            f"{number(fd)}, {compared(fd, floor_fd)} the floor's {number(floor_fd)}."
        )
    return paragraphs


EXPERIMENT = Experiment(
    name="cgan-fashion",
    description="A class-conditional GAN in the style of BigGAN on Fashion-MNIST (third sheet).",
    config_class=CGANFashionConfig,
    run=run,
    build_models=build_models,
    evaluation_size=evaluation_size,
    account=cgan_account,
    headline_figure=f"figures/{CLASS_ROWS_FIGURE}",
    key_numbers=(
        "epochs",
        "evaluation.generated.frechet_distance",
        *(
            KeyNumber(
                label,
                f"evaluation.conditional.generated.{metric}",
                f"evaluation.conditional.floor.{metric}",
            )
            for metric, label in (
                ("per_class_accuracy", "per-class accuracy (samples of the class asked for)"),
                ("intra_class_frechet_distance", "intra-class Fréchet distance"),
            )
        ),
        "evaluation.generated.recall",
    ),
)
