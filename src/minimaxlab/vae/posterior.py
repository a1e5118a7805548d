"""The two encoders' posteriors q(z|x), both of the form z = loc(x) + scale(x)·noise:

- ``gaussian``: loc = μ(x), log scale = log σ(x), noise ~ N(0, I); the rate is
  KL[q(z|x) ‖ N(0, I)] in closed form (:func:`gaussian_kl`);
- ``echo``: loc = f(x) = tanh(·), scale = S(x) = r·sigmoid(·) in (0, r), noise the echo series
  over the batch's other points (``vae.echo``); the rate is I(x; z) = −log|det S(x)|, exact.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import torch
import torch.nn.functional as F

from minimaxlab.vae.echo import echo_noise, echo_rate

Encoder = Literal["gaussian", "echo"]
ENCODERS: tuple[Encoder, ...] = ("gaussian", "echo")


@dataclass(frozen=True)
class Posterior:
    """q(z|x) for a batch: z = loc + exp(log_scale)·noise, with the encoder's noise."""

    encoder: Encoder
    loc: torch.Tensor  # n × k
    log_scale: torch.Tensor  # n × k
    depth: int = 0  # echo: terms of the series

    def sample(self, generator: torch.Generator | None = None) -> torch.Tensor:
        """One z per point; the noise is drawn on the CPU, so every device gets the same."""
        if self.encoder == "gaussian":
            noise = torch.randn(self.loc.shape, generator=generator).to(self.loc.device)
        else:
            noise = echo_noise(self.loc, self.log_scale, self.depth, generator)
        return self.loc + self.log_scale.exp() * noise

    def rate(self) -> torch.Tensor:
        """Per point, nats: KL[q(z|x) ‖ N(0, I)] (gaussian) or −log|det S(x)| (echo)."""
        if self.encoder == "gaussian":
            return gaussian_kl(self.loc, self.log_scale)
        return echo_rate(self.log_scale)


def posterior(
    encoder: Encoder, heads: tuple[torch.Tensor, torch.Tensor], clip: float = 1.0, depth: int = 0
) -> Posterior:
    """The posterior from the encoder network's two heads (echo: S scaled into (0, clip))."""
    first, second = heads
    if encoder == "gaussian":
        return Posterior(encoder, first, second)
    return Posterior(encoder, torch.tanh(first), math.log(clip) + F.logsigmoid(second), depth)


def gaussian_kl(mean: torch.Tensor, log_scale: torch.Tensor) -> torch.Tensor:
    """KL[N(μ, diag σ²) ‖ N(0, I)] = ½ Σ_k (μ_k² + σ_k² − 1 − 2 log σ_k), one per row."""
    return 0.5 * (mean.square() + (2 * log_scale).exp() - 1 - 2 * log_scale).sum(dim=1)


def gaussian_log_density(
    z: torch.Tensor, mean: torch.Tensor, log_scale: torch.Tensor
) -> torch.Tensor:
    """log N(z; μ, diag σ²), summed over the last dimension (broadcasting)."""
    standard = (z - mean) * torch.exp(-log_scale)
    return (-0.5 * standard.square() - log_scale - 0.5 * math.log(2 * math.pi)).sum(dim=-1)
