"""Many copies of one small network trained at once: the weights of T models stacked along a
leading trial axis, every layer one batched matmul (mode-bench's trials).

A stacked network takes T×B×inputs and returns T×B×outputs: row block t goes through trial
t's weights only, so the trials never mix. It is built from T ordinary ``nn.Sequential``s of
Linear layers and parameter-free activations (ReLU, :class:`Maxout`), taking each one's
weights as they are; :func:`unstack` gives trial t back as an ordinary network.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from minimaxlab.models.toy import mlp


class Maxout(nn.Module):
    """The maximum over each group of ``pieces`` consecutive features (Goodfellow et al. 2013):
    ``pieces``·w features in, w out, along the last axis (so any leading axes pass through)."""

    def __init__(self, pieces: int) -> None:
        super().__init__()
        self.pieces = pieces

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.unflatten(-1, (-1, self.pieces)).amax(dim=-1)


def maxout_discriminator(
    inputs: int, width: int = 200, layers: int = 3, pieces: int = 5
) -> nn.Sequential:
    """inputs → [Linear(width·pieces) → Maxout(pieces)] × layers → Linear(1): the PacGAN
    paper's 2-D discriminator (three maxout layers of 200 units × 5 pieces)."""
    modules: list[nn.Module] = []
    previous = inputs
    for _ in range(layers):
        modules += [nn.Linear(previous, width * pieces), Maxout(pieces)]
        previous = width
    modules.append(nn.Linear(previous, 1))
    return nn.Sequential(*modules)


def relu_generator(latent_dim: int = 2, hidden: Sequence[int] = (400,) * 4) -> nn.Sequential:
    """z → [Linear → ReLU] per hidden width → a point in the plane (the paper's 4×400 G)."""
    return mlp(latent_dim, hidden, 2)


class StackedLinear(nn.Module):
    """T Linear layers applied at once: x (T×B×in) ↦ x @ W_t + b_t per trial t."""

    def __init__(self, weight: torch.Tensor, bias: torch.Tensor) -> None:
        super().__init__()
        self.weight = nn.Parameter(weight)  # T×in×out (each trial's nn.Linear weight, transposed)
        self.bias = nn.Parameter(bias)  # T×1×out

    @classmethod
    def of(cls, linears: Sequence[nn.Linear]) -> StackedLinear:
        weight = torch.stack([linear.weight.detach().T for linear in linears]).contiguous()
        bias = torch.stack([linear.bias.detach()[None] for linear in linears])
        return cls(weight.clone(), bias.clone())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.baddbmm(self.bias, x, self.weight)

    def trial(self, t: int) -> nn.Linear:
        """Trial ``t`` as an ordinary Linear layer (a copy of its weights)."""
        inputs, outputs = self.weight.shape[1:]
        linear = nn.Linear(inputs, outputs, device=self.weight.device)
        with torch.no_grad():
            linear.weight.copy_(self.weight[t].T)
            linear.bias.copy_(self.bias[t, 0])
        return linear


def stack(models: Sequence[nn.Sequential]) -> nn.Sequential:
    """One network holding every model's weights, trial t = ``models[t]``; the models must
    share one architecture of Linear layers and parameter-free modules."""
    layers: list[nn.Module] = []
    for position, layer in enumerate(models[0]):
        peers = [model[position] for model in models]
        if isinstance(layer, nn.Linear):
            layers.append(StackedLinear.of(peers))
        elif next(layer.parameters(), None) is None:
            layers.append(layer)  # activations act on the last axis, trials pass through
        else:
            raise TypeError(f"cannot stack a {type(layer).__name__}: only Linear has weights")
    return nn.Sequential(*layers)


def unstack(stacked: nn.Sequential, t: int) -> nn.Sequential:
    """Trial ``t`` of a stacked network, as the ordinary network it was built from."""
    return nn.Sequential(
        *(layer.trial(t) if isinstance(layer, StackedLinear) else layer for layer in stacked)
    )


def trials_of(stacked: nn.Sequential) -> int:
    """How many trials a stacked network holds."""
    return next(layer for layer in stacked if isinstance(layer, StackedLinear)).weight.shape[0]
