"""dcgan-fashion: the DCGAN of the first sheet on Fashion-MNIST (shared/SPEC.md)."""

from __future__ import annotations

from typing import Any, Literal

from torch import nn

from minimaxlab.config import ExperimentConfig, StrictModel
from minimaxlab.data.config import ImageDataConfig
from minimaxlab.data.registry import load_images
from minimaxlab.errors import MinimaxlabError
from minimaxlab.experiments.base import Experiment, RunContext
from minimaxlab.gan.trainer import GanTrainConfig, GanTrainer, SamplesConfig
from minimaxlab.models.dcgan import DCGANDiscriminator, DCGANGenerator
from minimaxlab.models.init import initialise


class DCGANModelConfig(StrictModel):
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


def build_models(config: DCGANFashionConfig) -> dict[str, nn.Module]:
    """Generator and discriminator, initialised from the run's seed (seed torch first)."""
    generator = DCGANGenerator(config.model.latent_dim)
    discriminator = DCGANDiscriminator()
    initialise(generator, config.model.init)
    initialise(discriminator, config.model.init)
    return {"generator": generator, "discriminator": discriminator}


def run(config: DCGANFashionConfig, context: RunContext) -> dict[str, Any]:
    data = load_images(
        config.data.name,
        "train",
        root=config.data.root,
        device=context.device,
        limit=config.data.limit,
        image_size=config.data.image_size,
    )
    if data.shape != (1, 28, 28):
        raise MinimaxlabError(
            f"the DCGAN needs 1×28×28 images but {config.data.name} has "
            f"{'×'.join(map(str, data.shape))}; set data.image_size=28"
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


EXPERIMENT = Experiment(
    name="dcgan-fashion",
    description="The DCGAN of the first sheet on Fashion-MNIST: 4×4 grids, a progress GIF.",
    config_class=DCGANFashionConfig,
    run=run,
    build_models=build_models,
)
