"""Batches by index from data held whole on the device: endless shuffled passes, and one
shuffle per epoch drawn from one generator."""

from __future__ import annotations

import torch

from minimaxlab.reproducibility import derived_seed


class IndexStream:
    """Shuffled passes over ``range(n)``, one after another, cut into batches of ``batch_size``.

    The batch of step ``k`` depends only on ``(seed, k)``: a run resumed at step ``k`` sees the
    batches that an uninterrupted run would have seen. A batch may span two passes.
    """

    def __init__(self, n: int, batch_size: int, seed: int, device: torch.device | str) -> None:
        if n < 1 or batch_size < 1:
            raise ValueError(f"need n ≥ 1 and batch_size ≥ 1 (got {n}, {batch_size})")
        self.n, self.batch_size, self.seed, self.device = n, batch_size, seed, device
        self._passes: dict[int, torch.Tensor] = {}

    def _order(self, index: int) -> torch.Tensor:
        if index not in self._passes:
            generator = torch.Generator().manual_seed(derived_seed(self.seed, index))
            self._passes = {  # keep the previous pass: a batch may straddle two
                k: v for k, v in self._passes.items() if k == index - 1
            }
            self._passes[index] = torch.randperm(self.n, generator=generator).to(self.device)
        return self._passes[index]

    def batch(self, step: int) -> torch.Tensor:
        """The indices of step ``step``'s batch."""
        start, end = step * self.batch_size, (step + 1) * self.batch_size
        parts = []
        for index in range(start // self.n, (end - 1) // self.n + 1):
            lo = max(start - index * self.n, 0)
            hi = min(end - index * self.n, self.n)
            parts.append(self._order(index)[lo:hi])
        return torch.cat(parts)


class EpochShuffles:
    """One shuffled order of ``range(n)`` per epoch, drawn one after another from a single CPU
    generator seeded with ``seed``: epoch ``e``'s order is its ``e + 1``-th permutation.

    For training whose shuffles were first drawn that way (the feature classifier's, whose
    cached weights must not change). Asking for an earlier epoch than the last one asked for
    replays the draws from the seed, so a run resumed mid-way sees the same orders.
    """

    def __init__(self, n: int, seed: int, device: torch.device | str) -> None:
        self.n, self.seed, self.device = n, seed, device
        self._generator = torch.Generator().manual_seed(seed)
        self._epoch = -1  # the epoch of the last permutation drawn
        self._order = torch.empty(0, dtype=torch.long)

    def order(self, epoch: int) -> torch.Tensor:
        """The order of epoch ``epoch`` (from 0), on the device."""
        if epoch < self._epoch:
            self._generator.manual_seed(self.seed)
            self._epoch = -1
        if epoch > self._epoch:
            while self._epoch < epoch:
                order = torch.randperm(self.n, generator=self._generator)
                self._epoch += 1
            self._order = order.to(self.device)
        return self._order
