"""GANs on 2-D points (gan-2d): one setting trained in its own run folder with GanTrainer,
then judged by its samples and by what its discriminator believes."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from pydantic import PositiveInt

from minimaxlab.config import StrictModel
from minimaxlab.data.toy2d import PointSet, ToyDistribution
from minimaxlab.gan.trainer import GanTrainConfig, GanTrainer, OptimizerConfig, SamplesConfig
from minimaxlab.generative import draw_codes
from minimaxlab.interrupt import StopSignal
from minimaxlab.metrics.toy import evaluate_points
from minimaxlab.models.toy import PointClassifier, PointGenerator
from minimaxlab.plots import PointPanel
from minimaxlab.reproducibility import derived_seed
from minimaxlab.runs import Run
from minimaxlab.training.state import load_models

NO_IMAGES = SamplesConfig(grid_size=1, grid_epochs=[], gif=False)
# Small MLPs on points learn at the DCGAN paper's β1 = 0.5 and a larger step than images.
POINT_OPTIMIZER = OptimizerConfig(lr=1e-3, betas=(0.5, 0.999))
# epochs, d_steps and g_steps are set by each Setting
POINT_GAN_TRAINING = GanTrainConfig(
    batch_size=100,
    generator_optimizer=POINT_OPTIMIZER,
    discriminator_optimizer=POINT_OPTIMIZER,
    log_every=20,
)


class PointGanModelConfig(StrictModel):
    latent_dim: PositiveInt = 2
    generator_hidden: list[PositiveInt] = [128, 128]
    discriminator_hidden: list[PositiveInt] = [128, 128]


@dataclass(frozen=True)
class Setting:
    """One GAN of a sweep: how long and how many updates of each player per iteration."""

    epochs: int
    d_steps: int
    g_steps: int

    @property
    def slug(self) -> str:
        return f"epochs{self.epochs:03d}-d{self.d_steps}-g{self.g_steps}"

    @property
    def label(self) -> str:
        return f"{self.epochs} epochs, D/G {self.d_steps}/{self.g_steps}"


def point_gan_models(
    model: PointGanModelConfig, seed: int
) -> tuple[PointGenerator, PointClassifier]:
    """A fresh G and D whose initial weights follow from ``seed`` alone (the global RNGs are
    left as they were)."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return (
            PointGenerator(model.latent_dim, model.generator_hidden),
            PointClassifier(model.discriminator_hidden),
        )


def train_point_gan(
    folder: Path,
    data: PointSet,
    setting: Setting,
    model: PointGanModelConfig,
    train: GanTrainConfig,
    seed: int,
    stop: StopSignal | None = None,
    progress: bool = False,
) -> tuple[PointGenerator, PointClassifier, dict[str, Any]]:
    """Train a fresh GAN for ``setting`` in run folder ``folder``, or resume a stopped one (a
    finished one resumes at its end: nothing is trained again). Returns G, D and the trainer's
    summary."""
    config = train.model_copy(
        update={"epochs": setting.epochs, "d_steps": setting.d_steps, "g_steps": setting.g_steps}
    )
    generator, discriminator = point_gan_models(model, seed)
    run = Run(folder) if folder.is_dir() else Run.create("gan-2d-setting", folder)
    if not run.config_path.is_file():
        run.write_config({"setting": asdict(setting), "train": config.model_dump(mode="json")})
    trainer = GanTrainer(
        generator, discriminator, data, config, NO_IMAGES, run, seed, progress=progress
    )
    if run.has_checkpoint():
        trainer.load_state_dict(run.load_checkpoint(data.device))
    summary = trainer.train(stop)
    run.write_summary(summary)
    return generator.eval(), discriminator.eval(), summary


def load_point_gan(
    folder: Path, model: PointGanModelConfig, device: torch.device
) -> tuple[PointGenerator, PointClassifier]:
    """The G and D that :func:`train_point_gan` left in ``folder``, on ``device``, in eval mode."""
    generator, discriminator = point_gan_models(model, seed=0)  # the checkpoint's weights
    state = Run(folder).load_checkpoint(device)
    load_models(state, generator=generator, discriminator=discriminator)
    return generator.to(device).eval(), discriminator.to(device).eval()


def judging_noise(seed: int) -> torch.Generator:
    """Where a judged GAN's samples come from: one sub-stream of ``seed`` for every setting."""
    return torch.Generator().manual_seed(derived_seed(seed, 11))


@torch.no_grad()
def generate_points(
    generator: PointGenerator, n: int, noise_generator: torch.Generator
) -> torch.Tensor:
    """``n`` points of G, from codes drawn on the CPU with ``noise_generator``."""
    return generator(draw_codes(generator, n, noise_generator))


@torch.no_grad()
def judge_point_gan(
    generator: PointGenerator,
    discriminator: PointClassifier,
    distribution: ToyDistribution,
    real: torch.Tensor,
    n: int,
    noise_generator: torch.Generator,
) -> tuple[dict[str, Any], torch.Tensor]:
    """``n`` samples of G scored against fresh ``real`` points, and what D believes of each
    (mean sigmoid D on real and on generated points)."""
    fake = generate_points(generator, n, noise_generator)
    metrics = evaluate_points(fake, distribution, real)
    metrics["mean_d_real"] = float(torch.sigmoid(discriminator(real)).mean())
    metrics["mean_d_generated"] = float(torch.sigmoid(discriminator(fake)).mean())
    return metrics, fake


@torch.no_grad()
def decision_surface(
    discriminator: PointClassifier, points: torch.Tensor, resolution: int = 120
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """sigmoid D on a grid covering ``points`` with a margin, for a contour plot."""
    low = points.amin(dim=0).cpu() - 0.5
    high = points.amax(dim=0).cpu() + 0.5
    xs = torch.linspace(float(low[0]), float(high[0]), resolution)
    ys = torch.linspace(float(low[1]), float(high[1]), resolution)
    grid_y, grid_x = torch.meshgrid(ys, xs, indexing="ij")
    plane = torch.stack((grid_x.flatten(), grid_y.flatten()), dim=1).to(points.device)
    values = torch.sigmoid(discriminator(plane)).view(resolution, resolution)
    return xs.numpy(), ys.numpy(), values.cpu().numpy()


def point_panel(
    title: str,
    real: torch.Tensor,
    fake: torch.Tensor,
    metrics: dict[str, Any],
    discriminator: PointClassifier | None = None,
    label: str = "generated",
) -> PointPanel:
    """A scatter panel with the headline numbers in its caption."""
    caption = (
        f"modes {metrics['modes_covered']}/{metrics['n_modes']} · "
        f"HQ {100 * metrics['high_quality_fraction']:.0f}%"
    )
    if "mean_d_real" in metrics:
        caption += (
            f"\nD(real) {metrics['mean_d_real']:.2f} · D(G(z)) {metrics['mean_d_generated']:.2f}"
        )
    surface = None
    if discriminator is not None:
        surface = decision_surface(discriminator, torch.cat((real, fake.clamp(-10, 10))))
    return PointPanel(
        title, real.cpu().numpy(), fake.cpu().numpy(), label, caption=caption, surface=surface
    )
