"""Dead hidden units (dying-relu): a unit is dead when its pre-activation is ≤ 0 for every
training example, so a ReLU unit gets zero gradient from every minibatch and never recovers."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from minimaxlab.models.one_hidden import OneHiddenLayerNet

Examples = tuple[torch.Tensor, torch.Tensor]  # inputs N×D, labels N


@torch.no_grad()
def silent_units(net: OneHiddenLayerNet, x: torch.Tensor, chunk: int = 4096) -> torch.Tensor:
    """A boolean mask over hidden units: pre-activation ≤ 0 on every row of ``x``. For ReLU
    units these are the dead ones; ELU units are measured the same way."""
    silent = torch.ones(net.hidden.out_features, dtype=torch.bool, device=x.device)
    for start in range(0, x.shape[0], chunk):
        silent &= (net.pre_activations(x[start : start + chunk]) <= 0).all(dim=0)
    return silent


def unit_weight_gradients(
    net: OneHiddenLayerNet, x: torch.Tensor, labels: torch.Tensor
) -> torch.Tensor:
    """Mean |∂L/∂W_rj| over j for each hidden unit r, L the mean cross-entropy on (x, labels):
    the gradient a full batch of the training set would give each unit's weights."""
    net.zero_grad(set_to_none=True)
    F.cross_entropy(net(x), labels).backward()
    gradients = net.hidden.weight.grad.abs().mean(dim=1)
    net.zero_grad(set_to_none=True)
    return gradients


class RevivedUnits(nn.Module):
    """Which hidden units were silent at some measurement, and which of those were active at a
    later one. A module of two mask buffers (no parameters), so a training checkpoint holds
    them and a resumed run counts on from where it stopped."""

    def __init__(self, units: int) -> None:
        super().__init__()
        self.register_buffer("ever_silent", torch.zeros(units, dtype=torch.bool))
        self.register_buffer("revived", torch.zeros(units, dtype=torch.bool))

    def update(self, silent: torch.Tensor) -> torch.Tensor:
        """Take one measurement's silent mask; returns how many units have revived so far."""
        self.revived.logical_or_(self.ever_silent & ~silent)
        self.ever_silent.logical_or_(silent)
        return self.revived.sum()


def unit_measures(
    net: OneHiddenLayerNet, revived: RevivedUnits, train: Examples, test: Examples
) -> dict[str, torch.Tensor]:
    """What dying-relu measures after every epoch, as 0-d tensors: the fraction of silent units,
    the mean |∂L/∂W| of those units (absent when none is silent), how many units were silent
    once and active later, the training loss and the test accuracy."""
    silent = silent_units(net, train[0])
    measures = {"dead_fraction": silent.float().mean(), "revived_units": revived.update(silent)}
    if silent.any():
        measures["silent_unit_gradient"] = unit_weight_gradients(net, *train)[silent].mean()
    with torch.no_grad():
        measures["train_loss"] = F.cross_entropy(net(train[0]), train[1])
        measures["test_accuracy"] = (net(test[0]).argmax(1) == test[1]).float().mean()
    return measures
