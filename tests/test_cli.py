"""The command line, end to end on tiny data: exit codes, messages, the run folder, resume."""

import signal

import pytest
import torch
import yaml
from PIL import Image

from minimaxlab.gan.trainer import GanTrainer
from tests.helpers import invoke, one_line_error

TINY = [
    "data.name=digits",
    "data.image_size=28",
    "data.limit=96",
    "train.batch_size=16",
    "train.epochs=2",
    "train.log_every=2",
    "samples.grid_epochs=[0,2]",
    "samples.grid_size=2",
    "evaluation.enabled=false",
]


QUICK_CPU = ["--profile", "quick", "--device", "cpu", "--no-progress"]


def run_tiny(out, *extra):
    return invoke("run", "dcgan-fashion", *QUICK_CPU, "--out", out, *TINY, *extra)


def assert_same_weights(run_a, run_b, step):
    """Both runs' checkpoints are at ``step`` with bitwise equal G and D."""
    a = torch.load(run_a / "checkpoint.pt", weights_only=False)
    b = torch.load(run_b / "checkpoint.pt", weights_only=False)
    assert a["step"] == b["step"] == step
    for part in ("generator", "discriminator"):
        for key, value in a["models"][part].items():
            assert torch.equal(value, b["models"][part][key]), (part, key)


def test_list_shows_each_experiment_with_a_description():
    result = invoke("list")
    assert result.exit_code == 0
    assert "dcgan-fashion" in result.stdout and "DCGAN" in result.stdout


def test_unknown_experiment(tmp_path):
    one_line_error(
        invoke("run", "dcgan-cifar", "--out", tmp_path / "r"),
        "unknown experiment 'dcgan-cifar'",
        "dcgan-fashion",
    )


def test_bad_override(tmp_path):
    one_line_error(run_tiny(tmp_path / "r", "train.epohcs=3"), "unknown config key 'train.epohcs'")
    one_line_error(run_tiny(tmp_path / "r", "train.batch_size=0"), "'train.batch_size'")
    assert not (tmp_path / "r").exists()


def test_missing_data_set_leaves_no_run_folder(tmp_path):
    result = invoke(
        "run",
        "dcgan-fashion",
        "--out",
        tmp_path / "r",
        "--no-progress",
        f"data.root={tmp_path / 'empty'}",
    )
    one_line_error(result, "data set 'fashion-mnist' not found", "minimaxlab data fetch")
    assert not (tmp_path / "r").exists()


def test_a_first_write_that_fails_leaves_no_folder_and_the_out_path_usable(tmp_path, monkeypatch):
    from minimaxlab.atomic import writing
    from minimaxlab.runs import Run

    def full_disk(self, env):  # as the atomic write reports a disk that is full
        with writing(self.env_path):
            raise OSError(28, "No space left on device")

    monkeypatch.setattr(Run, "write_env", full_disk)
    one_line_error(run_tiny(tmp_path / "r"), "env.json", "No space left on device")
    assert not (tmp_path / "r").exists()  # no folder holding only .lock and config.yaml
    monkeypatch.undo()
    assert run_tiny(tmp_path / "r").exit_code == 0  # the same --out is free again


def test_a_failed_run_into_a_folder_the_user_made_empties_it_but_keeps_it(tmp_path):
    (tmp_path / "r").mkdir()
    one_line_error(
        invoke("run", "dcgan-fashion", "--out", tmp_path / "r", f"data.root={tmp_path / 'e'}"),
        "data set 'fashion-mnist' not found",
    )
    assert (tmp_path / "r").is_dir() and not any((tmp_path / "r").iterdir())


def test_unavailable_device_is_a_user_error(tmp_path):
    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    result = invoke("run", "dcgan-fashion", "--device", "cuda", "--out", tmp_path / "r", *TINY)
    one_line_error(result, "no CUDA GPU is available")


