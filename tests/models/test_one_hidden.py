"""The derivatives of ReLU and ELU units, and of a hidden unit by its weights, against autograd."""

import pytest
import torch
import torch.nn.functional as F

from minimaxlab.models.one_hidden import (
    OneHiddenLayerNet,
    activation_derivative,
    hidden_weight_jacobian,
)
from minimaxlab.reproducibility import seeded_generator

ACTIVATIONS = {"relu": F.relu, "elu": F.elu}


@pytest.mark.parametrize("name", ["relu", "elu"])
def test_activation_derivatives_match_autograd_including_zero(name):
    a = torch.tensor([-5.0, -1.0, -1e-3, 0.0, 1e-3, 2.0], dtype=torch.float64, requires_grad=True)
    (autograd,) = torch.autograd.grad(ACTIVATIONS[name](a).sum(), a)
    torch.testing.assert_close(activation_derivative(name, a.detach()), autograd, rtol=0, atol=0)


def test_elu_passes_gradient_where_relu_passes_none():
    a = torch.linspace(-8, -0.1, 50)
    assert (activation_derivative("relu", a) == 0).all()
    assert (activation_derivative("elu", a) > 0).all()
    torch.testing.assert_close(activation_derivative("elu", a), torch.exp(a))


@pytest.mark.parametrize("name", ["relu", "elu"])
def test_hidden_unit_derivative_by_its_weights_matches_autograd(name):
    generator = seeded_generator(0, "cpu")
    weight = torch.randn(5, 3, generator=generator, dtype=torch.float64)
    bias = torch.randn(5, generator=generator, dtype=torch.float64)
    x = torch.randn(3, generator=generator, dtype=torch.float64)
    autograd = torch.autograd.functional.jacobian(lambda w: ACTIVATIONS[name](w @ x + bias), weight)
    analytic = hidden_weight_jacobian(name, weight, bias, x)
    assert analytic.shape == (5, 5, 3)
    torch.testing.assert_close(analytic, autograd, rtol=0, atol=1e-15)
    a = weight @ x + bias
    assert (a < 0).any() and (a > 0).any()  # both branches were exercised
    off_diagonal = ~torch.eye(5, dtype=torch.bool)
    assert (analytic[off_diagonal] == 0).all()  # a unit depends on its own weights only


def test_network_initialisation_sets_every_hidden_bias():
    net = OneHiddenLayerNet(64, 20, 10, "relu")
    net.reset_parameters(-2.0, seeded_generator(0, "cpu"))
    assert torch.equal(net.hidden.bias, torch.full((20,), -2.0))
    assert net.hidden.weight.abs().max() <= (6 / 64) ** 0.5
    assert torch.equal(net.output.bias, torch.zeros(10))
    with pytest.raises(ValueError, match="activation must be one of"):
        OneHiddenLayerNet(4, 3, 2, "tanh")


def test_parameter_count_at_the_dying_relu_sizes():
    # configs/dying-relu.yaml: digits' 64 pixels, 100 hidden units, 10 classes
    model = OneHiddenLayerNet(64, 100, 10, "relu")
    assert sum(p.numel() for p in model.parameters()) == (64 + 1) * 100 + (100 + 1) * 10 == 7_510
