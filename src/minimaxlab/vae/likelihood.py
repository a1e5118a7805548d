"""The decoder's likelihood p(x|z) on pixels in [0, 1], and the distortion D = −log p(x|z) in
nats per image, for either choice:

- ``bernoulli``: each pixel a Bernoulli of mean sigmoid(logit); −log p is the binary cross-
  entropy, summed over pixels (grey pixels are its fractional targets, as usual for VAEs);
- ``gaussian``: each pixel N(sigmoid(logit), σ²) with σ fixed: −log p = Σ (x − μ)² / (2σ²)
  + (P/2) log(2πσ²), the sheet's squared error plus the constant that makes it nats (a
  density, so D can be negative when σ is small).
"""

from __future__ import annotations

import math
from typing import Literal

import torch
import torch.nn.functional as F

Likelihood = Literal["bernoulli", "gaussian"]


def distortion(
    logits: torch.Tensor, images: torch.Tensor, likelihood: Likelihood, sigma: float = 0.1
) -> torch.Tensor:
    """−log p(x|z) per image, in nats (``images`` in [0, 1], the same shape as ``logits``)."""
    if likelihood == "bernoulli":
        pixels = F.binary_cross_entropy_with_logits(logits, images, reduction="none")
    else:
        squared = (images - torch.sigmoid(logits)).square()
        pixels = squared / (2 * sigma**2) + 0.5 * math.log(2 * math.pi * sigma**2)
    return pixels.flatten(1).sum(dim=1)
