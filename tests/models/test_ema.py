"""The moving average of G's weights: the exact update, its start, which model answers, and
the batch-norm statistics the average measures on its own activations."""

import pytest
import torch

from minimaxlab.generative import SamplesFromNoise
from minimaxlab.models import ema
from minimaxlab.models.cgan import ConditionalGenerator
from minimaxlab.models.ema import AveragedGenerator


def averaged(decay=0.9, start=0):
    torch.manual_seed(0)
    trained = ConditionalGenerator(latent_dim=4, num_classes=2, embedding_dim=2, channels=2)
    return AveragedGenerator(trained, decay, start)


def nudge(model):
    with torch.no_grad():
        for p in model.trained.parameters():
            p.add_(torch.randn_like(p))


def test_weights_follow_the_moving_average_exactly():
    model = averaged(decay=0.9)
    nudge(model)
    before = [p.clone() for p in model.average.parameters()]
    trained = [p.clone() for p in model.trained.parameters()]
    model.update()
    for w, old, w_g in zip(model.average.parameters(), before, trained, strict=True):
        assert torch.equal(w, old * 0.9 + w_g * (1 - 0.9))
    assert int(model.updates) == 1


def test_before_start_the_average_copies_and_buffers_are_always_copied():
    model = averaged(decay=0.9, start=2)
    model.train()
    model(torch.randn(4, 4), torch.tensor([0, 1, 0, 1]))  # moves batch-norm and SN buffers
    nudge(model)
    model.update()
    for w, w_g in zip(model.average.parameters(), model.trained.parameters(), strict=True):
        assert torch.equal(w, w_g)
    for b, b_g in zip(model.average.buffers(), model.trained.buffers(), strict=True):
        assert torch.equal(b, b_g)
    model.update()
    nudge(model)
    model.update()  # the third update is past the start: an average, no longer a copy
    assert not torch.equal(next(model.average.parameters()), next(model.trained.parameters()))


def test_training_mode_calls_the_trained_model_and_eval_mode_the_average():
    model = averaged()
    nudge(model)
    codes, labels = torch.randn(2, 4), torch.tensor([0, 1])
    model.eval()
    with torch.no_grad():
        assert torch.equal(model(codes, labels), model.average(codes, labels))
        model.train()
        assert model.average.training is False  # stays in eval mode
        trained = model(codes, labels)
        model.trained.eval()
        assert not torch.equal(model.trained(codes, labels), model.average(codes, labels))
    assert trained.requires_grad is False
    assert all(not p.requires_grad for p in model.average.parameters())
    draws = torch.Generator().manual_seed(0)
    sample = model.sample(2, labels=labels, generator=draws)
    assert torch.equal(sample, model.average.sample(2, labels, torch.Generator().manual_seed(0)))


def test_the_state_dict_holds_both_and_a_decay_out_of_range_is_refused():
    keys = averaged().state_dict().keys()
    assert any(k.startswith("trained.") for k in keys) and any(
        k.startswith("average.") for k in keys
    )
    assert "updates" in keys
    with pytest.raises(ValueError, match="decay"):
        averaged(decay=1.0)


class NormedGenerator(SamplesFromNoise, torch.nn.Module):
    """z → Linear → BatchNorm1d → tanh: the smallest G whose average needs its own statistics."""

    latent_dim = 3

    def __init__(self):
        super().__init__()
        self.linear = torch.nn.Linear(3, 5)
        self.norm = torch.nn.BatchNorm1d(5)

    def forward(self, z):
        return torch.tanh(self.norm(self.linear(z)))


def normed_average():
    torch.manual_seed(0)
    model = AveragedGenerator(NormedGenerator(), decay=0.5)
    model.train()
    model(torch.randn(8, 3) * 4 + 2)  # the trained G's running statistics: other activations
    nudge(model)
    model.update()
    return model


def measured_calls(model):
    calls = []
    model.average.norm.register_forward_hook(lambda module, inputs, output: calls.append(1))
    return calls


def test_the_average_measures_its_own_batch_norm_statistics_before_it_draws():
    model = normed_average()
    assert torch.equal(model.average.norm.running_mean, model.trained.norm.running_mean)
    rng = torch.get_rng_state()
    model.eval()
    with torch.no_grad():
        model(torch.randn(2, 3))
    codes = torch.randn(ema.STATISTICS_SAMPLES, 3, generator=torch.Generator().manual_seed(0))
    batches = [model.average.linear(c).detach() for c in codes.split(ema.STATISTICS_BATCH)]
    mean = torch.stack([b.mean(0) for b in batches]).mean(0)
    var = torch.stack([b.var(0) for b in batches]).mean(0)  # unbiased, as batch norm keeps it
    assert torch.allclose(model.average.norm.running_mean, mean, atol=1e-6)
    assert torch.allclose(model.average.norm.running_var, var, atol=1e-5)
    assert not torch.allclose(model.average.norm.running_mean, model.trained.norm.running_mean)
    assert model.average.norm.momentum == 0.1 and not model.average.norm.training
    draws = torch.get_rng_state()
    torch.set_rng_state(rng)
    torch.randn(2, 3)
    assert torch.equal(torch.get_rng_state(), draws)  # the measurement drew nothing globally


def test_statistics_are_measured_once_per_change_of_the_weights():
    model = normed_average()
    calls = measured_calls(model)
    model.eval()
    with torch.no_grad():
        model(torch.randn(2, 3))
        model.sample(2)
    measuring = ema.STATISTICS_SAMPLES // ema.STATISTICS_BATCH
    assert len(calls) == measuring + 2
    model.update()
    model.sample(2)
    assert len(calls) == 2 * measuring + 3
    before = model.average.norm.running_mean.clone()
    model.load_state_dict(model.state_dict())  # a checkpoint may hold the trained G's
    model.sample(2)
    assert len(calls) == 3 * measuring + 4
    assert torch.equal(model.average.norm.running_mean, before)  # a function of the weights
