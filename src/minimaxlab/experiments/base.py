"""What an experiment is: a name, a config type, a function that wires the stages together,
and the hooks the runners, the tools and the report read (docs/adding-an-experiment.md)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from pydantic import BaseModel
from torch import nn

from minimaxlab.config import ExperimentConfig
from minimaxlab.data.config import ImageDataConfig
from minimaxlab.data.registry import is_available
from minimaxlab.errors import MinimaxlabError
from minimaxlab.interrupt import StopSignal
from minimaxlab.report.numbers import KeyNumber
from minimaxlab.runs import Run

# run_child(experiment name, key=value overrides, folder, profile) -> the finished child run
ChildRunner = Callable[[str, Sequence[str], Path, str], Run]


def _no_child_runs(name: str, overrides: Sequence[str], folder: Path, profile: str) -> Run:
    raise MinimaxlabError(
        f"this run cannot start the run of {name} in {folder}: run the experiment through "
        "minimaxlab.launch.run_experiment, which supplies run_child"
    )


@dataclass(frozen=True)
class RunContext:
    """What an experiment's function is handed besides its config (by ``minimaxlab.launch``)."""

    run: Run
    device: torch.device
    # True when the run folder holds a checkpoint.pt of an earlier attempt to continue from
    # (``run --resume`` of a folder stopped before its first checkpoint starts afresh)
    resume: bool
    stop: StopSignal | None
    progress: bool
    # Runs another experiment in a folder (inside this run's, say) with this run's seed and
    # device, and returns it finished: reused when it already is, continued when it was
    # stopped, else started. How an experiment builds on others without importing the runner.
    run_child: ChildRunner = _no_child_runs


@dataclass(frozen=True)
class Experiment:
    name: str
    description: str  # one line, shown by `minimaxlab list`
    config_class: type[ExperimentConfig]
    # Trains or computes, writes figures and metrics into the run, returns the summary.
    run: Callable[[Any, RunContext], dict[str, Any]]
    # How a generative experiment declares its generator (minimaxlab.generative): the models
    # its checkpoint.pt holds under "models", built from a config; the one called "generator"
    # (GENERATOR) follows GenerativeModel, and `sample`, `evaluate`, `interpolate`, `invert`
    # and `latent-path` work on the run through it alone. None: not generative.
    build_models: Callable[[Any], dict[str, nn.Module]] | None = None
    # How many samples the image-quality metrics (`minimaxlab evaluate`) take when training
    # ends, from a config; None or 0: no evaluation. The launcher runs the tool.
    evaluation_size: Callable[[Any], int | None] | None = None
    # Whether `torchrun -m minimaxlab run` may train it data-parallel (see distributed.py).
    distributed: bool = False
    # What the report says about a run: paragraphs built only from its summary and config.
    account: Callable[[dict[str, Any], dict[str, Any]], list[str]] | None = None
    # Why this config cannot run on this machine (data missing), or None; the default looks
    # at every image-data section of the config (see missing_data below).
    missing_data: Callable[[Any], str | None] | None = None
    # The figure of the lab's index card: a glob in the run folder (its last match is shown).
    headline_figure: str | None = None
    # What the index card, the report and `minimaxlab run` show of the summary, in words:
    # KeyNumber(label, dotted key, floor key), or a plain dotted key labelled from the table
    # in report/numbers.py (default: the first plain numbers).
    key_numbers: tuple[str | KeyNumber, ...] = ()


def _image_data_sections(model: BaseModel) -> list[ImageDataConfig]:
    sections = []
    for name in type(model).model_fields:
        value = getattr(model, name)
        if isinstance(value, ImageDataConfig):
            sections.append(value)
        elif isinstance(value, BaseModel):
            sections += _image_data_sections(value)
    return sections


def missing_data(experiment: Experiment, config: Any) -> str | None:
    """Why ``config`` cannot run here (its data is missing), or None when it can: the
    experiment's own ``missing_data`` hook, else a look at every image-data section."""
    if experiment.missing_data is not None:
        return experiment.missing_data(config)
    for section in _image_data_sections(config):
        names = [section.name, *section.fallbacks]
        if not any(is_available(name, section.root) for name in names):
            return (
                f"needs {' or '.join(names)}, not on this machine "
                f"(minimaxlab data fetch {section.name})"
            )
    return None
