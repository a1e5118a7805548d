"""The generative-run contract: codes drawn on the CPU, the unconditional mixin."""

import pytest
import torch
from torch import nn

from minimaxlab.generative import GenerativeModel, SamplesFromNoise, draw_codes


class Tiny(SamplesFromNoise, nn.Module):
    latent_dim = 3

    def __init__(self) -> None:
        super().__init__()
        self.linear = nn.Linear(3, 4)

    def forward(self, codes, labels=None):
        return torch.tanh(self.linear(codes))


def test_an_unconditional_generator_follows_the_protocol():
    model = Tiny()
    assert isinstance(model, GenerativeModel) and model.num_classes is None
    assert not isinstance(nn.Linear(2, 2), GenerativeModel)


def test_codes_and_samples_follow_the_seed_and_not_the_batching():
    model = Tiny()
    codes = draw_codes(model, 5, torch.Generator().manual_seed(4))
    assert torch.equal(codes, torch.randn(5, 3, generator=torch.Generator().manual_seed(4)))
    samples = model.sample(5, generator=torch.Generator().manual_seed(4))
    assert samples.shape == (5, 4) and torch.equal(samples, model(codes))
    assert not samples.requires_grad


def test_an_unconditional_generator_refuses_labels():
    with pytest.raises(ValueError, match="no class labels"):
        Tiny().sample(2, labels=torch.zeros(2, dtype=torch.long))


def test_truncated_codes_stay_inside_the_threshold_and_follow_the_seed():
    from minimaxlab.errors import MinimaxlabError
    from minimaxlab.generative import truncated_normal

    codes = truncated_normal((500, 8), 0.5, torch.Generator().manual_seed(3))
    assert codes.abs().max() <= 0.5 and codes.std() > 0.2
    again = truncated_normal((500, 8), 0.5, torch.Generator().manual_seed(3))
    assert torch.equal(codes, again)
    plain = truncated_normal((500, 8), None, torch.Generator().manual_seed(3))
    assert plain.abs().max() > 2
    with pytest.raises(MinimaxlabError, match="truncation"):
        truncated_normal((2, 2), 0.0)
