"""Running an experiment end to end: config → run folder → training → summary → report."""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence

import torch

from minimaxlab import distributed
from minimaxlab.config import ExperimentConfig, apply_overrides, resolve_config, validate
from minimaxlab.device import resolve_device
from minimaxlab.errors import MinimaxlabError
from minimaxlab.experiments import Experiment, RunContext, get_experiment
from minimaxlab.interrupt import StopSignal, TrainingInterrupted
from minimaxlab.report import write_report
from minimaxlab.reproducibility import environment_info, seed_everything
from minimaxlab.runs import Run


def run_experiment(
    name: str | None = None,
    *,
    profile: str = "full",
    overrides: Sequence[str] = (),
    seed: int | None = None,
    device: str | None = None,
    out: str | os.PathLike | None = None,
    resume: str | os.PathLike | None = None,
    progress: bool = True,
) -> Run:
    """Run experiment ``name`` (or continue the run folder ``resume``) and return its folder.

    Ctrl-C saves a checkpoint and raises TrainingInterrupted; ``--resume`` picks it up.
    """
    extra = list(overrides)
    if seed is not None:
        extra.append(f"seed={seed}")
    if device is not None:
        extra.append(f"device={device}")

    if resume is not None:
        stored = Run.open(resume).read_config()
        if name is not None and name != stored["experiment"]:
            raise MinimaxlabError(
                f"{resume} is a run of {stored['experiment']!r}, not {name!r}; "
                "leave out the experiment name when resuming"
            )
        experiment = get_experiment(stored["experiment"])
        config = validate(
            experiment.config_class, apply_overrides(stored, experiment.config_class, extra)
        )
    else:
        if name is None:
            raise MinimaxlabError(
                "name an experiment to run (see 'minimaxlab list'), or --resume a run"
            )
        experiment = get_experiment(name)
        config = resolve_config(experiment.config_class, name, profile, extra)

    if distributed.launched():  # under torchrun: only rank 0 writes the run folder
        if not experiment.distributed:
            raise MinimaxlabError(
                f"{experiment.name} does not train data-parallel; run it without torchrun"
            )
        torch_device = distributed.setup(config.device)
        try:
            return _run(experiment, config, torch_device, profile, out, resume, progress)
        finally:
            distributed.teardown()
    return _run(experiment, config, resolve_device(config.device), profile, out, resume, progress)


def _run(
    experiment: Experiment,
    config: ExperimentConfig,
    torch_device: torch.device,
    profile: str,
    out: str | os.PathLike | None,
    resume: str | os.PathLike | None,
    progress: bool,
) -> Run:
    """The run itself, in this process: rank 0 (or the only process) writes the folder."""
    main = distributed.is_main()
    created = resume is None
    if created:
        # Ranks other than 0 get a Run object but never write to it (GanTrainer checks).
        run = Run.create(experiment.name, out) if main else Run(out or "unwritten-run")
    else:
        run = Run.open(resume)
    seed_everything(config.seed, torch_device, config.deterministic)
    env = environment_info(torch_device, config.seed)
    if created:
        env["profile"] = profile
    else:  # keep the story of the run: what it started on, then where it was resumed
        previous = run.read_json(run.env_path) or {}
        env["profile"] = previous.get("profile")
        env["resumed_after"] = previous
    if distributed.launched():
        env["processes"] = int(os.environ["WORLD_SIZE"])
    if main:
        run.write_config(config.model_dump(mode="json"))
        run.write_env(env)

    context_args = dict(run=run, device=torch_device, resume=not created, progress=progress)
    try:
        with StopSignal() as stop:
            summary = experiment.run(config, RunContext(stop=stop, **context_args))
    except TrainingInterrupted as stopped:
        if not main:
            raise
        run.write_summary(
            {"experiment": experiment.name, "status": "interrupted", "steps": stopped.step}
        )
        write_report(run)
        raise
    except MinimaxlabError:
        # Remove a new folder only while it holds nothing but what was written above.
        if main and created and {p.name for p in run.path.iterdir()} <= {"config.yaml", "env.json"}:
            shutil.rmtree(run.path, ignore_errors=True)
        raise
    if not main:
        return run
    run.write_summary({"experiment": experiment.name, "status": "finished", **summary})
    write_report(run)
    if experiment.evaluate is not None:
        experiment.evaluate(config, RunContext(stop=None, **context_args))
    return run
