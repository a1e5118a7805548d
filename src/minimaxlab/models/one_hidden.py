"""The one-hidden-layer network of dying-relu, and the derivatives of its hidden units.

h = φ(a), a = W x + b (one row W_r and bias b_r per hidden unit r), output V h + c; φ is ReLU or
ELU (α = 1). The analytic derivatives here are what the experiment checks against autograd.
"""

from __future__ import annotations

import math
from typing import Literal

import torch
import torch.nn.functional as F
from torch import nn

Activation = Literal["relu", "elu"]
ACTIVATIONS = {"relu": F.relu, "elu": F.elu}


def activation_derivative(name: Activation, a: torch.Tensor) -> torch.Tensor:
    """φ'(a): ReLU 1 for a > 0 else 0 (0 at a = 0, as autograd takes it); ELU 1 for a > 0
    else eᵃ, which is never 0, so an ELU unit always passes some gradient back."""
    if name == "relu":
        return (a > 0).to(a.dtype)
    return torch.where(a > 0, torch.ones_like(a), torch.exp(a))


def hidden_weight_jacobian(
    name: Activation, weight: torch.Tensor, bias: torch.Tensor, x: torch.Tensor
) -> torch.Tensor:
    """∂h_r/∂W_kj for one input ``x`` (D), as an H×H×D tensor: φ'(a_r) x_j where k = r, and 0
    where k ≠ r (a unit's output depends on its own weights only)."""
    a = weight @ x + bias
    diagonal = activation_derivative(name, a)[:, None] * x[None, :]  # H×D
    return torch.diag_embed(diagonal.t()).permute(1, 2, 0)


class OneHiddenLayerNet(nn.Module):
    """inputs → Linear(hidden) → ReLU or ELU → Linear(outputs), the logits."""

    def __init__(self, inputs: int, hidden: int, outputs: int, activation: Activation) -> None:
        super().__init__()
        if activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}, not {activation!r}")
        self.activation = activation
        self.hidden = nn.Linear(inputs, hidden)
        self.output = nn.Linear(hidden, outputs)

    @torch.no_grad()
    def reset_parameters(self, bias_init: float, generator: torch.Generator | None = None) -> None:
        """He-uniform hidden weights (variance 2/fan-in, the usual choice for ReLU), every hidden
        bias ``bias_init``; output weights uniform in ±1/√hidden, output biases 0."""
        fan_in = self.hidden.in_features
        bound = math.sqrt(6.0 / fan_in)
        self.hidden.weight.uniform_(-bound, bound, generator=generator)
        self.hidden.bias.fill_(bias_init)
        bound = 1.0 / math.sqrt(self.hidden.out_features)
        self.output.weight.uniform_(-bound, bound, generator=generator)
        self.output.bias.zero_()

    def pre_activations(self, x: torch.Tensor) -> torch.Tensor:
        """a = W x + b of every hidden unit (N×hidden)."""
        return self.hidden(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.output(ACTIVATIONS[self.activation](self.pre_activations(x)))
