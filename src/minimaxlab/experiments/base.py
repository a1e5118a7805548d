"""What an experiment is: a name, a config type, a function that wires the stages together."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from minimaxlab.config import ExperimentConfig
from minimaxlab.interrupt import StopSignal
from minimaxlab.runs import Run


@dataclass(frozen=True)
class RunContext:
    """What an experiment's function is handed besides its config."""

    run: Run
    device: torch.device
    resume: bool
    stop: StopSignal | None
    progress: bool


@dataclass(frozen=True)
class Experiment:
    name: str
    description: str  # one line, shown by `minimaxlab list`
    config_class: type[ExperimentConfig]
    # Trains or computes, writes figures and metrics into the run, returns the summary.
    run: Callable[[Any, RunContext], dict[str, Any]]
    # For generative experiments: the models a checkpoint holds, built from a config.
    build_models: Callable[[Any], dict[str, nn.Module]] | None = None
    # Runs after the summary is written (for GANs: the image-quality metrics).
    evaluate: Callable[[Any, RunContext], None] | None = None
    # Whether `torchrun -m minimaxlab run` may train it data-parallel (see distributed.py).
    distributed: bool = False
    # What the report says about a run: paragraphs built only from its summary and config.
    account: Callable[[dict[str, Any], dict[str, Any]], list[str]] | None = None
    # Why this config cannot run on this machine (data missing), or None; the default looks
    # at every image-data section of the config (see minimaxlab.lab.missing_data).
    missing_data: Callable[[Any], str | None] | None = None
    # The figure of the lab's index card: a glob in the run folder (its last match is shown).
    headline_figure: str | None = None
    # Dotted summary.json keys shown on the index card (default: the first plain numbers).
    key_numbers: tuple[str, ...] = ()
