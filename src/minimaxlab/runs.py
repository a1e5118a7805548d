"""The run folder: where every stage writes, atomically, and where a stopped run resumes from.

runs/<experiment>-<timestamp>/
    config.yaml     the full resolved config
    env.json        versions, device, seed
    metrics.jsonl   one JSON record per logged step
    summary.json    the final figures of the run
    checkpoint.pt   models, optimisers, step, every RNG state (minimaxlab.checkpoint)
    sweep.json      a sweep's finished settings and their results (minimaxlab.sweeps)
    .lock           held by the one process writing into the folder (Run.lock)
    figures/        images the report shows
    report.html
    tensorboard/    with logging.tensorboard=true: a live copy of the records and grids
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import functools
import json
import math
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import torch
import yaml

from minimaxlab.atomic import atomic_write_text, make_folder, writing
from minimaxlab.checkpoint import UNSAFE, load_checkpoint, save_checkpoint
from minimaxlab.errors import MinimaxlabError
from minimaxlab.tensorboard import FOLDER as TENSORBOARD_FOLDER
from minimaxlab.tensorboard import TensorBoardStream

DEFAULT_ROOT = Path("runs")
LOCK_FILE = ".lock"  # held (flock) by the process writing into the folder
# Run folders this process holds (Run.lock): a command called inside the hold (the launcher's
# `evaluate` after training) runs under it, since a second flock would refuse its own process.
_HELD: set[Path] = set()


def writes_into_run(command: Callable[..., Any]) -> Callable[..., Any]:
    """A command on a run folder (its first argument) that writes into it runs holding the
    folder (Run.lock): refused while training or another command writes there."""

    @functools.wraps(command)
    def holding_the_run(run_dir: str | os.PathLike, *args: Any, **kwargs: Any) -> Any:
        run = Run.open(run_dir)
        held = run.path.resolve() in _HELD
        with contextlib.nullcontext() if held else run.lock():
            return command(run_dir, *args, **kwargs)

    return holding_the_run


def _jsonable(value: Any) -> Any:
    """Plain JSON values; non-finite floats become null so every line stays valid JSON."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    return value


