import math

import torch
import torch.nn.functional as F

from minimaxlab.vae.likelihood import distortion


def test_the_bernoulli_distortion_is_the_summed_cross_entropy_in_nats():
    logits = torch.tensor([[[[0.0, 2.0], [-1.0, 0.5]]]])
    images = torch.tensor([[[[0.0, 1.0], [0.5, 1.0]]]])
    p = torch.sigmoid(logits)
    expected = -(images * p.log() + (1 - images) * (1 - p).log()).sum()
    assert torch.allclose(distortion(logits, images, "bernoulli"), expected.reshape(1))


def test_the_gaussian_distortion_is_the_squared_error_plus_the_density_constant():
    logits, images = torch.zeros(2, 1, 3, 3), torch.full((2, 1, 3, 3), 0.7)
    sigma = 0.2
    d = distortion(logits, images, "gaussian", sigma)
    expected = 9 * ((0.7 - 0.5) ** 2 / (2 * sigma**2) + 0.5 * math.log(2 * math.pi * sigma**2))
    assert torch.allclose(d, torch.full((2,), expected))
    # the same as the negative log density of a Normal of that σ, so D is in nats
    normal = torch.distributions.Normal(torch.sigmoid(logits), sigma)
    assert torch.allclose(d, -normal.log_prob(images).flatten(1).sum(1))
    assert not torch.allclose(d, F.mse_loss(torch.sigmoid(logits), images))
