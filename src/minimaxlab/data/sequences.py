"""The palindrome stream of lstm-palindrome: an endless supply of fresh, seeded digit sequences."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from minimaxlab.errors import MinimaxlabError

DIGITS = 10


def palindrome_digits(
    batch_size: int, length: int, generator: torch.Generator, device: torch.device | str = "cpu"
) -> torch.Tensor:
    """``batch_size`` palindromes of ``length`` digits (int64, B×T): the first ⌈T/2⌉ digits
    uniform in 0–9, the rest their mirror image. ``generator`` lives on ``device``."""
    if length < 2:
        raise MinimaxlabError(
            f"palindrome length {length} is too short; it must be at least 2 (one input digit "
            "and the label)"
        )
    half = torch.randint(
        0, DIGITS, (batch_size, (length + 1) // 2), generator=generator, device=device
    )
    # For odd T the middle digit is not repeated: T = 5 gives a b c b a.
    return torch.cat([half, half[:, : length // 2].flip(1)], dim=1)


def palindrome_batch(
    batch_size: int, length: int, generator: torch.Generator, device: torch.device | str = "cpu"
) -> tuple[torch.Tensor, torch.Tensor]:
    """Inputs (B×(T−1)×10, one-hot floats of the first T−1 digits) and labels (B, the T-th
    digit) of fresh palindromes of ``length`` digits."""
    digits = palindrome_digits(batch_size, length, generator, device)
    return F.one_hot(digits[:, :-1], DIGITS).float(), digits[:, -1]