def test_a_run_writes_its_whole_folder(tmp_path):
    out = tmp_path / "run"
    result = run_tiny(out)
    assert result.exit_code == 0, result.output
    assert result.stdout.strip().splitlines()[-1] == str(out)  # the run folder, printed last
    lines = result.stdout.strip().splitlines()
    assert "  epochs 2" in lines and any(line.startswith("  wall time ") for line in lines)
    assert lines[-2] == f"report: {out / 'report.html'}"
    for name in (
        "config.yaml",
        "env.json",
        "metrics.jsonl",
        "summary.json",
        "checkpoint.pt",
        "report.html",
        "figures/progress.gif",
        "figures/samples/epoch_000.png",
        "figures/samples/epoch_002.png",
    ):
        assert (out / name).is_file(), name
    config = yaml.safe_load((out / "config.yaml").read_text())
    assert config["data"]["name"] == "digits" and config["train"]["epochs"] == 2
    env = yaml.safe_load((out / "env.json").read_text())
    assert env["device"] == "cpu" and env["seed"] == 0 and env["torch"] == torch.__version__
    summary = yaml.safe_load((out / "summary.json").read_text())
    assert summary["status"] == "finished" and summary["steps"] == 12
    assert summary["parameters"] == {"generator": 2_305_472, "discriminator": 212_865}
    html = (out / "report.html").read_text()
    for fragment in ("data:image/gif;base64", "data:image/png;base64", "Losses", "cpu"):
        assert fragment in html


def test_same_seed_same_numbers_and_ctrl_c_resumes_to_the_same_weights(tmp_path, monkeypatch):
    straight = tmp_path / "straight"
    assert run_tiny(straight).exit_code == 0

    original = GanTrainer.iteration

    def interrupt_at_step_5(self, batches):
        original(self, batches)
        if self.step == 4:  # the loop counts this iteration as step 5
            signal.raise_signal(signal.SIGINT)

    monkeypatch.setattr(GanTrainer, "iteration", interrupt_at_step_5)
    stopped = tmp_path / "stopped"
    result = run_tiny(stopped)
    assert result.exit_code == 130, result.output
    assert "interrupted at step 5" in result.stderr
    assert yaml.safe_load((stopped / "summary.json").read_text())["status"] == "interrupted"
    assert torch.load(stopped / "checkpoint.pt", weights_only=False)["step"] == 5
    assert (stopped / "report.html").is_file()
    monkeypatch.setattr(GanTrainer, "iteration", original)

    result = invoke("run", "--resume", stopped, "--no-progress")
    assert result.exit_code == 0, result.output
    assert_same_weights(straight, stopped, step=12)
    assert yaml.safe_load((stopped / "env.json").read_text())["resumed_after"]["seed"] == 0


def test_a_finished_run_resumed_with_more_epochs_trains_on_to_a_longer_runs_weights(tmp_path):
    """`run --resume RUN train.epochs=K` continues a finished run (the README's way to train a
    quick run longer): the same weights as a run of K epochs from the start."""
    longer = tmp_path / "longer"
    assert run_tiny(longer, "train.epochs=3", "samples.grid_epochs=[0,3]").exit_code == 0
    extended = tmp_path / "extended"
    assert run_tiny(extended).exit_code == 0

    result = invoke("run", "--resume", extended, "train.epochs=3", "--no-progress")
    assert result.exit_code == 0, result.output
    assert_same_weights(longer, extended, step=18)
    summary = yaml.safe_load((extended / "summary.json").read_text())
    assert summary["status"] == "finished" and summary["epochs"] == 3.0
    assert yaml.safe_load((extended / "config.yaml").read_text())["train"]["epochs"] == 3


