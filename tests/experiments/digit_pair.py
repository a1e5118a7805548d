"""What the multitask and triplet end-to-end tests share: tiny offline domains, a Ctrl-C at a
chosen batch, and weights compared bit for bit."""

from __future__ import annotations

import signal

import pytest
import torch

from minimaxlab.data.batches import IndexStream
from tests.test_cli import QUICK_CPU, invoke

TINY_DATA = [
    "domain_a.limit=48",
    "domain_b.limit=48",
    "domain_a.image_size=16",
    "domain_b.image_size=16",
    "test_limit=24",
]


def run_offline(experiment, out, *args):
    with pytest.warns(UserWarning, match="domain B uses syndigits"):
        return invoke("run", experiment, *QUICK_CPU, "--out", out, *args)


def resume(out):
    with pytest.warns(UserWarning, match="syndigits"):
        return invoke("run", "--resume", out, "--no-progress")


def interrupt_at_batch(monkeypatch, calls):
    """Press Ctrl-C during the ``calls``-th batch drawn (counting every domain's)."""
    original = IndexStream.batch
    count = {"n": 0}

    def batch(self, step):
        count["n"] += 1
        if count["n"] == calls:
            signal.raise_signal(signal.SIGINT)
        return original(self, step)

    monkeypatch.setattr(IndexStream, "batch", batch)
    return lambda: monkeypatch.setattr(IndexStream, "batch", original)


def weights(path):
    return torch.load(path, weights_only=True)


def same_weights(a, b):
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
