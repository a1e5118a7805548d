"""No traceback at the command line for what a user can cause: every command that takes a path,
on a damaged run file or on an output path that cannot be written, prints one line naming the
path, exits with status 2 and leaves no half-written file."""

import errno
import json
import os
import shutil
from types import SimpleNamespace

import pytest

from minimaxlab.tools import interpolate
from tests.helpers import held_by_another_process, invoke, one_line_error

from .helpers import BrightnessClassifier

CPU = ["--device", "cpu"]
GARBAGE = b"\xff\xfe not what minimaxlab wrote \x00"
CONFIG, ENV, SUMMARY, METRICS, CHECKPOINT = RUN_FILES = (
    "config.yaml",
    "env.json",
    "summary.json",
    "metrics.jsonl",
    "checkpoint.pt",
)
TEXT_FILES = (CONFIG, ENV, SUMMARY, METRICS)  # what the commands without a generator read

# The commands that read a run folder: their options, given the output folder, and the files
# they read.
ON_A_RUN = {
    "sample": (lambda out: ["--n", 4, "--out", out / "samples.png", *CPU], (CONFIG, CHECKPOINT)),
    "evaluate": (lambda out: ["--n", 40, "--no-progress", *CPU], RUN_FILES),
    "interpolate": (lambda out: ["--steps", 2, "--no-progress", *CPU], RUN_FILES),
    "invert": (lambda out: ["--images", 1, "--restarts", 1, "--steps", 1, *CPU], RUN_FILES),
    "latent-path": (
        lambda out: ["--points", 3, "--steps", 1, "--invert-steps", 1, *CPU],
        RUN_FILES,
    ),
    "report": (lambda out: [], TEXT_FILES),
    "notebook": (lambda out: ["--out", out / "run.ipynb"], TEXT_FILES),
    "compare": (lambda out: ["--out", out / "compare.html"], TEXT_FILES),
    "run --resume": (lambda out: ["--no-progress"], RUN_FILES),
}
SMOKE = ["--profile", "smoke", "--no-progress", *CPU]
# The commands that write a file or folder the user names with --out ...
TO_AN_OUT_PATH = {
    "sample": lambda run, out: ["sample", run, "--n", 4, "--out", out / "samples.png", *CPU],
    "compare": lambda run, out: ["compare", run, run.parent / "other", "--out", out / "c.html"],
    "notebook": lambda run, out: ["notebook", run, "--out", out / "run.ipynb"],
    "run --out": lambda run, out: ["run", "gan-mnist", *SMOKE, "--out", out / "run"],
    "run all --out": lambda run, out: ["run", "all", "--only", "bandit", *SMOKE, "--out", out],
}
# ... and those that write into the run folder itself.
INTO_THE_RUN = ("evaluate", "interpolate", "invert", "latent-path", "report", "run --resume")


def command_line(command, run_dir, out):
    name, *option = command.split()
    extra, _ = ON_A_RUN[command]
    if name == "compare":
        return [name, run_dir, run_dir.parent / "other", *extra(out)]
    return [name, *option, run_dir, *extra(out)]


@pytest.fixture
def runs(tiny_runs, tmp_path, shared_cache, monkeypatch):
    """Two copies of a tiny gan-mnist run (compare needs two), and a folder for outputs; the
    interpolation's classifier is a stand-in, as in test_commands.py."""
    monkeypatch.setattr(
        interpolate, "load_or_train_classifier", lambda *a, **k: BrightnessClassifier
    )
    run_dir = shutil.copytree(tiny_runs["gan-mnist"], tmp_path / "run")
    shutil.copytree(run_dir, tmp_path / "other")
    out = tmp_path / "out"
    out.mkdir()
    return run_dir, out


def contents(folder):
    """Every file under ``folder`` and its bytes (the lock file, rewritten by a resume, aside)."""
    return {
        p.relative_to(folder): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != ".lock"
    }


def no_half_written_files(*folders):
    return not [p for folder in folders for p in folder.rglob("*.tmp")]


@pytest.mark.parametrize(
    ("command", "damaged"),
    [(command, name) for command, (_, reads) in ON_A_RUN.items() for name in reads],
)
def test_a_damaged_run_file_is_one_line_naming_it_and_nothing_is_written(runs, command, damaged):
    run_dir, out = runs
    (run_dir / damaged).write_bytes(GARBAGE)
    before = contents(run_dir)
    one_line_error(invoke(*command_line(command, run_dir, out)), str(run_dir / damaged))
    assert contents(run_dir) == before
    assert not list(out.iterdir())