def test_a_refused_resume_leaves_the_run_folder_as_it_was(tmp_path):
    run = tmp_path / "run"
    assert run_tiny(run).exit_code == 0
    kept = {name: (run / name).read_bytes() for name in ("config.yaml", "env.json")}
    empty = tmp_path / "empty"
    empty.mkdir()
    for overrides, fragment in (
        (["data.name=mnist", f"data.root={empty}"], "not found"),  # fails as the data loads
        (["train.epochs=1"], "the checkpoint has trained 2 epochs, more than train.epochs=1"),
    ):
        one_line_error(invoke("run", "--resume", run, *overrides, "--no-progress"), fragment)
        assert {name: (run / name).read_bytes() for name in kept} == kept, overrides
    result = invoke("run", "--resume", run, "train.epochs=3", "--no-progress")
    assert result.exit_code == 0, result.output  # the stored settings still resume


def test_a_resumed_run_keeps_its_seed_profile_and_folder(tmp_path):
    run = tmp_path / "run"
    assert run_tiny(run).exit_code == 0
    for extra in (["--seed", "5"], ["seed=5"]):
        one_line_error(
            invoke("run", "--resume", run, *extra), "a resumed run keeps its seed", "seed 5"
        )
    for extra in (["--profile", "smoke"], ["--out", tmp_path / "elsewhere"]):
        one_line_error(invoke("run", "--resume", run, *extra), "a resumed run keeps its profile")
    assert yaml.safe_load((run / "config.yaml").read_text())["seed"] == 0
    assert not (tmp_path / "elsewhere").exists()


def test_resume_needs_a_run_folder(tmp_path):
    one_line_error(invoke("run", "--resume", tmp_path), "is not a run folder")
    one_line_error(invoke("run"), "name an experiment")


def test_deterministic_runs_repeat_bitwise_in_separate_processes(tmp_path):
    """Multi-threaded CPU kernels may round differently from process to process; with
    deterministic=true two processes (logging at different intervals) agree to the bit."""
    import os
    import subprocess
    import sys

    checkpoints = []
    for log_every in (2, 3):
        out = tmp_path / f"run{log_every}"
        args = [
            "run",
            "dcgan-fashion",
            *QUICK_CPU,
            "--out",
            str(out),
            *TINY,
            "train.epochs=1",
            f"train.log_every={log_every}",
            "deterministic=true",
        ]
        env = {**os.environ, "OMP_NUM_THREADS": "2"}
        done = subprocess.run(
            [sys.executable, "-m", "minimaxlab", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr
        checkpoints.append(torch.load(out / "checkpoint.pt", weights_only=False))
        assert yaml.safe_load((out / "env.json").read_text())["cpu_threads"] == 1
    first, second = (c["models"]["generator"] for c in checkpoints)
    assert all(torch.equal(value, second[key]) for key, value in first.items())


def test_gan_mnist_falls_back_to_data_that_is_here(tmp_path):
    out = tmp_path / "run"
    args = [*QUICK_CPU, "--out", out]
    tiny = [
        "data.limit=64",
        "train.batch_size=16",
        "train.epochs=1",
        "samples.grid_epochs=[0,1]",
        "evaluation.enabled=false",
    ]
    with pytest.warns(UserWarning, match="mnist is not on this machine; training on digits"):
        result = invoke("run", "gan-mnist", *args, *tiny)
    assert result.exit_code == 0, result.output
    summary = yaml.safe_load((out / "summary.json").read_text())
    assert summary["data"]["name"] == "digits"  # neither mnist nor fashion-mnist in the sandbox
    assert (out / "figures" / "samples" / "epoch_000.png").is_file()
    with Image.open(out / "figures" / "samples" / "epoch_001.png") as grid:
        assert grid.size == (3 * (5 * 30 + 2),) * 2  # 5×5 samples


def test_run_evaluates_at_the_end_when_enabled(tmp_path, monkeypatch):
    from minimaxlab.metrics import features

    monkeypatch.setattr(features, "DEFAULT_SPEC", features.ClassifierSpec(epochs=1))
    out = tmp_path / "run"
    result = run_tiny(out, "evaluation.enabled=true", "evaluation.n=120")
    assert result.exit_code == 0, result.output
    assert yaml.safe_load((out / "summary.json").read_text())["evaluation"]["n"] == 120
