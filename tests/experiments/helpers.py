"""What the tests of the image-GAN experiments share: a context to run in, a parameter count."""

import torch
from torch import nn

from minimaxlab.experiments.base import RunContext
from minimaxlab.runs import Run


def context_in(folder) -> RunContext:
    """A CPU context for an experiment's run in ``folder`` (made if missing), as the launcher
    hands it over for a fresh run."""
    folder.mkdir(parents=True, exist_ok=True)
    return RunContext(
        run=Run(folder), device=torch.device("cpu"), resume=False, stop=None, progress=False
    )


def trainable(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