def block(folder, case, monkeypatch, inner=None):
    """Make writing into ``folder`` fail: read-only (where the tests run as root, which writes
    anyway, its folder ``inner`` becomes a file instead), a file where its folder ``inner``
    should be, or a disk that is full."""
    inner = inner or folder
    if case == "no space left":

        def disk_full(fd):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

        monkeypatch.setattr(os, "fsync", disk_full)
        return
    if case == "read-only folder":
        for path in (folder, *folder.rglob("*")):
            path.chmod(0o500 if path.is_dir() else 0o400)
        if not os.access(folder, os.W_OK):  # not root: the folder refuses writes
            return
        writable(folder)
    shutil.rmtree(inner)
    inner.write_text("a file where a folder should be")


def writable(folder):
    for path in (folder, *folder.rglob("*")):
        path.chmod(0o700 if path.is_dir() else 0o600)


CASES = ("read-only folder", "a file where a folder should be", "no space left")


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("command", TO_AN_OUT_PATH)
def test_an_out_path_that_cannot_be_written(runs, command, case, monkeypatch):
    run_dir, out = runs
    before = contents(run_dir)
    block(out, case, monkeypatch)
    result = invoke(*TO_AN_OUT_PATH[command](run_dir, out))
    monkeypatch.undo()
    if command == "run all --out":  # its progress line, "bandit: running", comes first
        stderr = result.stderr.replace("bandit: running\n", "")
        result = SimpleNamespace(exit_code=result.exit_code, stderr=stderr, output=result.output)
    one_line_error(result, str(out), "cannot write")
    assert contents(run_dir) == before
    if out.is_dir():
        writable(out)
        assert not [p for p in out.rglob("*") if p.is_file() and p.name != ".lock"]
    assert no_half_written_files(run_dir.parent)


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("command", INTO_THE_RUN)
def test_a_run_folder_that_cannot_be_written(runs, command, case, monkeypatch):
    run_dir, out = runs
    block(run_dir, case, monkeypatch, inner=run_dir / "figures")
    result = invoke(*command_line(command, run_dir, out))
    monkeypatch.undo()
    writable(run_dir)
    one_line_error(result, str(run_dir), "cannot write")
    assert no_half_written_files(run_dir.parent)


@pytest.mark.parametrize("command", [c for c in INTO_THE_RUN if c != "report"])
def test_a_run_folder_in_use_by_another_process_is_refused_and_left_as_it_was(runs, command):
    run_dir, out = runs
    before = contents(run_dir)
    with held_by_another_process(run_dir / ".lock") as pid:
        result = invoke(*command_line(command, run_dir, out))
    one_line_error(result, str(run_dir), f"in use by another minimaxlab process (pid {pid})")
    assert contents(run_dir) == before


@pytest.mark.parametrize("case", ["a file where a folder should be", "no space left"])
def test_data_fetch_into_a_place_that_cannot_be_written(fake_mnist, tmp_path, case, monkeypatch):
    data = tmp_path / "data"
    data.mkdir()
    monkeypatch.setenv("MINIMAXLAB_DATA", str(data))
    block(data, case, monkeypatch)
    result = invoke("data", "fetch", "mnist", "--no-apt")
    monkeypatch.undo()
    one_line_error(result, str(data), "cannot write")
    assert "could not download" not in result.stderr  # the disk refused, not the mirrors
    assert not data.is_dir() or not list(data.rglob("*ubyte*"))


def test_data_that_vanishes_after_training_keeps_the_trained_run(fake_mnist, tmp_path, monkeypatch):
    from minimaxlab.gan.trainer import GanTrainer

    train = GanTrainer.train

    def train_then_lose_the_data(self, *args, **kwargs):
        summary = train(self, *args, **kwargs)
        shutil.rmtree(fake_mnist)  # an unmounted disk, a cleaned-up folder
        return summary

    monkeypatch.setattr(GanTrainer, "train", train_then_lose_the_data)
    run_dir = tmp_path / "run"
    result = invoke(
        "run", "gan-mnist", *SMOKE, "--out", run_dir, "data.name=mnist",
        f"data.root={fake_mnist}", "evaluation.enabled=true", "evaluation.n=8",
    )  # fmt: skip
    one_line_error(result, "data set 'mnist' not found", "minimaxlab data fetch")
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["status"] == "finished" and "evaluation" not in summary
    assert (run_dir / "checkpoint.pt").is_file() and (run_dir / "report.html").is_file()