class Run:
    """One run's folder. Create it with :meth:`create`, reopen it with :meth:`open`."""

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)
        # the live TensorBoard view of the records and grids (start_stream), or None
        self.stream: TensorBoardStream | None = None

    # ---- creating and opening -------------------------------------------------------------
    @classmethod
    def create(cls, experiment: str, out: str | os.PathLike | None = None) -> Run:
        """A new, empty run folder: ``out`` if given, else ``runs/<experiment>-<timestamp>``."""
        if out is not None:
            path = Path(out)
            if path.exists() and any(path.iterdir()):
                raise MinimaxlabError(
                    f"run folder {path} already exists and is not empty; choose another --out "
                    f"or continue it with --resume {path}"
                )
        else:
            stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
            path = DEFAULT_ROOT / f"{experiment}-{stamp}"
            suffix = 1
            while path.exists():
                suffix += 1
                path = DEFAULT_ROOT / f"{experiment}-{stamp}-{suffix}"
        return cls(make_folder(path))

    @classmethod
    def open(cls, path: str | os.PathLike) -> Run:
        """An existing run folder, checked to hold a config."""
        run = cls(path)
        if not run.path.is_dir():
            raise MinimaxlabError(f"run folder {run.path} does not exist")
        if not run.config_path.is_file():
            raise MinimaxlabError(
                f"{run.path} is not a run folder (it has no config.yaml); pass a folder that "
                "'minimaxlab run' wrote"
            )
        return run

    def check_files(self) -> None:
        """Read config.yaml, env.json, summary.json and metrics.jsonl: the one-line error of
        the first that is damaged, before a resumed run spends any time training."""
        self.read_config()
        self.read_json(self.env_path)
        self.read_summary()
        for _ in self.metrics():
            pass

    # ---- paths -----------------------------------------------------------------------------
    @property
    def config_path(self) -> Path:
        return self.path / "config.yaml"

    @property
    def env_path(self) -> Path:
        return self.path / "env.json"

    @property
    def metrics_path(self) -> Path:
        return self.path / "metrics.jsonl"

    @property
    def summary_path(self) -> Path:
        return self.path / "summary.json"

    @property
    def checkpoint_path(self) -> Path:
        return self.path / "checkpoint.pt"

    @property
    def report_path(self) -> Path:
        return self.path / "report.html"

    def figure_path(self, name: str) -> Path:
        """Where a figure called ``name`` (for example ``samples/epoch_010.png``) goes."""
        path = self.path / "figures" / name
        make_folder(path.parent)
        return path

    # ---- config and environment ------------------------------------------------------------
    def write_config(self, data: dict[str, Any]) -> None:
        atomic_write_text(self.config_path, yaml.safe_dump(data, sort_keys=False))

    def read_config(self) -> dict[str, Any]:
        """config.yaml as plain data; a damaged one is a one-line error that names it."""
        try:
            data = yaml.safe_load(self.config_path.read_text(encoding="utf-8"))
        except (OSError, ValueError, yaml.YAMLError) as err:  # ValueError: not UTF-8
            raise MinimaxlabError(
                f"cannot read {self.config_path} ({type(err).__name__}); repair it (report.html "
                "shows the config the run started with) or start a new run"
            ) from None
        if not isinstance(data, dict) or not isinstance(data.get("experiment"), str):
            raise MinimaxlabError(f"{self.config_path} is not a minimaxlab config")
        return data

    def write_json(self, path: Path, data: Any) -> None:
        atomic_write_text(path, json.dumps(_jsonable(data), indent=2) + "\n")

    def read_json(self, path: Path) -> Any:
        """The JSON in ``path``, or None when there is no such file; a damaged one is a
        one-line error that names it."""
        if not path.is_file():
            return None
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as err:  # ValueError: not JSON, or not UTF-8
            raise MinimaxlabError(
                f"cannot read {path} ({type(err).__name__}); repair it, or delete it to let the "
                "run write it afresh"
            ) from None

    def write_env(self, info: dict[str, Any]) -> None:
        self.write_json(self.env_path, info)

    def write_summary(self, summary: dict[str, Any]) -> None:
        self.write_json(self.summary_path, summary)

    def read_summary(self) -> dict[str, Any]:
        return self.read_json(self.summary_path) or {}

    def add_to_summary(self, **entries: Any) -> None:
        """Set top-level entries of summary.json (a later stage's results, a new status),
        keeping the rest: the summary is only ever merged into, never replaced."""
        self.write_summary({**self.read_summary(), **entries})

    # ---- one writer at a time -------------------------------------------------------------
    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the run folder for this process: a second process that tries to write into the
        same folder (a second ``--resume``, an ``evaluate`` during training) is refused."""
        key = self.path.resolve()
        with writing(self.path / LOCK_FILE):
            fd = os.open(self.path / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o666)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "?"
                raise MinimaxlabError(
                    f"{self.path} is in use by another minimaxlab process (pid {holder}); wait "
                    "for it to finish, or stop it, then try again"
                ) from None
            os.ftruncate(fd, 0)
            os.pwrite(fd, str(os.getpid()).encode(), 0)
            _HELD.add(key)
            try:
                yield
            finally:
                _HELD.discard(key)
        finally:
            os.close(fd)  # closing releases the lock; a killed process's lock goes with it

    # ---- metrics ---------------------------------------------------------------------------
    def log_metrics(self, record: dict[str, Any]) -> None:
        """Append one record; a line is written whole, so a kill loses at most the last line."""
        # O_NOFOLLOW: a run folder from someone else cannot make this append to a file its
        # metrics.jsonl links to (docs/threat-note.md)
        flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0)
        try:
            fd = os.open(self.metrics_path, flags, 0o666)
        except OSError as err:
            raise MinimaxlabError(
                f"cannot append to {self.metrics_path} ({err.strerror}); it must be a plain "
                "file the run can write"
            ) from None
        with writing(self.metrics_path), os.fdopen(fd, "a", encoding="utf-8") as f:
            f.write(json.dumps(_jsonable(record)) + "\n")
        if self.stream is not None:
            self.stream.add_record(record)

    @contextlib.contextmanager
    def streaming(self, tensorboard: bool) -> Iterator[None]:
        """While inside, with ``tensorboard``: records and grids also stream to
        ``tensorboard/`` (see minimaxlab.tensorboard); the run folder stays the record."""
        if not tensorboard:
            yield
            return
        self.stream = TensorBoardStream(self.path / TENSORBOARD_FOLDER)
        try:
            yield
        finally:
            self.stream.close()
            self.stream = None

    def stream_grid(self, tag: str, images: torch.Tensor, step: int, nrow: int | None) -> None:
        """Show a grid of images in [−1, 1] in the live view, if one is open (files are
        written by the caller, as ever)."""
        if self.stream is not None:
            self.stream.add_grid(tag, images, step, nrow)

    def metrics(self) -> Iterator[dict[str, Any]]:
        """The logged records. A line torn by a kill mid-write (not JSON; a resumed run may
        append to it) is skipped; a file that is not text, or a line of JSON that is not a
        record, is damage and a one-line error."""
        if not self.metrics_path.is_file():
            return
        try:
            lines = self.metrics_path.read_text(encoding="utf-8").splitlines()
        except (OSError, ValueError) as err:  # ValueError: not UTF-8, so not what we wrote
            raise MinimaxlabError(
                f"cannot read {self.metrics_path} ({type(err).__name__}); move it away to keep "
                "the run going without its earlier curves"
            ) from None
        for number, line in enumerate(lines, start=1):
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                continue
            if not isinstance(record, dict):
                raise MinimaxlabError(
                    f"{self.metrics_path} line {number} is not a metrics record; delete that line"
                )
            yield record

    def truncate_metrics(self, last_step: int) -> None:
        """Drop records after ``last_step``: they belong to training that the checkpoint lost."""
        self.drop_metrics(lambda r: r.get("step", 0) > last_step)

    def drop_metrics(self, dropped: Callable[[dict[str, Any]], bool]) -> None:
        """Remove the records for which ``dropped`` is true (say, one sweep setting's records
        past its checkpoint), keeping the others in order."""
        records = list(self.metrics())
        kept = [r for r in records if not dropped(r)]
        if len(kept) != len(records):
            atomic_write_text(self.metrics_path, "".join(json.dumps(r) + "\n" for r in kept))

    # ---- checkpoints (minimaxlab.checkpoint: data only, loaded without running code) ---------
    def save_torch(self, name: str, data: Any) -> Path:
        """Save tensors and plain values as ``name`` in the run folder, atomically."""
        return save_checkpoint(self.path / name, data)

    def load_torch(self, name: str, map_location: str | torch.device = "cpu") -> Any:
        """What :meth:`save_torch` wrote as ``name``, loaded safely."""
        return load_checkpoint(self.path / name, map_location)

    def save_checkpoint(self, state: dict[str, Any]) -> None:
        """Write ``checkpoint.pt`` atomically."""
        self.save_torch(self.checkpoint_path.name, state)

    def has_checkpoint(self) -> bool:
        return self.checkpoint_path.is_file()

    def load_checkpoint(self, map_location: str | torch.device = "cpu") -> dict[str, Any]:
        """``checkpoint.pt``, loaded safely; a file that is not a dict of state is refused."""
        state = self.load_torch(self.checkpoint_path.name, map_location)
        if not isinstance(state, dict):
            raise MinimaxlabError(f"{self.checkpoint_path} is {UNSAFE}: it holds no state")
        return state
