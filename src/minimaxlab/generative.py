"""The generative-run contract: what ``sample``, ``evaluate``, ``interpolate``, ``invert`` and
``latent-path`` rely on, and nothing more.

A run is *generative* when its experiment declares ``build_models`` and the models it builds
include ``"generator"`` (a GAN's G, a VAE's decoder): a module that follows
:class:`GenerativeModel`. Its trained weights are stored in the run folder's ``checkpoint.pt``
under ``models.generator`` (``checkpoint["models"]["generator"]`` is its ``state_dict``); the
run's ``config.yaml`` rebuilds the architecture. The commands load it through that alone, so a
new generative experiment gets every command without a line of per-experiment code.
"""

from __future__ import annotations

import re
from typing import Protocol, runtime_checkable

import torch

from minimaxlab.errors import MinimaxlabError

GENERATOR = "generator"  # the key of the generator in build_models and in checkpoint["models"]
# A run that trains several generators of one architecture (a sweep's settings) keeps each in
# models/NAME.pt, a checkpoint with models.generator as well; summary.json lists their names
# under GENERATORS, and the commands' --generator NAME picks one (checkpoint.pt's by default).
GENERATORS = "generators"
MODEL_NAME = re.compile(r"[A-Za-z0-9]+([._=+-][A-Za-z0-9]+)*")  # a plain file name, no ".."
SAMPLE_BATCH = 500  # codes per forward pass when sampling: bounds the memory a large n takes


@runtime_checkable
class GenerativeModel(Protocol):
    """A generator of images in [−1, 1] (or of points) from codes z ~ N(0, I)."""

    latent_dim: int  # the length of z
    num_classes: int | None  # classes a conditional model takes; None when unconditional

    def __call__(self, codes: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """The outputs for ``codes`` (and class ``labels`` when conditional)."""
        ...

    def sample(
        self,
        n: int,
        labels: torch.Tensor | None = None,
        generator: torch.Generator | None = None,
    ) -> torch.Tensor:
        """``n`` outputs from codes drawn with ``generator`` (and ``labels``, or random
        classes when conditional); on the model's device."""
        ...


def truncated_normal(
    shape: tuple[int, ...],
    truncation: float | None = None,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """N(0, I) draws on the CPU; with ``truncation`` t, every entry with |z| > t is drawn again
    until none is left (the truncation trick of BigGAN, Brock et al. 2019: a smaller t trades
    variety for fidelity). The draws depend on ``generator`` alone, so a seed gives the codes."""
    codes = torch.randn(shape, generator=generator)
    if truncation is None:
        return codes
    if truncation <= 0:
        raise MinimaxlabError(f"--truncation must be above 0 (got {truncation})")
    outside = codes.abs() > truncation
    while outside.any():
        codes[outside] = torch.randn(int(outside.sum()), generator=generator)
        outside = codes.abs() > truncation
    return codes


def draw_codes(
    model: GenerativeModel,
    n: int,
    generator: torch.Generator | None = None,
    truncation: float | None = None,
) -> torch.Tensor:
    """``n`` codes z ~ N(0, I) (truncated at ``truncation`` when given), drawn on the CPU (so
    every device gets the same codes) and moved to ``model``'s device."""
    codes = truncated_normal((n, model.latent_dim), truncation, generator)
    return codes.to(next(iter(model.parameters())).device)  # type: ignore[attr-defined]


class SamplesFromNoise:
    """A mixin for unconditional generators: ``num_classes = None`` and ``sample``."""

    num_classes: int | None = None

    @torch.no_grad()
    def sample(
        self,
        n: int,
        labels: torch.Tensor | None = None,
        generator: torch.Generator | None = None,
        truncation: float | None = None,
    ) -> torch.Tensor:
        if labels is not None:
            raise ValueError("an unconditional generator takes no class labels")
        # All codes first, then the forward passes: the batch size does not change the codes.
        codes = draw_codes(self, n, generator, truncation)  # type: ignore[arg-type]
        return torch.cat([self(chunk) for chunk in codes.split(SAMPLE_BATCH)])  # type: ignore[operator]


class SamplesWithClasses:
    """A mixin for conditional generators (``num_classes`` set by the model): ``sample``
    draws the codes, then random classes where no ``labels`` are given, from ``generator``."""

    num_classes: int

    @torch.no_grad()
    def sample(
        self,
        n: int,
        labels: torch.Tensor | None = None,
        generator: torch.Generator | None = None,
        truncation: float | None = None,
    ) -> torch.Tensor:
        codes = draw_codes(self, n, generator, truncation)  # type: ignore[arg-type]
        if labels is None:
            labels = torch.randint(self.num_classes, (n,), generator=generator)
        labels = labels.to(codes.device)
        pairs = zip(codes.split(SAMPLE_BATCH), labels.split(SAMPLE_BATCH), strict=True)
        return torch.cat([self(chunk, classes) for chunk, classes in pairs])  # type: ignore[operator]


def model_file(name: str) -> str:
    """Where a run keeps its model called ``name``: ``models/NAME.pt`` in the run folder."""
    if not is_model_name(name):
        raise ValueError(f"{name!r} is not a model name (letters, digits, . _ = + -)")
    return f"models/{name}.pt"


def is_model_name(name: object) -> bool:
    """Whether ``name`` can name a model file: letters and digits joined by single . _ = + -."""
    return isinstance(name, str) and MODEL_NAME.fullmatch(name) is not None
