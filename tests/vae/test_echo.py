"""Echo noise: the truncation keeps the bound it states, the recursion has the distribution
the fixed point says, and its rate −log|det S| is the exact I(x; z) of a linear-Gaussian case."""

import math

import pytest
import torch

from minimaxlab.vae.echo import (
    aggregate_echo_samples,
    echo_clip,
    echo_mean,
    echo_noise,
    echo_rate,
    echo_series,
    other_indices,
    truncation_remainder,
)


def test_the_clip_is_the_largest_that_keeps_the_remainder_below_the_bound():
    clip = echo_clip(depth=100, bound=1e-4)
    assert truncation_remainder(clip, 100) <= 1e-4 < truncation_remainder(clip + 1e-6, 100)
    assert 0.88 < clip < 0.9
    with pytest.raises(ValueError):
        echo_clip(depth=0, bound=1e-4)


def test_the_series_cut_at_its_depth_is_within_the_bound_of_a_much_deeper_one():
    depth, bound, n = 12, 1e-3, 50
    clip = echo_clip(depth, bound)
    g = torch.Generator().manual_seed(0)
    loc = torch.tanh(3 * torch.randn(n, 4, generator=g, dtype=torch.float64))
    # S as large as allowed for most units: the remainder is then near its bound
    log_scale = math.log(clip) + torch.nn.functional.logsigmoid(
        6 + torch.randn(n, 4, generator=g, dtype=torch.float64)
    )
    deep = other_indices(n, 20 * depth, g)  # the cut series is the start of the deep one
    gap = echo_series(loc, log_scale, deep) - echo_series(loc, log_scale, deep[:depth])
    assert gap.abs().max() <= bound
    assert gap.abs().max() > bound / 20  # a bound that is tight, not vacuous


def test_a_point_never_makes_its_own_noise():
    indices = other_indices(7, 30, torch.Generator().manual_seed(1))
    assert indices.shape == (30, 7)
    assert not (indices == torch.arange(7)).any()
    with pytest.raises(ValueError):
        other_indices(1, 3)


def linear_gaussian_echo(a, cov_x, s, iterations=500):
    """Σ_ε of ε = Σ_l (Π_{j<l} S) A x_l for constant S: the fixed point Σ = A Σx Aᵀ + S Σ S."""
    signal = a @ cov_x @ a.T
    cov = signal.clone()
    for _ in range(iterations):
        cov = signal + torch.diag(s) @ cov @ torch.diag(s)
    return cov


def test_the_echo_rate_is_the_exact_information_of_a_linear_gaussian_encoder():
    a = torch.tensor([[0.5, 0.2], [-0.1, 0.4]], dtype=torch.float64)
    cov_x = torch.diag(torch.tensor([1.0, 0.5], dtype=torch.float64))
    s = torch.tensor([0.6, 0.3], dtype=torch.float64)
    cov_noise = linear_gaussian_echo(a, cov_x, s)
    cov_z = a @ cov_x @ a.T + torch.diag(s) @ cov_noise @ torch.diag(s)
    assert torch.allclose(cov_z, cov_noise)  # z is distributed as its own noise
    # I(x; z) = h(z) − h(z|x) for Gaussians: ½ log det Cov z − ½ log det Cov(S ε)
    exact = 0.5 * torch.logdet(cov_z) - 0.5 * torch.logdet(
        torch.diag(s) @ cov_noise @ torch.diag(s)
    )
    log_scale = s.log().expand(3, 2)
    assert torch.allclose(echo_rate(log_scale), torch.full((3,), float(exact), dtype=torch.float64))

    # the recursion, run on samples of x, draws from that distribution
    g = torch.Generator().manual_seed(2)
    x = torch.randn(20000, 2, generator=g, dtype=torch.float64) @ cov_x.sqrt()
    loc = x @ a.T + torch.tensor([0.3, -0.2], dtype=torch.float64)  # a mean, for echo_mean
    bank_log_scale = s.log().expand(len(x), 2)
    samples = aggregate_echo_samples(loc, bank_log_scale, 20000, 60, g)
    assert torch.allclose(samples.T.cov(), cov_noise, atol=0.02)
    assert torch.allclose(samples.mean(0), echo_mean(loc, bank_log_scale), atol=0.02)


def test_batch_noise_is_the_series_over_other_points_of_the_batch():
    g = torch.Generator().manual_seed(3)
    loc, log_scale = torch.zeros(5, 2), torch.full((5, 2), math.log(0.5))
    loc[0] = 1.0  # only point 0 has f ≠ 0: its own noise must be 0
    noise = echo_noise(loc, log_scale, depth=40, generator=g)
    assert torch.equal(noise[0], torch.zeros(2))
    assert (noise[1:] > 0).all()
