"""Class labels for conditional generators. The latent functions (interpolate, invert, paths)
call a generator on codes alone; a conditional one gets its labels bound first, one per row."""

from __future__ import annotations

import torch
from torch import nn

from minimaxlab.generative import GenerativeModel


class WithLabels(nn.Module):
    """A conditional generator with ``labels`` bound: codes (one row per label) → outputs."""

    def __init__(self, model: nn.Module, labels: torch.Tensor) -> None:
        super().__init__()
        self.model = model
        self.latent_dim = model.latent_dim
        self.register_buffer("labels", labels, persistent=False)

    def forward(self, codes: torch.Tensor) -> torch.Tensor:
        if codes.shape[0] != self.labels.shape[0]:
            raise ValueError(f"{codes.shape[0]} codes for {self.labels.shape[0]} labels")
        return self.model(codes, self.labels)


def conditioned(model: GenerativeModel, labels: torch.Tensor | None) -> nn.Module:
    """``model`` as a function of codes alone: a conditional model with ``labels`` bound, an
    unconditional one as it is (it has no use for labels)."""
    if model.num_classes is None:
        return model  # type: ignore[return-value]
    if labels is None:
        raise ValueError("a conditional generator needs a class label for every code")
    return WithLabels(model, labels)  # type: ignore[arg-type]


def nearest_end(ends: torch.Tensor | None, points: int) -> torch.Tensor | None:
    """The labels of a path of ``points`` codes between two labelled ends: each point takes
    the class of the end it is nearer to (the midpoint the start's), since a class label cannot
    be interpolated through the contract. None for unconditional ends (``ends`` None)."""
    if ends is None:
        return None
    t = torch.linspace(0, 1, points, device=ends.device)
    return ends[(t > 0.5).long()]


@torch.no_grad()
def class_rows(
    model: GenerativeModel,
    columns: int,
    generator: torch.Generator | None = None,
    truncation: float | None = None,
) -> list[torch.Tensor]:
    """``columns`` samples of every class of a conditional ``model``, one tensor per class."""
    labels = torch.arange(model.num_classes).repeat_interleave(columns)  # type: ignore[arg-type]
    options = {} if truncation is None else {"truncation": truncation}
    images = model.sample(labels.numel(), labels=labels, generator=generator, **options)
    return list(images.split(columns))
