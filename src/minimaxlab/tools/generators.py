"""A generative run's generator and data, through the contract of minimaxlab.generative alone:
the experiment's ``build_models(config)[GENERATOR]``, the weights under ``models.generator`` in
its checkpoint, and the data set its config (or summary, after a fallback) names."""

from __future__ import annotations

import os
from collections.abc import Sequence

import torch
from torch import nn

from minimaxlab.config import validate
from minimaxlab.data.images import ImageSet
from minimaxlab.data.registry import load_images
from minimaxlab.errors import MinimaxlabError
from minimaxlab.experiments import get_experiment
from minimaxlab.generative import GENERATOR, GENERATORS, is_model_name, model_file
from minimaxlab.runs import Run
from minimaxlab.training.state import load_models


def load_generator(
    run_dir: str | os.PathLike, device: torch.device | str = "cpu", name: str | None = None
) -> nn.Module:
    """The trained generator of a run (a GenerativeModel), on ``device``, in eval mode: the one
    of checkpoint.pt, or the run's generator ``name`` (see ``generative.GENERATORS``)."""
    run = Run.open(run_dir)
    stored = run.read_config()
    experiment = get_experiment(stored["experiment"])
    models = {}
    if experiment.build_models is not None:
        models = experiment.build_models(validate(experiment.config_class, stored))
    if GENERATOR not in models:
        raise MinimaxlabError(
            f"{run.path} is a run of {experiment.name!r}, which has no generator; give a run "
            "of an experiment that trains one"
        )
    generator = models[GENERATOR]
    load_models(_generator_state(run, name, device), **{GENERATOR: generator})
    return generator.to(device).eval()


def _generator_state(run: Run, name: str | None, device: torch.device | str) -> dict:
    """The checkpoint that holds the chosen generator: checkpoint.pt, or models/NAME.pt when
    NAME is one of the generators the run's summary lists."""
    if name is None:
        return run.load_checkpoint(map_location=device)
    listed = run.read_summary().get(GENERATORS)  # a folder from someone else: checked names
    names = [n for n in listed if is_model_name(n)] if isinstance(listed, list) else []
    if name not in names:
        offered = f"one of {', '.join(names)}" if names else "none (leave out --generator)"
        raise MinimaxlabError(f"{run.path} has no generator {name!r}; choose {offered}")
    state = run.load_torch(model_file(name), map_location=device)
    if not isinstance(state, dict):
        raise MinimaxlabError(f"{run.path / model_file(name)} holds no models")
    return state


def run_images(
    run: Run, splits: Sequence[str], device: torch.device | str = "cpu"
) -> list[ImageSet]:
    """Splits of the data set a run trained on (after any fallback), as its config shaped it."""
    data_config = run.read_config().get("data", {})
    name = run.read_summary().get("data", {}).get("name", data_config.get("name"))
    return [
        load_images(
            name,
            split,
            root=data_config.get("root"),
            image_size=data_config.get("image_size"),
            device=device,
        )
        for split in splits
    ]


def run_class_names(run: Run) -> list[str]:
    """The class names of the data set a run trained on: its summary's, else its data's."""
    names = run.read_summary().get("data", {}).get("class_names")
    return list(names) if names else list(run_images(run, ("test",))[0].class_names)
