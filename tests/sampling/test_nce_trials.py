"""NCE samplers fitted at once: trial k of the stacked fit is NceSampler.fit alone from the same
generator (weights, bound, samples), a stopped fit resumes to the bit, bad input is one line."""

import pytest
import torch

from minimaxlab.data.toy2d import draw_points
from minimaxlab.errors import MinimaxlabError
from minimaxlab.interrupt import TrainingInterrupted
from minimaxlab.runs import Run
from minimaxlab.sampling.nce import NceConfig, NceSampler, initial_classifier
from minimaxlab.sampling.nce_trials import NceTrials
from tests.helpers import StopAt

# bound_samples not a multiple of proposal_batch, and a proposal batch that takes several
# rounds of rejection for 150 samples: the remainder chunk and trials that finish apart
TINY = NceConfig(
    hidden=[8, 8],
    fourier_features=4,
    steps=150,
    batch_size=32,
    bound_samples=700,
    proposal_batch=64,
)
DATA = draw_points("pacgan-ring8", 0, 300, 1)[1]
SEEDS = [11, 12, 13]
N = 150


def draws(seeds=SEEDS):
    return [torch.Generator().manual_seed(seed) for seed in seeds]


def fit_trials(folder, generators, **options):
    folder.mkdir()
    return NceTrials.fit(DATA, TINY, generators, Run(folder), **options)


def close(actual, expected):
    torch.testing.assert_close(actual, expected, rtol=1e-5, atol=1e-6)


@pytest.fixture(scope="module")
def straight(tmp_path_factory):
    """(trials, samples, stats, records) of one uninterrupted stacked fit."""
    folder = tmp_path_factory.mktemp("nce-trials") / "straight"
    generators = draws()
    trials = fit_trials(folder, generators, key="ring")
    samples, stats = trials.sample(N, generators)
    return trials, samples, stats, list(Run(folder).metrics())


@pytest.mark.parametrize("k", [0, len(SEEDS) - 1])
def test_trial_k_of_the_stacked_fit_is_the_sampler_fitted_alone(tmp_path, straight, k):
    trials, samples, stats, _ = straight
    g = torch.Generator().manual_seed(SEEDS[k])
    alone = NceSampler.fit(DATA, TINY, g, Run(tmp_path))
    expected, expected_stats = alone.sample(N, g)
    ours = trials.trial(k)
    for name, tensor in alone.classifier.state_dict().items():
        close(ours.classifier.state_dict()[name], tensor)
    close(torch.tensor(trials.log_bounds[k]), torch.tensor(alone.log_bound))
    assert samples.shape == (len(SEEDS), N, 2)
    close(samples[k], expected)
    assert (stats[k].proposals, stats[k].accepted) == (
        expected_stats.proposals,
        expected_stats.accepted,
    )
    # it trained away from its start, and the trials differ
    start = initial_classifier(TINY, torch.Generator().manual_seed(SEEDS[k]), DATA.device)
    assert not torch.allclose(start.net[-1][0].weight, ours.classifier.net[-1][0].weight)
    assert not torch.allclose(samples[0], samples[-1])


def test_the_trials_need_several_rounds_of_rejection_and_finish_apart(straight):
    _, _, stats, _ = straight
    assert all(s.proposals > TINY.proposal_batch for s in stats)  # several rounds each
    assert len({s.proposals for s in stats}) > 1  # some trial stopped drawing before another
    assert all(s.accepted >= N for s in stats)


def test_a_stopped_fit_resumes_to_the_same_trials(tmp_path, straight):
    trials, samples, stats, records = straight
    assert [r["step"] for r in records] == [100, 150]
    assert trials.final_loss == records[-1]["loss/ring"]
    folder = tmp_path / "stopped"
    options = {"key": "ring", "checkpoint": "cells/nce/ring-checkpoint.pt"}
    with pytest.raises(TrainingInterrupted):
        fit_trials(folder, draws(), stop=StopAt(120), **options)
    saved = torch.load(folder / "cells/nce/ring-checkpoint.pt", weights_only=True)
    assert saved["step"] == 121
    torch.manual_seed(99)  # a new process: other global random states
    generators = draws()
    told = []
    resumed = NceTrials.fit(DATA, TINY, generators, Run(folder), on_record=told.append, **options)
    assert [r["step"] for r in told] == [150]  # only what the resumed fit recorded
    for name, tensor in trials.classifier.state_dict().items():
        assert torch.equal(resumed.classifier.state_dict()[name], tensor), name
    assert resumed.log_bounds == trials.log_bounds
    again, again_stats = resumed.sample(N, generators)
    assert torch.equal(again, samples)
    assert [s.as_dict() for s in again_stats] == [s.as_dict() for s in stats]
    assert resumed.final_loss == trials.final_loss
    assert list(Run(folder).metrics()) == records


def test_bad_input_is_one_line(tmp_path, straight):
    trials = straight[0]
    cases = [
        (lambda: NceTrials.fit(torch.zeros(5, 3), TINY, draws(), Run(tmp_path)), "2-D points"),
        (lambda: NceTrials.fit(torch.zeros(1, 2), TINY, draws(), Run(tmp_path)), "two 2-D"),
        (lambda: NceTrials.fit(DATA, TINY, [], Run(tmp_path)), "at least one trial, got none"),
        (lambda: trials.sample(5, draws()[:2]), "3 NCE trials need one generator each, got 2"),
    ]
    for call, message in cases:
        with pytest.raises(MinimaxlabError, match=message) as caught:
            call()
        assert "\n" not in str(caught.value)
    assert not (tmp_path / "checkpoint.pt").exists()  # refused before training
