"""The class-conditional GAN family (BigGAN's schedule), a ``GanFamily`` (gan/family.py).

It differs from :class:`~minimaxlab.gan.family.LossFamily` in what every call carries: G makes
its fakes *for* classes and D judges an image *as* a class, so both are called with labels and
the loss sees D through a critic with the labels bound. The fakes take the classes of the real
batch they are judged beside, so D sees every class as often in fakes as in the data, with no
extra random draw. After G's update comes ``after_generator_step`` (the average of G's
weights, ``models/ema.py``).
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from minimaxlab.errors import MinimaxlabError
from minimaxlab.gan.family import GanIteration, Model, RealBatch, optimizer_step
from minimaxlab.gan.losses import Critic, GanLoss, HingeLoss


def judged_as(discriminator: Model, labels: torch.Tensor) -> Critic:
    """``discriminator`` with the class of every row bound: images → logits."""
    return lambda images: discriminator(images, labels)


def _labels(batch: RealBatch) -> torch.Tensor:
    if batch.labels is None:
        raise MinimaxlabError(
            "a conditional GAN needs class labels, and this data set has none; train it on a "
            "labelled image set (fashion-mnist, digits, ...)"
        )
    return batch.labels


class ConditionalFamily:
    """One D update per real batch (train.d_steps of them: BigGAN takes 2), then one G update
    on the last batch's classes, then ``after_generator_step()``. Logs D's and G's losses and
    D's mean output on real (``d_real``) and generated (``d_fake``) images."""

    needs_float32 = False

    def __init__(
        self,
        loss: GanLoss | None = None,
        after_generator_step: Callable[[], None] | None = None,
    ) -> None:
        self.loss = HingeLoss() if loss is None else loss
        self.after_generator_step = after_generator_step

    def train_step(self, iteration: GanIteration) -> dict[str, torch.Tensor]:
        for i, batch in enumerate(iteration.real):
            labels = _labels(batch)
            # The last batch's fakes keep their graph: G's update reuses them (LossFamily's
            # saving of one generator forward pass per iteration).
            last = i == len(iteration.real) - 1
            codes = iteration.noise(batch.data.shape[0])
            with torch.set_grad_enabled(last), iteration.autocast():
                fake = iteration.generator(codes, labels)
            with iteration.autocast():
                d_loss, real_outputs, fake_outputs = self.loss.discriminator_loss(
                    judged_as(iteration.discriminator, labels), batch.data, fake.detach()
                )
            optimizer_step(iteration.discriminator_optimizer, d_loss)
        with iteration.freeze_discriminator():
            with iteration.autocast():
                g_loss = self.loss.generator_loss(
                    judged_as(iteration.frozen_discriminator, labels), fake
                )
            optimizer_step(iteration.generator_optimizer, g_loss)
        if self.after_generator_step is not None:
            self.after_generator_step()
        with torch.no_grad():
            return {
                "d_loss": d_loss.detach(),
                "g_loss": g_loss.detach(),
                "d_real": self.loss.belief(real_outputs.detach()),
                "d_fake": self.loss.belief(fake_outputs.detach()),
            }
