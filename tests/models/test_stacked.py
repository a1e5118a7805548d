"""Stacked networks: trial t of the stack computes what model t computes, forward and backward,
and gives model t back (the NCE sampler's Fourier-feature classifier too); the PacGAN paper's
G and D have the sizes it states."""

import pytest
import torch
from torch import nn

from minimaxlab.models.stacked import (
    Maxout,
    StackedPointClassifier,
    maxout_discriminator,
    relu_generator,
    stack,
    trials_of,
    unstack,
)
from minimaxlab.models.toy import PointClassifier


def models_from_seeds(build, seeds):
    models = []
    for seed in seeds:
        torch.manual_seed(seed)
        models.append(build())
    return models


@pytest.mark.parametrize(
    "build,inputs",
    [
        (lambda: relu_generator(2, [16, 16]), 2),
        (lambda: maxout_discriminator(6, width=8, layers=2, pieces=3), 6),
    ],
)
def test_trial_t_of_a_stack_computes_model_t_forward_and_backward(build, inputs):
    models = models_from_seeds(build, [1, 2, 3])
    stacked = stack(models)
    x = torch.randn(3, 5, inputs, generator=torch.Generator().manual_seed(0))
    out = stacked(x)
    for t, model in enumerate(models):
        torch.testing.assert_close(out[t], model(x[t]))
    # the gradient of the summed outputs reaches trial t's weights as model t's own gradient
    out.sum().backward()
    for t, model in enumerate(models):
        model(x[t]).sum().backward()
        first = model[0]
        torch.testing.assert_close(stacked[0].weight.grad[t], first.weight.grad.T)
        torch.testing.assert_close(stacked[0].bias.grad[t, 0], first.bias.grad)


def test_unstack_gives_each_model_back():
    models = models_from_seeds(lambda: relu_generator(2, [4]), [5, 6])
    stacked = stack(models)
    assert trials_of(stacked) == 2
    for t, model in enumerate(models):
        back = unstack(stacked, t)
        for mine, theirs in zip(
            back.state_dict().values(), model.state_dict().values(), strict=True
        ):
            assert torch.equal(mine, theirs)


def test_stacking_copies_the_weights():
    models = models_from_seeds(lambda: relu_generator(2, [4]), [5, 6])
    stacked = stack(models)
    with torch.no_grad():
        stacked[0].weight.zero_()
    assert models[0][0].weight.abs().sum() > 0


def test_maxout_takes_the_maximum_of_each_group():
    x = torch.tensor([[1.0, 5.0, 2.0, -1.0, -3.0, -2.0]])
    assert torch.equal(Maxout(3)(x), torch.tensor([[5.0, -1.0]]))
    assert Maxout(3)(x.expand(4, 2, 6)).shape == (4, 2, 2)  # leading axes pass through


def test_the_papers_models_have_the_stated_sizes():
    # shared/SPEC.md mode-bench: G four hidden ReLU layers of 400; D three maxout layers of
    # 200 units × 5 pieces, here on PacGAN4's 4 points × 2 coordinates.
    generator = relu_generator()
    assert [m.out_features for m in generator if isinstance(m, nn.Linear)] == [400] * 4 + [2]
    discriminator = maxout_discriminator(8)
    linears = [m for m in discriminator if isinstance(m, nn.Linear)]
    assert [(m.in_features, m.out_features) for m in linears] == [
        (8, 1000),
        (200, 1000),
        (200, 1000),
        (200, 1),
    ]
    assert discriminator(torch.zeros(7, 8)).shape == (7, 1)


def test_only_linear_layers_may_carry_weights():
    with pytest.raises(TypeError, match="BatchNorm1d"):
        stack([nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2))] * 2)


@pytest.mark.parametrize("features", [0, 3])
def test_a_stacked_point_classifier_is_each_classifier_and_gives_it_back(features):
    classifiers = models_from_seeds(lambda: PointClassifier([6, 5], features, 0.7), [1, 2, 3])
    stacked = StackedPointClassifier.of(classifiers)
    x = torch.randn(3, 9, 2, generator=torch.Generator().manual_seed(0))
    out = stacked(x)
    assert out.shape == (3, 9)
    for t, classifier in enumerate(classifiers):
        torch.testing.assert_close(out[t], classifier(x[t]))
        state = torch.get_rng_state()
        back = stacked.trial(t)
        assert torch.equal(torch.get_rng_state(), state)  # the global RNG is left alone
        for name, tensor in classifier.state_dict().items():
            assert torch.equal(back.state_dict()[name], tensor), name
    # a selection of the trials computes those trials
    torch.testing.assert_close(stacked.select([2, 0])(x[[2, 0]]), out[[2, 0]])
