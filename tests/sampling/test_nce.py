import pytest
import torch
from torch import nn

from minimaxlab.errors import MinimaxlabError
from minimaxlab.interrupt import TrainingInterrupted
from minimaxlab.metrics.toy import energy_distance
from minimaxlab.runs import Run
from minimaxlab.sampling.nce import GaussianNoise, NceConfig, NceSampler
from tests.helpers import StopAt

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


def test_a_trained_classifier_learns_the_ratio_and_its_samples_follow_the_data(tmp_path):
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
    sampler = NceSampler.fit(data, config, g, Run(tmp_path))
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


TINY = NceConfig(hidden=[8], steps=250, batch_size=32, bound_samples=5000, proposal_batch=5000)
DATA = torch.randn(300, 2, generator=torch.Generator().manual_seed(3))


def test_fit_and_sample_follow_the_seed(tmp_path):
    runs = []
    for folder in ("a", "b"):
        g = torch.Generator().manual_seed(4)
        (tmp_path / folder).mkdir()
        runs.append(NceSampler.fit(DATA, TINY, g, Run(tmp_path / folder)).sample(50, g)[0])
    assert torch.equal(runs[0], runs[1])


def test_a_stopped_fit_resumes_to_the_same_sampler_and_records_its_loss(tmp_path):
    g = torch.Generator().manual_seed(4)
    straight = NceSampler.fit(DATA, TINY, g, Run(tmp_path), key="moons")
    expected = straight.sample(50, g)[0]
    # the mean loss every 100 steps and of the last, short window, as the setting's line
    records = list(Run(tmp_path).metrics())
    assert [r["step"] for r in records] == [100, 200, 250]
    assert straight.final_loss == records[-1]["loss/moons"]

    stopped = Run(tmp_path / "stopped")
    stopped.path.mkdir()
    options = {"key": "moons", "checkpoint": "nce/moons-checkpoint.pt"}
    with pytest.raises(TrainingInterrupted):
        NceSampler.fit(
            DATA, TINY, torch.Generator().manual_seed(4), stopped, stop=StopAt(130), **options
        )
    torch.manual_seed(99)  # a new process: other global random states
    g = torch.Generator().manual_seed(4)
    told = []
    resumed = NceSampler.fit(DATA, TINY, g, stopped, on_record=told.append, **options)
    assert [r["step"] for r in told] == [200, 250]  # only what the resumed fit recorded
    assert torch.equal(resumed.sample(50, g)[0], expected)
    assert resumed.final_loss == straight.final_loss
    assert list(stopped.metrics()) == records


def test_fit_refuses_what_is_not_a_set_of_2d_points(tmp_path):
    with pytest.raises(MinimaxlabError, match="at least two 2-D points"):
        NceSampler.fit(torch.zeros(5, 3), TINY, torch.Generator(), Run(tmp_path))
