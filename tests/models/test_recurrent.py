"""The hand-written LSTM and RNN compute what torch.nn's layers compute with the same weights."""

import pytest
import torch
from torch import nn

from minimaxlab.models.recurrent import LSTM, VanillaRNN
from minimaxlab.reproducibility import seeded_generator


def _random_inputs(batch=3, length=6, size=5):
    return torch.randn(batch, length, size, generator=seeded_generator(1, "cpu"))


def test_lstm_matches_nn_lstm_in_states_logits_and_gradients():
    torch.manual_seed(0)
    reference, head = nn.LSTM(5, 7, batch_first=True), nn.Linear(7, 4)
    with torch.no_grad():  # make the four gates' biases clearly different from each other
        reference.bias_ih_l0.copy_(torch.linspace(-2, 2, 28))
    ours = LSTM(5, 7, 4)
    ours.copy_from_torch(reference, head)
    x = _random_inputs()

    states, (h_n, c_n) = reference(x)
    hidden, cell = ours.hidden_states(x)
    torch.testing.assert_close(hidden, states, rtol=0, atol=1e-6)
    torch.testing.assert_close(cell, c_n[0], rtol=0, atol=1e-6)
    torch.testing.assert_close(hidden[:, -1], h_n[0])
    torch.testing.assert_close(ours(x), head(states[:, -1]), rtol=0, atol=1e-6)

    # gradients agree too, once the gate blocks are put back in nn.LSTM's order (i, f, g, o)
    target = torch.tensor([0, 3, 1])
    nn.functional.cross_entropy(head(states[:, -1]), target).backward()
    nn.functional.cross_entropy(ours(x), target).backward()
    H = 7
    g, i, f, o = ours.weight_x.grad.split(H)
    torch.testing.assert_close(torch.cat([i, f, g, o]), reference.weight_ih_l0.grad)
    g, i, f, o = ours.weight_h.grad.split(H)
    torch.testing.assert_close(torch.cat([i, f, g, o]), reference.weight_hh_l0.grad)
    g, i, f, o = ours.bias.grad.split(H)
    torch.testing.assert_close(torch.cat([i, f, g, o]), reference.bias_hh_l0.grad)
    torch.testing.assert_close(ours.weight_p.grad, head.weight.grad)


def test_lstm_follows_its_equations_from_a_zero_state():
    """Three steps by hand: c = g ⊙ i + c ⊙ f, h = tanh(c) ⊙ o, from h₀ = c₀ = 0."""
    ours = LSTM(3, 2, 2, forget_bias=0.5)
    x = _random_inputs(2, 3, 3)
    h = c = torch.zeros(2, 2)
    expected = []
    for t in range(3):
        z = x[:, t] @ ours.weight_x.t() + h @ ours.weight_h.t() + ours.bias
        g, i, f, o = z[:, :2].tanh(), *z[:, 2:].sigmoid().split(2, dim=1)
        c = g * i + c * f
        h = torch.tanh(c) * o
        expected.append(h)
    hidden, cell = ours.hidden_states(x)
    torch.testing.assert_close(hidden, torch.stack(expected, dim=1))
    torch.testing.assert_close(cell, c)
    torch.testing.assert_close(ours(x), h @ ours.weight_p.t() + ours.bias_p)


def test_vanilla_rnn_matches_nn_rnn():
    torch.manual_seed(0)
    reference, head = nn.RNN(5, 7, batch_first=True), nn.Linear(7, 4)
    ours = VanillaRNN(5, 7, 4)
    ours.copy_from_torch(reference, head)
    x = _random_inputs()
    states, h_n = reference(x)
    hidden, last = ours.hidden_states(x)
    torch.testing.assert_close(hidden, states, rtol=0, atol=1e-6)
    torch.testing.assert_close(last, h_n[0])
    torch.testing.assert_close(ours(x), head(states[:, -1]), rtol=0, atol=1e-6)


def test_no_torch_recurrent_layer_inside():
    for model in (LSTM(4, 8, 3), VanillaRNN(4, 8, 3)):
        assert not any(
            isinstance(m, (nn.LSTM, nn.RNN, nn.GRU, nn.RNNBase, nn.LSTMCell, nn.RNNCell))
            for m in model.modules()
        )


def test_initialisation_follows_the_generator_and_sets_the_forget_bias():
    a, b = LSTM(10, 16, 10, forget_bias=1.0), LSTM(10, 16, 10, forget_bias=1.0)
    a.reset_parameters(seeded_generator(4, "cpu"))
    b.reset_parameters(seeded_generator(4, "cpu"))
    for p, q in zip(a.parameters(), b.parameters(), strict=True):
        assert torch.equal(p, q)
    assert torch.equal(a.bias[32:48], torch.ones(16))  # b_f, the third block of g, i, f, o
    assert a.bias[:32].abs().max() <= 0.25 and a.weight_h.abs().max() <= 0.25  # ±1/√16
    plain = LSTM(10, 16, 10)
    assert plain.bias[32:48].abs().max() <= 0.25


def test_inputs_of_the_wrong_shape_are_refused():
    with pytest.raises(ValueError, match="expected inputs"):
        LSTM(4, 8, 3)(torch.zeros(2, 5, 3))
    with pytest.raises(ValueError, match="expected inputs"):
        VanillaRNN(4, 8, 3)(torch.zeros(2, 0, 4))


def count(model):
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def test_parameter_counts_at_the_spec_sizes():
    # one-hot digits in (10), 128 hidden units, 10 logits out. The LSTM stacks its four gates:
    # 4·128 rows of input (10) and recurrent (128) weights and a bias, then p = W_p h + b_p.
    assert count(LSTM(10, 128, 10)) == 4 * 128 * (10 + 128 + 1) + 10 * 128 + 10 == 72_458
    assert count(VanillaRNN(10, 128, 10)) == 128 * (10 + 128 + 1) + 10 * 128 + 10 == 19_082
