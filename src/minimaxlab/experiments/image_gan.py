"""What every image-GAN experiment shares: load the data, build the models, train, summarise."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

from pydantic import Field, NonNegativeInt
from torch import nn

from minimaxlab.config import ExperimentConfig, StrictModel
from minimaxlab.data.config import ImageDataConfig
from minimaxlab.data.images import ImageSet
from minimaxlab.data.registry import first_available, load_images
from minimaxlab.errors import MinimaxlabError
from minimaxlab.experiments.base import KeyNumber, RunContext
from minimaxlab.gan.family import GanFamily
from minimaxlab.gan.trainer import GanTrainer, default_family
from minimaxlab.generative import GENERATOR
from minimaxlab.models.ema import AveragedGenerator
from minimaxlab.report.account import compared, number


class AveragedGeneratorConfig(StrictModel):
    """A model config's moving average of G's weights (``models/ema.py``): off by default, so
    the sheets' runs are unchanged; with a decay, samples, figures and numbers come from it."""

    ema_decay: float | None = Field(None, ge=0.0, lt=1.0)  # d in w ← d·w + (1 − d)·w_G
    ema_start: NonNegativeInt = 0  # G steps during which the average only copies G


def averaged(generator: nn.Module, model: AveragedGeneratorConfig) -> nn.Module:
    """``generator`` inside its moving average when the config asks for one."""
    if model.ema_decay is None:
        return generator
    return AveragedGenerator(generator, model.ema_decay, model.ema_start)


def load_training_images(data: ImageDataConfig, context: RunContext) -> ImageSet:
    """The configured training split, or the first available fallback when it is missing."""
    name = first_available([data.name, *data.fallbacks], data.root)
    if name != data.name:
        warnings.warn(
            f"{data.name} is not on this machine; training on {name} instead", stacklevel=2
        )
    return load_images(
        name,
        "train",
        root=data.root,
        device=context.device,
        limit=data.limit,
        image_size=data.image_size,
        grey=data.grey,
    )


def train_image_gan(
    config: ExperimentConfig,
    context: RunContext,
    build_models: Callable[[Any], dict[str, nn.Module]],
    image_shape: tuple[int, int, int] = (1, 28, 28),
    family: GanFamily | None = None,
) -> dict[str, Any]:
    """Train the generator and discriminator that ``build_models`` makes on the config's data,
    with ``family``'s losses and updates (default: those the config's ``train`` describes)."""
    data = load_training_images(config.data, context)
    if data.shape != image_shape:
        raise MinimaxlabError(
            f"the models need {'×'.join(map(str, image_shape))} images but {data.name} has "
            f"{'×'.join(map(str, data.shape))}; set data.image_size={image_shape[-1]}"
        )
    models = build_models(config)
    generator = models[GENERATOR]
    if family is None and isinstance(generator, AveragedGenerator):
        family = default_family(config.train, after_generator_step=generator.update)
    trainer = GanTrainer(
        generator,
        models["discriminator"],
        data,
        config.train,
        config.samples,
        context.run,
        seed=config.seed,
        progress=context.progress,
        family=family,
    )
    if context.resume:
        trainer.load_state_dict(context.run.load_checkpoint(context.device))
    summary = trainer.train(stop=context.stop)
    summary["data"] = {
        "name": data.name,
        "images": len(data),
        "checksum": data.checksum,
        "class_names": list(data.class_names),
    }
    summary["parameters"] = {
        name: sum(p.numel() for p in model.parameters() if p.requires_grad)
        for name, model in models.items()
    }
    return summary


def evaluation_size(config: ExperimentConfig) -> int | None:
    """Samples the image-quality metrics take after training (None: evaluation is off)."""
    return config.evaluation.n if config.evaluation.enabled else None


# What the lab's index card of an image GAN shows: its last sample grid and these numbers.
GAN_HEADLINE_FIGURE = "figures/samples/*.png"
# the evaluation's numbers each beside its real-data floor (report/numbers.py)
GAN_KEY_NUMBERS = (
    KeyNumber("data", "data.name"),
    KeyNumber("epochs", "epochs"),
    KeyNumber(
        "Fréchet distance",
        "evaluation.generated.frechet_distance",
        floor="evaluation.floor.frechet_distance",
    ),
    KeyNumber("precision", "evaluation.generated.precision", floor="evaluation.floor.precision"),
    KeyNumber("recall", "evaluation.generated.recall", floor="evaluation.floor.recall"),
    KeyNumber("coverage", "evaluation.generated.coverage", floor="evaluation.floor.coverage"),
    KeyNumber("images per second", "images_per_s"),
)


def gan_account(summary: dict[str, Any], config: dict[str, Any]) -> list[str]:
    """What an image-GAN run trained and what its last losses and its evaluation show."""
    train, data = config["train"], summary["data"]
    wanted = config["data"]["name"]
    instead = "" if data["name"] == wanted else f" ({wanted} is not on this machine)"
    paragraphs = [
        f"A generator of {number(summary['parameters']['generator'])} parameters was trained "
        f"against a {'critic' if train['loss'] == 'wgan-gp' else 'discriminator'} of "
        f"{number(summary['parameters']['discriminator'])} parameters with the {train['loss']} "
        f"loss on {number(data['images'])} images of {data['name']}{instead}: "
        f"{number(summary['epochs'])} epochs, {number(summary['steps'])} steps of batch "
        f"{number(train['batch_size'])}, in {number(summary['train_time_s'])} s."
    ]
    decay = config.get("model", {}).get("ema_decay")
    if decay is not None:
        paragraphs.append(
            f"The moving average of the generator's weights (decay {number(decay)}) makes "
            "every sample, figure and number below."
        )
    final = summary.get("final")
    if final:
        paragraphs.append(
            f"Over the last logged steps the mean output on real images was "
            f"{number(final['d_real'])} and on generated ones {number(final['d_fake'])}; "
            f"the losses were {number(final['d_loss'])} (D) and {number(final['g_loss'])} (G)."
        )
    evaluation = summary.get("evaluation")
    if evaluation:
        generated, floor = evaluation["generated"], evaluation["floor"]
        fd, floor_fd = generated["frechet_distance"], floor["frechet_distance"]
        paragraphs.append(
            f"{number(evaluation['n'])} samples were measured against real {evaluation['dataset']} "
            "images in the feature space of a classifier with test accuracy "
            f"{number(evaluation['classifier']['test_accuracy'])}. Their Fréchet distance is "
            f"{number(fd)}, {compared(fd, floor_fd)} the {number(floor_fd)} of the real "
            f"test split (the floor); precision {number(generated['precision'])} and recall "
            f"{number(generated['recall'])} against the floor's {number(floor['precision'])} "
            f"and {number(floor['recall'])}."
        )
    return paragraphs
