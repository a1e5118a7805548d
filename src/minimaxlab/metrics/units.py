"""Dead hidden units (dying-relu): a unit is dead when its pre-activation is ≤ 0 for every
training example, so a ReLU unit gets zero gradient from every minibatch and never recovers."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from minimaxlab.models.one_hidden import OneHiddenLayerNet


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
