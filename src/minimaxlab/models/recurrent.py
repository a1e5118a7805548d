"""Recurrent classifiers written from their equations (lstm-palindrome): an LSTM and a vanilla
RNN, each reading a sequence and predicting a class from its last hidden state.

LSTM, for t = 1 … L with h₀ = c₀ = 0:
    g = tanh(W_gx x + W_gh h + b_g)        i = σ(W_ix x + W_ih h + b_i)
    f = σ(W_fx x + W_fh h + b_f)           o = σ(W_ox x + W_oh h + b_o)
    c = g ⊙ i + c ⊙ f                      h = tanh(c) ⊙ o
Vanilla RNN:
    h = tanh(W_hx x + W_hh h + b)
Both: p = W_ph h_L + b_p, the logits whose softmax is the predicted distribution (the
cross-entropy loss applies the softmax itself).

Speed: the input projection of all time steps is one matrix product; each step is then one
product with the recurrent weights of all four gates at once, stacked in the order g, i, f, o
so that the three sigmoid gates are one contiguous slice.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import torch
from torch import nn


class _Recurrent(nn.Module):
    """What both models share: stacked input and recurrent weights, a linear output p."""

    gates: int  # blocks of ``hidden_size`` rows in the stacked weights

    def __init__(self, input_size: int, hidden_size: int, output_size: int) -> None:
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        rows = self.gates * hidden_size
        self.weight_x = nn.Parameter(torch.empty(rows, input_size))
        self.weight_h = nn.Parameter(torch.empty(rows, hidden_size))
        self.bias = nn.Parameter(torch.empty(rows))
        self.weight_p = nn.Parameter(torch.empty(output_size, hidden_size))
        self.bias_p = nn.Parameter(torch.empty(output_size))
        self.reset_parameters()

    def reset_parameters(self, generator: torch.Generator | None = None) -> None:
        """Every weight and bias uniform in ±1/√H, as torch.nn's recurrent layers do."""
        bound = 1.0 / math.sqrt(self.hidden_size)
        with torch.no_grad():
            for parameter in self.parameters():
                parameter.uniform_(-bound, bound, generator=generator)

    def _steps(self, x: torch.Tensor) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        raise NotImplementedError

    def hidden_states(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """All hidden states h₁ … h_L (B×L×H) of inputs ``x`` (B×L×D), and the last cell
        state (the last hidden state for the RNN, which has no cell)."""
        steps = list(self._steps(x))
        return torch.stack([h for h, _ in steps], dim=1), steps[-1][1]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """The logits p (B×classes) after reading ``x`` (B×L×D)."""
        *_, (h, _) = self._steps(x)
        return torch.addmm(self.bias_p, h, self.weight_p.t())

    def _input_projection(self, x: torch.Tensor) -> torch.Tensor:
        """W_x x_t + b for every step in one product, time first (L×B×rows) so that each step's
        slice is contiguous."""
        if x.dim() != 3 or x.shape[1] == 0 or x.shape[2] != self.input_size:
            raise ValueError(
                f"expected inputs B×L×{self.input_size} with L ≥ 1, got {tuple(x.shape)}"
            )
        return torch.matmul(x.transpose(0, 1), self.weight_x.t()) + self.bias


class LSTM(_Recurrent):
    """The LSTM of the module docstring; weights stacked by gate in the order g, i, f, o."""

    gates = 4

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        output_size: int,
        forget_bias: float | None = None,
    ) -> None:
        self.forget_bias = forget_bias  # None: b_f drawn like every other bias
        super().__init__(input_size, hidden_size, output_size)

    def reset_parameters(self, generator: torch.Generator | None = None) -> None:
        """Uniform in ±1/√H; with ``forget_bias`` set, b_f starts at that constant (a positive
        b_f keeps the cell's memory open early in training)."""
        super().reset_parameters(generator)
        if self.forget_bias is not None:
            H = self.hidden_size
            with torch.no_grad():
                self.bias[2 * H : 3 * H].fill_(self.forget_bias)

    def _steps(self, x: torch.Tensor) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        H = self.hidden_size
        projected = self._input_projection(x)
        h = x.new_zeros(x.shape[0], H)
        c = x.new_zeros(x.shape[0], H)
        recurrent = self.weight_h.t()
        for step_input in projected:
            gates = torch.addmm(step_input, h, recurrent)
            g = torch.tanh(gates[:, :H])
            i, f, o = torch.sigmoid(gates[:, H:]).chunk(3, dim=1)
            c = torch.addcmul(c * f, g, i)
            h = torch.tanh(c) * o
            yield h, c

    @torch.no_grad()
    def copy_from_torch(self, lstm: nn.LSTM, head: nn.Linear | None = None) -> None:
        """Take the weights of a one-layer ``nn.LSTM`` (and of a linear ``head`` as p).

        nn.LSTM stacks its gates as i, f, g, o and has two biases (b_ih + b_hh); here they are
        stacked as g, i, f, o with one bias. So rows [2H:3H] of nn.LSTM's weights (its g) become
        rows [0:H] here, and its i and f move up by H.
        """
        if lstm.num_layers != 1 or lstm.bidirectional or lstm.proj_size:
            raise ValueError("only a one-layer, one-directional nn.LSTM without projection fits")
        H = self.hidden_size
        order = torch.cat(
            [torch.arange(2 * H, 3 * H), torch.arange(0, 2 * H), torch.arange(3 * H, 4 * H)]
        )
        self.weight_x.copy_(lstm.weight_ih_l0[order])
        self.weight_h.copy_(lstm.weight_hh_l0[order])
        bias = lstm.bias_ih_l0 + lstm.bias_hh_l0 if lstm.bias else torch.zeros(4 * H)
        self.bias.copy_(bias[order])
        if head is not None:
            self.weight_p.copy_(head.weight)
            self.bias_p.copy_(head.bias)


class VanillaRNN(_Recurrent):
    """The vanilla RNN of the module docstring: h = tanh(W_hx x + W_hh h + b)."""

    gates = 1

    def _steps(self, x: torch.Tensor) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        projected = self._input_projection(x)
        h = x.new_zeros(x.shape[0], self.hidden_size)
        recurrent = self.weight_h.t()
        for step_input in projected:
            h = torch.tanh(torch.addmm(step_input, h, recurrent))
            yield h, h

    @torch.no_grad()
    def copy_from_torch(self, rnn: nn.RNN, head: nn.Linear | None = None) -> None:
        """Take the weights of a one-layer tanh ``nn.RNN`` (b = b_ih + b_hh), and of ``head``."""
        if rnn.num_layers != 1 or rnn.bidirectional or rnn.nonlinearity != "tanh":
            raise ValueError("only a one-layer, one-directional tanh nn.RNN fits")
        self.weight_x.copy_(rnn.weight_ih_l0)
        self.weight_h.copy_(rnn.weight_hh_l0)
        self.bias.copy_(rnn.bias_ih_l0 + rnn.bias_hh_l0 if rnn.bias else 0.0)
        if head is not None:
            self.weight_p.copy_(head.weight)
            self.bias_p.copy_(head.bias)
