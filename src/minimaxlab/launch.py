"""Running an experiment end to end: config → run folder → training → summary → report."""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence

from minimaxlab.config import apply_overrides, resolve_config, validate
from minimaxlab.device import resolve_device
from minimaxlab.errors import MinimaxlabError
from minimaxlab.experiments import RunContext, get_experiment
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
        run = Run.open(resume)
        stored = run.read_config()
        if name is not None and name != stored["experiment"]:
            raise MinimaxlabError(
                f"{run.path} is a run of {stored['experiment']!r}, not {name!r}; "
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

    torch_device = resolve_device(config.device)
    created = resume is None
    if created:
        run = Run.create(experiment.name, out)
    seed_everything(config.seed, torch_device, config.deterministic)
    env = environment_info(torch_device, config.seed)
    if created:
        env["profile"] = profile
    else:  # keep the story of the run: what it started on, then where it was resumed
        previous = run.read_json(run.env_path) or {}
        env["profile"] = previous.get("profile")
        env["resumed_after"] = previous
    run.write_config(config.model_dump(mode="json"))
    run.write_env(env)

    context_args = dict(run=run, device=torch_device, resume=not created, progress=progress)
    try:
        with StopSignal() as stop:
            summary = experiment.run(config, RunContext(stop=stop, **context_args))
    except TrainingInterrupted as stopped:
        run.write_summary(
            {"experiment": experiment.name, "status": "interrupted", "steps": stopped.step}
        )
        write_report(run)
        raise
    except MinimaxlabError:
        # Remove a new folder only while it holds nothing but what was written above.
        if created and {p.name for p in run.path.iterdir()} <= {"config.yaml", "env.json"}:
            shutil.rmtree(run.path, ignore_errors=True)
        raise
    run.write_summary({"experiment": experiment.name, "status": "finished", **summary})
    write_report(run)
    if experiment.evaluate is not None:
        experiment.evaluate(config, RunContext(stop=None, **context_args))
    return run
