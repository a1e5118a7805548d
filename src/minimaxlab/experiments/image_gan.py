"""What every image-GAN experiment shares: load the data, build the models, train, summarise."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

from torch import nn

from minimaxlab.config import ExperimentConfig
from minimaxlab.data.config import ImageDataConfig
from minimaxlab.data.images import ImageSet
from minimaxlab.data.registry import first_available, load_images
from minimaxlab.errors import MinimaxlabError
from minimaxlab.experiments.base import RunContext
from minimaxlab.gan.trainer import GanTrainer
from minimaxlab.metrics.evaluate import evaluate_run


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
) -> dict[str, Any]:
    """Train the generator and discriminator that ``build_models`` makes on the config's data."""
    data = load_training_images(config.data, context)
    if data.shape != image_shape:
        raise MinimaxlabError(
            f"the models need {'×'.join(map(str, image_shape))} images but {data.name} has "
            f"{'×'.join(map(str, data.shape))}; set data.image_size={image_shape[-1]}"
        )
    models = build_models(config)
    trainer = GanTrainer(
        models["generator"],
        models["discriminator"],
        data,
        config.train,
        config.samples,
        context.run,
        seed=config.seed,
        progress=context.progress,
    )
    if context.resume:
        trainer.load_state_dict(context.run.load_checkpoint(context.device))
    summary = trainer.train(stop=context.stop)
    summary["data"] = {"name": data.name, "images": len(data), "checksum": data.checksum}
    summary["parameters"] = {
        name: sum(p.numel() for p in model.parameters() if p.requires_grad)
        for name, model in models.items()
    }
    return summary


def evaluate_generator(config: ExperimentConfig, context: RunContext) -> None:
    """After training: the metrics of metrics.evaluate, unless evaluation.enabled is false."""
    if config.evaluation.enabled:
        evaluate_run(
            context.run.path,
            n=config.evaluation.n,
            device=context.device,
            seed=config.seed,
            progress=context.progress,
        )
