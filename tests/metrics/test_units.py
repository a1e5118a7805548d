"""The dead-unit measure on a network built to have known dead units."""

import torch

from minimaxlab.metrics.units import (
    RevivedUnits,
    silent_units,
    unit_measures,
    unit_weight_gradients,
)
from minimaxlab.models.one_hidden import OneHiddenLayerNet


def built_network(activation):
    """Inputs are ≥ 0. Unit 0 is alive everywhere, unit 1 is dead (negative weights and bias),
    unit 2 is exactly 0 everywhere (dead: ≤ 0 counts), unit 3 fires on one example only
    (alive), unit 4 is dead by its bias alone."""
    net = OneHiddenLayerNet(2, 5, 3, activation)
    with torch.no_grad():
        net.hidden.weight.copy_(
            torch.tensor([[1.0, 1.0], [-1.0, -0.5], [0.0, 0.0], [1.0, 0.0], [0.5, 0.5]])
        )
        net.hidden.bias.copy_(torch.tensor([0.1, -0.1, 0.0, -2.5, -10.0]))
        net.output.weight.copy_(torch.arange(15.0).view(3, 5) / 10 - 0.7)
        net.output.bias.zero_()
    return net


X = torch.tensor([[0.0, 1.0], [1.0, 2.0], [3.0, 0.0], [2.0, 2.0]])
Y = torch.tensor([0, 1, 2, 1])
DEAD = torch.tensor([False, True, True, False, True])


def test_dead_units_are_those_never_above_zero():
    net = built_network("relu")
    assert torch.equal(silent_units(net, X), DEAD)
    # chunking the examples does not change the answer
    assert torch.equal(silent_units(net, X, chunk=1), DEAD)
    # without the one example that wakes unit 3, it is dead too
    assert torch.equal(silent_units(net, X[[0, 1, 3]]), DEAD | torch.tensor([0, 0, 0, 1, 0]).bool())


def test_dead_relu_units_get_no_gradient_and_silent_elu_units_do():
    relu = unit_weight_gradients(built_network("relu"), X, Y)
    assert (relu[DEAD] == 0).all() and (relu[~DEAD] > 0).all()
    elu = unit_weight_gradients(built_network("elu"), X, Y)
    # unit 2 has zero weights and inputs fixed, but its gradient is eᵃ·x_j·(∂L/∂h) ≠ 0
    assert (elu[[1, 4]] > 0).all() and elu[2] > 0


def test_an_sgd_step_leaves_dead_relu_units_where_they_are():
    net = built_network("relu")
    before = net.hidden.weight.detach().clone(), net.hidden.bias.detach().clone()
    optimizer = torch.optim.SGD(net.parameters(), lr=0.5)
    for rows in ([0, 1], [2, 3]):
        optimizer.zero_grad()
        torch.nn.functional.cross_entropy(net(X[rows]), Y[rows]).backward()
        optimizer.step()
    assert torch.equal(net.hidden.weight[DEAD], before[0][DEAD])
    assert torch.equal(net.hidden.bias[DEAD], before[1][DEAD])
    assert not torch.equal(net.hidden.weight[~DEAD], before[0][~DEAD])


def test_revived_units_are_those_silent_once_and_active_later():
    revived = RevivedUnits(4)
    masks = [[1, 1, 0, 0], [0, 1, 0, 1], [1, 1, 0, 0], [1, 0, 0, 0]]
    counts = [int(revived.update(torch.tensor(m).bool())) for m in masks]
    # unit 0 revives at the second measurement, unit 3 at the third, unit 1 at the fourth
    assert counts == [0, 1, 2, 3]
    restored = RevivedUnits(4)
    restored.load_state_dict(revived.state_dict())  # a checkpoint holds the masks
    assert int(restored.update(torch.tensor([0, 0, 0, 0]).bool())) == 3
    assert torch.equal(restored.ever_silent, torch.tensor([1, 1, 0, 1]).bool())


def test_unit_measures_of_the_built_network():
    net = built_network("relu")
    measures = unit_measures(net, RevivedUnits(5), (X, Y), (X[:2], Y[:2]))
    assert measures["dead_fraction"] == 3 / 5 and measures["revived_units"] == 0
    assert measures["silent_unit_gradient"] == 0  # dead ReLU units get no gradient
    assert measures["train_loss"] == torch.nn.functional.cross_entropy(net(X), Y)
    assert measures["test_accuracy"] == (net(X[:2]).argmax(1) == Y[:2]).float().mean()
    assert all(value.dim() == 0 for value in measures.values())
    with torch.no_grad():
        net.hidden.bias.fill_(10.0)  # every unit fires on every example
    assert "silent_unit_gradient" not in unit_measures(net, RevivedUnits(5), (X, Y), (X, Y))
