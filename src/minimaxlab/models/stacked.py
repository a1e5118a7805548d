"""Many copies of one small network trained at once: the weights of T models stacked along a
leading trial axis, every layer one batched matmul (mode-bench's trials).

A stacked network takes T×B×inputs and returns T×B×outputs: row block t goes through trial
t's weights only, so the trials never mix. It is built from T ordinary ``nn.Sequential``s of
Linear layers and parameter-free activations (ReLU, :class:`Maxout`), taking each one's
weights as they are; :func:`unstack` gives trial t back as an ordinary network.
:class:`StackedPointClassifier` does the same for the NCE sampler's Fourier-feature classifier.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from minimaxlab.models.toy import FourierFeatures, PointClassifier, mlp


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


class StackedPointClassifier(nn.Module):
    """T of :class:`PointClassifier` at once: points T×B×2 ↦ logits T×B, trial t's rows through
    trial t's Fourier frequencies (a buffer, T×F×2) and its stacked MLP only."""

    def __init__(self, frequencies: torch.Tensor | None, net: nn.Sequential) -> None:
        super().__init__()
        self.register_buffer("frequencies", frequencies)  # None: no Fourier features
        self.net = net

    @classmethod
    def of(cls, classifiers: Sequence[PointClassifier]) -> StackedPointClassifier:
        """Every classifier's weights, trial t = ``classifiers[t]``; one architecture for all."""
        lifts = [c.net[0] for c in classifiers if isinstance(c.net[0], FourierFeatures)]
        if lifts and len(lifts) != len(classifiers):
            raise TypeError("cannot stack classifiers with and without Fourier features")
        frequencies = torch.stack([lift.frequencies for lift in lifts]) if lifts else None
        return cls(frequencies, stack([c.net[-1] for c in classifiers]))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.frequencies is not None:  # as FourierFeatures does, per trial
            angles = 2 * torch.pi * x @ self.frequencies.transpose(1, 2)
            x = torch.cat((x, angles.sin(), angles.cos()), dim=-1)
        return self.net(x).squeeze(-1)

    def select(self, trials: Sequence[int]) -> StackedPointClassifier:
        """A stacked classifier of only the trials ``trials`` (copies of their weights)."""
        index = torch.tensor(list(trials), device=next(self.parameters()).device)
        layers = [
            StackedLinear(layer.weight.detach()[index], layer.bias.detach()[index])
            if isinstance(layer, StackedLinear)
            else layer
            for layer in self.net
        ]
        frequencies = None if self.frequencies is None else self.frequencies[index]
        return StackedPointClassifier(frequencies, nn.Sequential(*layers))

    def trial(self, t: int) -> PointClassifier:
        """Trial ``t`` as an ordinary PointClassifier (a copy of its weights)."""
        linears = [layer for layer in self.net if isinstance(layer, StackedLinear)]
        hidden = [layer.weight.shape[2] for layer in linears[:-1]]
        features = 0 if self.frequencies is None else self.frequencies.shape[1]
        with torch.random.fork_rng(devices=[]):  # throwaway initial weights leave no trace
            classifier = PointClassifier(hidden, features).to(linears[0].weight.device)
            classifier.net[-1].load_state_dict(unstack(self.net, t).state_dict())
        if self.frequencies is not None:
            classifier.net[0].frequencies.copy_(self.frequencies[t])
        return classifier
