"""GAN families: how one iteration of the trainer updates the discriminator and the generator.

The trainer (``gan/trainer.py``) owns everything that is the same for every GAN: batches,
noise, checkpoints, resume, logging, the fast path, processes. A *family* owns what differs:
its losses and its D and G updates. It gets one :class:`GanIteration` per step — the models as
the step runs them (DDP-wrapped, compiled), the optimisers, a noise function, autocast, and
``d_steps`` real batches with their labels — and returns the 0-d tensors to log. A new family
(a conditional GAN with a hinge loss, say) is a class with a ``train_step``; the trainer is not
touched, as a network owns its ``train_step`` in kwotsin/mimicry.

Invariant for every family: all randomness comes from ``noise``/``noise_generator`` (whose
state the checkpoint holds) or from the global RNGs (which it also holds), so a resumed run
ends with the weights of one that never stopped.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import NamedTuple, Protocol

import torch

from minimaxlab.gan.losses import GanLoss, WassersteinGPLoss, latent_smoothness_penalty

Model = Callable[..., torch.Tensor]  # (codes) or (codes, labels) → samples; (x[, labels]) → D


@dataclass(frozen=True)
class RealBatch:
    """This process's rows of one real batch, and their class labels (None: data without)."""

    data: torch.Tensor
    labels: torch.Tensor | None


@dataclass(frozen=True)
class GanIteration:
    """What the trainer hands a family for one iteration (one step of the step counter)."""

    real: list[RealBatch]  # train.d_steps batches, each of this process's rows
    generator: Model  # G as the step runs it (DDP-wrapped, compiled when asked)
    discriminator: Model  # D for D's updates; its outputs are float32 even under autocast
    frozen_discriminator: Model  # D for G's updates, called inside freeze_discriminator()
    generator_optimizer: torch.optim.Optimizer
    discriminator_optimizer: torch.optim.Optimizer
    noise: Callable[[int], torch.Tensor]  # n codes z ~ N(0, I): this process's rows of a batch
    noise_generator: torch.Generator  # the checkpointed stream behind noise, for other draws
    autocast: Callable[[], AbstractContextManager]  # the fast path's precision for forwards
    freeze_discriminator: Callable[[], AbstractContextManager]  # D's weights take no gradients


class GanFamily(Protocol):
    """A GAN's losses and updates; see the module docstring."""

    # Whether the losses need float32 arithmetic (second derivatives, small differences of
    # images) that bf16 autocast would blur: then the fast path's "auto" keeps float32.
    needs_float32: bool

    def train_step(self, iteration: GanIteration) -> dict[str, torch.Tensor]:
        """Update D and G once; the 0-d tensors to log (the trainer averages them)."""
        ...


def optimizer_step(optimizer: torch.optim.Optimizer, loss: torch.Tensor) -> None:
    """One gradient step of ``optimizer`` on ``loss``."""
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()


class DiscriminatorPass(NamedTuple):
    """The last of D's updates: its loss, its outputs, and the fakes G's first update reuses."""

    loss: torch.Tensor
    real_outputs: torch.Tensor
    fake_outputs: torch.Tensor
    codes: torch.Tensor
    fake: torch.Tensor


class LossFamily:
    """The GAN of a :class:`~minimaxlab.gan.losses.GanLoss` (BCE, saturating, WGAN-GP): one D
    update per real batch, then ``g_steps`` G updates, with the latent smoothness penalty on G
    when ``smoothness_weight`` > 0, each followed by ``after_generator_step()`` (the average of G's
    weights, ``models/ema.py``). Unconditional: the labels are ignored. Logs D's and G's
    losses and what D believes of real (``d_real``) and generated (``d_fake``) samples."""

    def __init__(
        self,
        loss: GanLoss,
        g_steps: int = 1,
        smoothness_weight: float = 0.0,
        smoothness_step: float = 0.1,
        after_generator_step: Callable[[], None] | None = None,
    ) -> None:
        self.loss = loss
        self.g_steps = g_steps
        self.smoothness_weight = smoothness_weight
        self.smoothness_step = smoothness_step
        self.after_generator_step = after_generator_step
        self.needs_float32 = isinstance(loss, WassersteinGPLoss) or smoothness_weight > 0

    def train_step(self, iteration: GanIteration) -> dict[str, torch.Tensor]:
        last = self._update_discriminator(iteration)
        with iteration.freeze_discriminator():
            g_loss = self._update_generator(iteration, last.codes, last.fake)
        with torch.no_grad():
            return {
                "d_loss": last.loss.detach(),
                "g_loss": g_loss.detach(),
                "d_real": self.loss.belief(last.real_outputs.detach()),
                "d_fake": self.loss.belief(last.fake_outputs.detach()),
            }

    def _update_discriminator(self, iteration: GanIteration) -> DiscriminatorPass:
        for i, batch in enumerate(iteration.real):
            # The last batch's fakes keep their graph: the first G step reuses them, which
            # saves one generator forward pass per iteration (as pytorch/examples' DCGAN does).
            last = i == len(iteration.real) - 1
            codes = iteration.noise(batch.data.shape[0])
            with torch.set_grad_enabled(last), iteration.autocast():
                fake = iteration.generator(codes)
            with iteration.autocast():
                loss, real_outputs, fake_outputs = self.loss.discriminator_loss(
                    iteration.discriminator, batch.data, fake.detach()
                )
            optimizer_step(iteration.discriminator_optimizer, loss)
        return DiscriminatorPass(loss, real_outputs, fake_outputs, codes, fake)

    def _update_generator(
        self, iteration: GanIteration, codes: torch.Tensor, fake: torch.Tensor
    ) -> torch.Tensor:
        for j in range(self.g_steps):
            with iteration.autocast():
                if j > 0:
                    codes = iteration.noise(codes.shape[0])
                    fake = iteration.generator(codes)
                loss = self.loss.generator_loss(iteration.frozen_discriminator, fake)
                if self.smoothness_weight > 0:
                    loss = loss + self.smoothness_weight * latent_smoothness_penalty(
                        iteration.generator,
                        codes,
                        fake,
                        self.smoothness_step,
                        iteration.noise_generator,
                    )
            optimizer_step(iteration.generator_optimizer, loss)
            if self.after_generator_step is not None:
                self.after_generator_step()
        return loss
