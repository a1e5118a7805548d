"""Echo noise (Brekelmans et al. 2019, "Exact Rate-Distortion in Autoencoders via Echo Noise").

An echo encoder outputs f(x) with |f| ≤ 1 (a tanh) and a diagonal S(x) with entries in
(0, r], r < 1, and encodes z = f(x) + S(x)·ε, where the noise is built from other data points:

    ε = f(x₁) + S(x₁)(f(x₂) + S(x₂)(f(x₃) + …)) = Σ_{l≥1} (Π_{j<l} S(x_j)) f(x_l),

x₁, x₂, … drawn independently from the data. ε then has the distribution of z itself, so
I(x; z) = h(z) − h(z | x) = h(z) − h(ε) − E log|det S(x)| = −E_x log|det S(x)|, exactly.

Truncation: the terms after the first ``depth`` are each at most r^(l−1) in size, so cutting
the series there leaves a remainder of at most r^depth / (1 − r) per coordinate. Given a depth
and a bound for that remainder, :func:`echo_clip` gives the largest r that keeps it (the
paper's Appendix C), and the encoder's S is scaled into (0, r).
"""

from __future__ import annotations

import torch

BISECTIONS = 60  # halvings of (0, 1) when solving for r: far below float precision
CHUNK = 1024  # points whose noise is summed at once


def truncation_remainder(clip: float, depth: int) -> float:
    """The largest size of the terms after the first ``depth``: r^depth / (1 − r), |f| ≤ 1."""
    return clip**depth / (1.0 - clip)


def echo_clip(depth: int, bound: float) -> float:
    """The largest r in (0, 1) with r^depth / (1 − r) ≤ ``bound`` (the remainder grows with r)."""
    if depth < 1 or not 0 < bound < 1:
        raise ValueError(f"need depth ≥ 1 and a bound in (0, 1) (got {depth}, {bound})")
    low, high = 0.0, 1.0
    for _ in range(BISECTIONS):
        middle = (low + high) / 2
        low, high = (
            (middle, high) if truncation_remainder(middle, depth) <= bound else (low, middle)
        )
    return low


def other_indices(n: int, depth: int, generator: torch.Generator | None = None) -> torch.Tensor:
    """depth × n indices: column i holds ``depth`` draws from range(n) without i (with
    replacement), the other data points whose echoes make point i's noise."""
    if n < 2:
        raise ValueError("echo noise needs at least two data points in a batch")
    shifts = torch.randint(1, n, (depth, n), generator=generator)
    return (torch.arange(n) + shifts) % n


def echo_series(loc: torch.Tensor, log_scale: torch.Tensor, indices: torch.Tensor) -> torch.Tensor:
    """Σ_l (Π_{j<l} S(x_j)) f(x_l) over the rows of ``indices`` (depth × m, into the n points
    whose f = ``loc`` and log S = ``log_scale`` are n × k): m echo noises, m × k."""
    indices = indices.to(loc.device)
    f, log_s = loc[indices], log_scale[indices]  # depth × m × k
    # Π_{j<l} S(x_j) as the exponential of an exclusive cumulative sum of the log-scales
    weights = torch.exp(torch.cumsum(log_s, dim=0) - log_s)
    return (weights * f).sum(dim=0)


def echo_noise(
    loc: torch.Tensor,
    log_scale: torch.Tensor,
    depth: int,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """One echo noise per point of the batch, each from the batch's other points (the series
    in chunks of points: a large set would need a depth × n × k tensor at once)."""
    indices = other_indices(len(loc), depth, generator)
    return torch.cat([echo_series(loc, log_scale, part) for part in indices.split(CHUNK, dim=1)])


def aggregate_echo_samples(
    loc: torch.Tensor,
    log_scale: torch.Tensor,
    n: int,
    depth: int,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """``n`` draws of the aggregate posterior q(z) = E_x q(z|x) of an echo encoder whose
    outputs on a data set are ``loc`` and ``log_scale``: z is distributed as ε, so each draw is
    the series over points drawn from that set."""
    indices = torch.randint(0, len(loc), (depth, n), generator=generator)
    return echo_series(loc, log_scale, indices)


def echo_mean(loc: torch.Tensor, log_scale: torch.Tensor) -> torch.Tensor:
    """E[ε] over the data set: m = E f + E S · m (x₁ is independent of the rest of the
    series), so m = E f / (1 − E S), coordinate by coordinate."""
    return loc.mean(0) / (1.0 - log_scale.exp().mean(0))


def echo_rate(log_scale: torch.Tensor) -> torch.Tensor:
    """I(x; z) = −log|det S(x)| = −Σ_k log S_k(x), one per point (nats)."""
    return -log_scale.sum(dim=1)
