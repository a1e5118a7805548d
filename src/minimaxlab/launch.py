"""Running an experiment end to end: config → run folder → training → summary → report.

A run folder is only ever added to: a stopped run is continued with ``resume`` (from its
checkpoint, or from its saved config when it stopped before the first one), and summary.json
is merged into (a sweep's finished settings, an earlier ``evaluate``, the new status).
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import os
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch

from minimaxlab import distributed
from minimaxlab.atomic import atomic_write_bytes
from minimaxlab.config import ExperimentConfig, apply_overrides, resolve_config, validate
from minimaxlab.device import resolve_device
from minimaxlab.errors import MinimaxlabError
from minimaxlab.experiments import Experiment, RunContext, get_experiment
from minimaxlab.interrupt import StopSignal, TrainingInterrupted
from minimaxlab.reproducibility import environment_info, seed_everything
from minimaxlab.runs import LOCK_FILE, Run
from minimaxlab.tensorboard import require_tensorboard
from minimaxlab.tools.evaluate import evaluate_run
from minimaxlab.tools.report import write_run_report

UNTRAINED = {"config.yaml", "env.json", LOCK_FILE}  # a new folder holding only these is removed


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
    extra = list(overrides)  # the options below override key=value overrides
    extra += [f"seed={seed}"] if seed is not None else []
    extra += [f"device={device}"] if device is not None else []
    if resume is not None:
        experiment, config = _stored_config(resume, name, extra)
    elif name is None:
        raise MinimaxlabError(
            "name an experiment to run (see 'minimaxlab list'), or --resume a run"
        )
    else:
        experiment = get_experiment(name)
        config = resolve_config(experiment.config_class, name, profile, extra)
    if config.logging.tensorboard:  # before a folder is made for a run that cannot start
        require_tensorboard()
    if not distributed.launched():
        return _run(
            experiment, config, resolve_device(config.device), profile, out, resume, progress
        )
    if not experiment.distributed:  # under torchrun: only rank 0 writes the run folder
        raise MinimaxlabError(
            f"{experiment.name} does not train data-parallel; run it without torchrun"
        )
    torch_device = distributed.setup(config.device)
    try:
        return _run(experiment, config, torch_device, profile, out, resume, progress)
    finally:
        distributed.teardown()


def _stored_config(
    resume: str | os.PathLike, name: str | None, overrides: Sequence[str]
) -> tuple[Experiment, ExperimentConfig]:
    """The experiment and config a run folder was started with, ``overrides`` applied. Its
    other files are read here too, so that a damaged one stops the run before it trains."""
    run = Run.open(resume)
    run.check_files()
    if run.has_checkpoint():  # refused before config.yaml and env.json are written again
        run.load_checkpoint()
    stored = run.read_config()
    if name is not None and name != stored["experiment"]:
        raise MinimaxlabError(
            f"{resume} is a run of {stored['experiment']!r}, not {name!r}; "
            "leave out the experiment name when resuming"
        )
    experiment = get_experiment(stored["experiment"])
    data = apply_overrides(stored, experiment.config_class, overrides)
    config = validate(experiment.config_class, data)
    if config.seed != stored.get("seed", config.seed):
        # its random state goes on from the checkpoint: a new seed would only be a label
        raise MinimaxlabError(
            f"{resume} is a run of seed {stored['seed']}, and a resumed run keeps its seed; "
            f"start a new run for seed {config.seed}"
        )
    return experiment, config


def run_child(
    name: str,
    overrides: Sequence[str],
    folder: Path,
    profile: str,
    *,
    seed: int,
    device: str,
    progress: bool,
) -> Run:
    """Experiment ``name`` run in ``folder`` (RunContext.run_child binds the parent's seed,
    device and progress): reused when finished, continued when started, else started."""
    child = Run(folder)
    if child.read_summary().get("status") == "finished":
        return child
    if child.config_path.is_file():
        return run_experiment(resume=folder, progress=progress)
    return run_experiment(
        name,
        profile=profile,
        overrides=overrides,
        seed=seed,
        device=device,
        out=folder,
        progress=progress,
    )


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
    existed = out is not None and Path(out).is_dir()
    if resume is not None:
        run = Run.open(resume)
    else:  # ranks other than 0 get a Run object but never write to it (GanTrainer checks)
        run = Run.create(experiment.name, out) if main else Run(out or "unwritten-run")
    with (
        run.lock() if main else contextlib.nullcontext(),
        run.streaming(main and config.logging.tensorboard),
    ):
        before = _Settings.of(run) if main and resume is not None else None
        try:
            _run_in(run, experiment, config, torch_device, profile, resume is not None, progress)
        except MinimaxlabError:
            if main and resume is None:
                _remove_untrained(run, keep_folder=existed)
            if before is not None:
                before.restore_if_untrained(run)
            raise
    return run


@dataclasses.dataclass(frozen=True)
class _Settings:
    """A run folder's config.yaml and env.json as a resume found them, and the state of its
    other files, so that a refused resume (a bad override, a checkpoint that does not fit it)
    leaves the folder as it was and a plain ``--resume`` still continues it."""

    texts: dict[Path, bytes]
    others: dict[Path, tuple[int, int]]

    @staticmethod
    def _others(run: Run) -> dict[Path, tuple[int, int]]:
        """Every other file of the folder, with its modification time and size."""
        skipped = {run.config_path, run.env_path, run.path / LOCK_FILE}
        files = [p for p in run.path.rglob("*") if p.is_file() and p not in skipped]
        return {p: (stat.st_mtime_ns, stat.st_size) for p in files for stat in [p.stat()]}

    @classmethod
    def of(cls, run: Run) -> _Settings:
        texts = {p: p.read_bytes() for p in (run.config_path, run.env_path) if p.is_file()}
        return cls(texts, cls._others(run))

    def restore_if_untrained(self, run: Run) -> None:
        """Put config.yaml and env.json back while nothing else in the folder has changed."""
        if self._others(run) == self.others:
            for path, text in self.texts.items():
                atomic_write_bytes(path, text)


def _remove_untrained(run: Run, keep_folder: bool) -> None:
    """Undo a new run that failed before it trained (a bad value, missing data, a first write
    that failed): while the folder holds nothing but what _run_in wrote, remove that, and the
    folder too unless the user made it, so the same ``--out`` can be used again."""
    written = [p for p in run.path.iterdir() if p.name in UNTRAINED]
    if len(written) < sum(1 for _ in run.path.iterdir()):
        return  # it trained, or someone else wrote here: keep everything
    if not keep_folder:
        shutil.rmtree(run.path, ignore_errors=True)
        return
    for path in written:
        path.unlink(missing_ok=True)


def _run_in(
    run: Run,
    experiment: Experiment,
    config: ExperimentConfig,
    torch_device: torch.device,
    profile: str,
    resumed: bool,
    progress: bool,
) -> None:
    """Train ``experiment`` into ``run``, which this process holds."""
    main = distributed.is_main()
    seed_everything(config.seed, torch_device, config.deterministic)
    if main:
        run.write_config(config.model_dump(mode="json"))
        run.write_env(_environment(run, torch_device, config.seed, profile, resumed))
    context = RunContext(
        run=run,
        device=torch_device,
        resume=resumed and run.has_checkpoint(),
        stop=None,
        progress=progress,
        run_child=functools.partial(
            run_child, seed=config.seed, device=str(torch_device), progress=progress
        ),
    )
    summary = _train(experiment, config, context, main)
    if main:
        _finish(experiment, config, context, summary)


def _environment(
    run: Run, torch_device: torch.device, seed: int, profile: str, resumed: bool
) -> dict[str, Any]:
    """env.json: versions, device, seed, profile; a resumed run keeps the story of the run,
    what it started on and then where it was resumed."""
    env = environment_info(torch_device, seed)
    if resumed:
        previous = run.read_json(run.env_path) or {}
        env["profile"], env["resumed_after"] = previous.get("profile"), previous
    else:
        env["profile"] = profile
    if distributed.launched():
        env["processes"] = int(os.environ["WORLD_SIZE"])
    return env


def _train(
    experiment: Experiment,
    config: ExperimentConfig,
    context: RunContext,
    main: bool,
) -> dict[str, Any]:
    """The experiment's summary; a stopped run's status and report are written first."""
    run = context.run
    try:
        with StopSignal() as stop:
            return experiment.run(config, dataclasses.replace(context, stop=stop))
    except TrainingInterrupted as stopped:
        if main:
            run.add_to_summary(experiment=experiment.name, status="interrupted", steps=stopped.step)
            write_run_report(run)
        raise


def _finish(
    experiment: Experiment, config: ExperimentConfig, context: RunContext, summary: dict[str, Any]
) -> None:
    """Merge the summary in, write the report, then evaluate (which adds to both)."""
    context.run.add_to_summary(**{"experiment": experiment.name, "status": "finished", **summary})
    write_run_report(context.run)
    n = experiment.evaluation_size(config) if experiment.evaluation_size else None
    if n:  # evaluate_run adds the metrics to the summary and renders the report again
        evaluate_run(
            context.run.path,
            n=n,
            device=context.device,
            seed=config.seed,
            progress=context.progress,
        )
