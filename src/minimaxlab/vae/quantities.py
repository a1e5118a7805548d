"""The quantities of the rate–distortion plane (Alemi et al. 2018, "Fixing a Broken ELBO"), on
a data set, in nats per image:

- distortion D = E_x E_{q(z|x)}[−log p(x|z)] and rate R = E_x KL[q(z|x) ‖ p(z)] (echo: the
  exact I(x; z) = −E log|det S(x)|, its prior being its own aggregate posterior);
- ELBO = −(D + R);
- I(x; z) = E_x KL[q(z|x) ‖ q(z)], q(z) = (1/N) Σₙ q(z|xₙ) the aggregate posterior over the
  set (x uniform on it, so I ≤ log N as well as I ≤ R);
- active units: latent coordinates whose E[z|x] varies over x by more than 0.01 (variance).
"""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import nn

from minimaxlab.vae.echo import echo_mean
from minimaxlab.vae.likelihood import Likelihood, distortion
from minimaxlab.vae.posterior import Posterior, gaussian_log_density, posterior

ACTIVE_VARIANCE = 0.01  # var_x E[z|x] above this: an active unit (Burda et al. 2016)
CHUNK = 1024  # codes per pass of the aggregate-posterior estimator (a CHUNK × N matrix)


def aggregate_information(
    mean: torch.Tensor, log_scale: torch.Tensor, generator: torch.Generator | None = None
) -> float:
    """I(x; z) for Gaussian posteriors N(μₙ, σₙ²) of N points, x uniform on them: the mean over
    i of log q(zᵢ|xᵢ) − log (1/N) Σₙ q(zᵢ|xₙ), one zᵢ ~ q(z|xᵢ) each (Monte Carlo in z only).

    The N × N log-densities come from the square expanded, Σ_k (z − μ)²/σ² = z²·σ⁻² − 2z·μσ⁻²
    + μ²·σ⁻², i.e. two matrix products, in float64 (the terms cancel when σ is small)."""
    mean, log_scale = mean.double(), log_scale.double()
    n = len(mean)
    noise = torch.randn(mean.shape, generator=generator, dtype=torch.float64).to(mean.device)
    codes = mean + log_scale.exp() * noise
    precision = torch.exp(-2 * log_scale)  # N × k
    constant = (mean.square() * precision).sum(1) + 2 * log_scale.sum(1)  # per component n
    own = gaussian_log_density(codes, mean, log_scale)
    total = 0.0
    for start in range(0, n, CHUNK):
        z = codes[start : start + CHUNK]
        squares = z.square() @ precision.T - 2 * z @ (mean * precision).T + constant
        mixture = -0.5 * squares - 0.5 * mean.shape[1] * math.log(2 * math.pi)  # chunk × N
        log_q = torch.logsumexp(mixture, dim=1) - math.log(n)
        total += float((own[start : start + CHUNK] - log_q).sum())
    return total / n


def expected_codes(q: Posterior) -> torch.Tensor:
    """E[z|x] per point: μ(x), or f(x) + S(x)·E[ε] for echo noise."""
    if q.encoder == "gaussian":
        return q.loc
    return q.loc + q.log_scale.exp() * echo_mean(q.loc, q.log_scale)


def active_units(codes: torch.Tensor) -> int:
    """How many coordinates of E[z|x] (rows: points) vary over x by more than 0.01."""
    return int((codes.var(dim=0) > ACTIVE_VARIANCE).sum())


@torch.no_grad()
def encode_all(
    encoder: nn.Module, images: torch.Tensor, kind: str, clip: float, depth: int, batch: int
) -> Posterior:
    """The posterior of every image (in [0, 1]), encoded ``batch`` at a time."""
    heads = [encoder(chunk) for chunk in images.split(batch)]
    first, second = (torch.cat(parts) for parts in zip(*heads, strict=True))
    return posterior(kind, (first, second), clip, depth)  # type: ignore[arg-type]


@torch.no_grad()
def rate_distortion(
    q: Posterior,
    decoder: nn.Module,
    images: torch.Tensor,
    likelihood: Likelihood,
    sigma: float,
    generator: torch.Generator,
    batch: int,
) -> dict[str, Any]:
    """D, R, ELBO, I(x; z) and the active units of posterior ``q`` of ``images`` (nats per
    image). The echo noise of each image comes from the other images of the set."""
    codes = q.sample(generator)
    d = torch.cat(
        [
            distortion(decoder.logits(z), x, likelihood, sigma)
            for z, x in zip(codes.split(batch), images.split(batch), strict=True)
        ]
    )
    rate = float(q.rate().mean())
    if q.encoder == "gaussian":
        information = aggregate_information(q.loc, q.log_scale, generator)
    else:
        information = rate  # exact for echo noise
    d_mean = float(d.mean())
    return {
        "distortion": d_mean,
        "rate": rate,
        "elbo": -(d_mean + rate),
        "information": information,
        "active_units": active_units(expected_codes(q)),
    }
