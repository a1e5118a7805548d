"""The palindrome stream: construction for odd and even T, one-hot inputs, seeding."""

import pytest
import torch

from minimaxlab.data.sequences import palindrome_batch, palindrome_digits
from minimaxlab.errors import MinimaxlabError
from minimaxlab.reproducibility import seeded_generator


@pytest.mark.parametrize("length", [2, 3, 4, 5, 10, 11])
def test_palindromes_read_the_same_both_ways_for_odd_and_even_lengths(length):
    digits = palindrome_digits(500, length, seeded_generator(0, "cpu"))
    assert digits.shape == (500, length) and digits.dtype == torch.int64
    assert torch.equal(digits, digits.flip(1))
    assert digits.min() >= 0 and digits.max() <= 9
    # the free half, ⌈T/2⌉ digits, really varies: every position takes all ten values
    free = digits[:, : (length + 1) // 2]
    assert all(len(torch.unique(column)) == 10 for column in free.t())


def test_odd_length_keeps_one_middle_digit_and_even_length_repeats_it():
    generator = seeded_generator(3, "cpu")
    odd = palindrome_digits(1, 5, generator)[0].tolist()
    assert len(odd) == 5 and odd[3:] == odd[:2][::-1]  # a b c b a
    even = palindrome_digits(1, 4, generator)[0].tolist()
    assert even[2:] == even[:2][::-1]  # a b b a


def test_free_digits_are_uniform():
    digits = palindrome_digits(20_000, 6, seeded_generator(1, "cpu"))[:, :3]
    frequencies = torch.bincount(digits.flatten(), minlength=10).float() / digits.numel()
    assert torch.allclose(frequencies, torch.full((10,), 0.1), atol=0.01)
    # positions are drawn independently: the first two digits agree about one time in ten
    assert abs((digits[:, 0] == digits[:, 1]).float().mean().item() - 0.1) < 0.01


@pytest.mark.parametrize("length", [5, 8])
def test_inputs_are_the_first_t_minus_1_digits_one_hot_and_the_label_the_last(length):
    inputs, labels = palindrome_batch(64, length, seeded_generator(2, "cpu"))
    digits = palindrome_digits(64, length, seeded_generator(2, "cpu"))
    assert inputs.shape == (64, length - 1, 10) and inputs.dtype == torch.float32
    assert torch.equal(inputs.sum(-1), torch.ones(64, length - 1))
    assert torch.equal(inputs.argmax(-1), digits[:, :-1])
    assert torch.equal(labels, digits[:, -1]) and torch.equal(labels, digits[:, 0])


def test_the_stream_follows_its_seed():
    a = palindrome_batch(16, 7, seeded_generator(5, "cpu"))
    b = palindrome_batch(16, 7, seeded_generator(5, "cpu"))
    c = palindrome_batch(16, 7, seeded_generator(6, "cpu"))
    assert torch.equal(a[0], b[0]) and torch.equal(a[1], b[1])
    assert not torch.equal(a[0], c[0])
    generator = seeded_generator(5, "cpu")
    first, second = palindrome_digits(16, 7, generator), palindrome_digits(16, 7, generator)
    assert not torch.equal(first, second)  # an endless stream: each batch is fresh


def test_a_palindrome_needs_at_least_two_digits():
    with pytest.raises(MinimaxlabError, match="at least 2"):
        palindrome_batch(4, 1, seeded_generator(0, "cpu"))
