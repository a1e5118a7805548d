"""A generator together with the exponential moving average of its weights (BigGAN; Yazıcı et
al. 2019, "The unusual effectiveness of averaging in GAN training").

Both live in one module so that the checkpoint's ``models.generator`` holds the trained weights
and their average, and a resumed run continues both to the bit. In training mode a call goes to
the trained generator, whose weights the optimiser moves; in eval mode (samples, evaluation,
interpolation, the trainer's progress grid) to the average, which ``sample`` always uses.
"""

from __future__ import annotations

import copy

import torch
from torch import nn


class AveragedGenerator(nn.Module):
    """``trained`` and a copy of it whose weights follow w ← d·w + (1 − d)·w_G after every
    ``update`` from the ``start``-th on (copies before: the first weights are no average)."""

    def __init__(self, trained: nn.Module, decay: float = 0.999, start: int = 0) -> None:
        super().__init__()
        if not 0.0 <= decay < 1.0:
            raise ValueError(f"the average's decay must lie in [0, 1) (got {decay})")
        self.trained = trained
        # Not trained by the optimiser: G's optimiser skips weights that never get a gradient.
        self.average = copy.deepcopy(trained).requires_grad_(False).eval()
        self.decay, self.start = decay, start
        self.latent_dim: int = trained.latent_dim
        self.num_classes: int | None = trained.num_classes
        self.register_buffer("updates", torch.zeros((), dtype=torch.long))

    def train(self, mode: bool = True) -> AveragedGenerator:
        super().train(mode)
        self.average.eval()  # batch-norm statistics and spectral-norm vectors are copied in
        return self

    def forward(self, codes: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        model = self.trained if self.training else self.average
        return model(codes) if labels is None else model(codes, labels)

    @torch.no_grad()
    def sample(self, n: int, labels=None, generator=None, **options) -> torch.Tensor:
        """The average's samples (``truncation`` and other options go to its ``sample``)."""
        return self.average.sample(n, labels=labels, generator=generator, **options)

    @torch.no_grad()
    def update(self) -> None:
        """One step of the average. Buffers (batch-norm running statistics, spectral-norm power
        iteration vectors) are not weights: the average takes the trained model's."""
        decay = self.decay if int(self.updates) >= self.start else 0.0
        for average, weight in zip(
            self.average.parameters(), self.trained.parameters(), strict=True
        ):
            average.copy_(average * decay + weight * (1 - decay))  # the formula, as written
        for average, buffer in zip(self.average.buffers(), self.trained.buffers(), strict=True):
            average.copy_(buffer)
        self.updates += 1
