"""Batches by index from data held whole on the device: endless shuffled passes."""

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
