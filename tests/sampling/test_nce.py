import torch
from torch import nn

from minimaxlab.metrics.toy import energy_distance
from minimaxlab.sampling.nce import GaussianNoise, NceConfig, NceSampler

MEAN = torch.tensor([1.0, 0.5])
STD = 0.5  # data N(MEAN, STD² I) against noise N(0, I): the log ratio in closed form


def true_log_ratio(x: torch.Tensor) -> torch.Tensor:
    log_data = -((x - MEAN) ** 2).sum(1) / (2 * STD**2) - 2 * torch.log(torch.tensor(STD))
    log_noise = -(x**2).sum(1) / 2
    return log_data - log_noise


class ExactRatio(nn.Module):
    def forward(self, x):
        return true_log_ratio(x)


def test_rejection_with_the_true_ratio_draws_from_the_data():
    config = NceConfig(bound_samples=200_000, proposal_batch=100_000)
    sampler = NceSampler(ExactRatio(), GaussianNoise.standard(), config)
    g = torch.Generator().manual_seed(0)
    points, stats = sampler.sample(4000, g)
    assert points.shape == (4000, 2)
    assert torch.allclose(points.mean(0), MEAN, atol=0.03)
    assert torch.allclose(points.std(0), torch.full((2,), STD), atol=0.03)
    # the acceptance rate of exact rejection sampling is 1/M
    assert abs(stats.acceptance_rate * stats.as_dict()["bound_M"] - 1) < 0.1


def test_a_trained_classifier_learns_the_ratio_and_its_samples_follow_the_data():
    g = torch.Generator().manual_seed(1)
    data = MEAN + STD * torch.randn(4000, 2, generator=g)
    config = NceConfig(
        noise="standard",
        hidden=[32, 32],
        steps=600,
        batch_size=256,
        bound_samples=100_000,
        proposal_batch=50_000,
    )
    sampler = NceSampler.fit(data, config, g)
    probe = MEAN + STD * torch.randn(500, 2, generator=g)  # where the data lives
    error = (sampler.log_ratio(probe) - true_log_ratio(probe)).abs().median()
    assert error < 0.3
    points, _ = sampler.sample(2000, g)
    fresh = MEAN + STD * torch.randn(2000, 2, generator=g)
    noise = torch.randn(2000, 2, generator=g)
    # accepted points are much nearer the data than the noise they were drawn from
    assert energy_distance(points, fresh) < 0.05 * energy_distance(noise, fresh)
    assert torch.allclose(points.mean(0), MEAN, atol=0.08)


def test_fitted_noise_is_the_datas_gaussian():
    g = torch.Generator().manual_seed(2)
    data = torch.tensor([3.0, -1.0]) + torch.randn(20_000, 2, generator=g) @ torch.tensor(
        [[2.0, 0.0], [0.5, 0.3]]
    )
    noise = GaussianNoise.fitted(data)
    draws = noise.sample(20_000, g)
    assert torch.allclose(draws.mean(0), data.mean(0), atol=0.05)
    assert torch.allclose(torch.cov(draws.T), torch.cov(data.T), atol=0.1)


def test_fit_and_sample_follow_the_seed():
    data = torch.randn(300, 2, generator=torch.Generator().manual_seed(3))
    config = NceConfig(hidden=[8], steps=20, batch_size=32, bound_samples=5000, proposal_batch=5000)
    runs = []
    for _ in range(2):
        g = torch.Generator().manual_seed(4)
        runs.append(NceSampler.fit(data, config, g).sample(50, g)[0])
    assert torch.equal(runs[0], runs[1])
