"""The two posteriors: the Gaussian KL in closed form against Monte Carlo, and each encoder's
squashing, sampling and rate."""

import math

import torch

from minimaxlab.vae.posterior import gaussian_kl, gaussian_log_density, posterior


def test_the_gaussian_kl_in_closed_form_agrees_with_a_monte_carlo_estimate():
    g = torch.Generator().manual_seed(0)
    mean = torch.tensor([[0.5, -1.0, 2.0], [0.0, 0.3, -0.2]], dtype=torch.float64)
    log_scale = torch.tensor([[-0.5, 0.2, -1.0], [0.4, -0.3, 0.0]], dtype=torch.float64)
    z = mean + log_scale.exp() * torch.randn(200_000, *mean.shape, generator=g, dtype=mean.dtype)
    prior = gaussian_log_density(z, torch.zeros_like(mean), torch.zeros_like(mean))
    monte_carlo = (gaussian_log_density(z, mean, log_scale) - prior).mean(0)
    closed = gaussian_kl(mean, log_scale)
    assert torch.allclose(monte_carlo, closed, atol=0.02), (monte_carlo, closed)
    assert torch.allclose(gaussian_kl(torch.zeros(1, 3), torch.zeros(1, 3)), torch.zeros(1))


def test_the_gaussian_density_is_normalised_and_matches_torch():
    z, mean, log_scale = (
        torch.tensor([[0.3, -1.2]]),
        torch.tensor([[0.1, 0.0]]),
        torch.tensor([[-0.2, 0.5]]),
    )
    expected = torch.distributions.Normal(mean, log_scale.exp()).log_prob(z).sum(-1)
    assert torch.allclose(gaussian_log_density(z, mean, log_scale), expected)


def test_each_encoder_squashes_its_heads_samples_and_states_its_rate():
    g = torch.Generator().manual_seed(1)
    heads = (3 * torch.randn(6, 4, generator=g), 3 * torch.randn(6, 4, generator=g))
    gaussian = posterior("gaussian", heads)
    assert torch.equal(gaussian.loc, heads[0]) and torch.equal(gaussian.log_scale, heads[1])
    assert torch.allclose(gaussian.rate(), gaussian_kl(*heads))
    echo = posterior("echo", heads, clip=0.8, depth=10)
    assert echo.loc.abs().max() < 1 and (echo.log_scale < math.log(0.8)).all()
    assert torch.allclose(echo.rate(), -echo.log_scale.sum(1))
    for q in (gaussian, echo):
        first = q.sample(torch.Generator().manual_seed(2))
        assert first.shape == (6, 4)
        assert torch.equal(first, q.sample(torch.Generator().manual_seed(2)))
        assert not torch.equal(first, q.sample(torch.Generator().manual_seed(3)))
