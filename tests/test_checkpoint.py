"""Checkpoints hold data, not code: safe loading, old checkpoints, damaged and hostile files."""

from __future__ import annotations

import os
import random

import numpy as np
import pytest
import torch
from typer.testing import CliRunner

from minimaxlab.checkpoint import UNSAFE, load_checkpoint, save_checkpoint
from minimaxlab.cli import app
from minimaxlab.errors import MinimaxlabError
from minimaxlab.launch import run_experiment
from minimaxlab.reproducibility import global_rng_state, set_global_rng_state


class Payload:
    """Unpickling this runs ``os.system``: what a crafted checkpoint.pt would do."""

    def __init__(self, marker) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_tensors_and_plain_values_round_trip(tmp_path):
    state = {"step": 3, "weights": torch.arange(4.0), "names": ["a", "b"], "pair": (1, None)}
    save_checkpoint(tmp_path / "c.pt", state)
    loaded = load_checkpoint(tmp_path / "c.pt")
    assert loaded["step"] == 3 and loaded["names"] == ["a", "b"] and loaded["pair"] == (1, None)
    assert torch.equal(loaded["weights"], torch.arange(4.0))


def test_every_rng_state_goes_through_the_safe_loader_and_restores_the_draws(tmp_path):
    save_checkpoint(tmp_path / "c.pt", {"rng": global_rng_state()})
    first = (random.random(), np.random.rand(), torch.rand(1).item())
    set_global_rng_state(load_checkpoint(tmp_path / "c.pt")["rng"])
    assert (random.random(), np.random.rand(), torch.rand(1).item()) == first


def test_an_old_checkpoint_with_numpy_rng_state_still_loads(tmp_path):
    """Format 1 (before this module) pickled NumPy's state tuple, an ndarray inside."""
    old = {
        "python": random.getstate(),
        "numpy": np.random.get_state(),
        "torch": torch.get_rng_state(),
    }
    torch.save({"format": 1, "rng": old}, tmp_path / "old.pt")
    first = np.random.rand()
    set_global_rng_state(load_checkpoint(tmp_path / "old.pt")["rng"])
    assert np.random.rand() == first


def test_a_hostile_file_is_refused_without_running_it(tmp_path):
    marker = tmp_path / "ran"
    torch.save({"models": Payload(marker)}, tmp_path / "evil.pt")
    with pytest.raises(MinimaxlabError, match=UNSAFE):
        load_checkpoint(tmp_path / "evil.pt")
    assert not marker.exists()


@pytest.mark.parametrize("damage", ["truncated", "garbage", "empty"])
def test_a_damaged_file_is_one_line_naming_it(tmp_path, damage):
    path = tmp_path / "c.pt"
    save_checkpoint(path, {"weights": torch.zeros(100)})
    data = {"truncated": path.read_bytes()[:50], "garbage": b"not a checkpoint", "empty": b""}
    path.write_bytes(data[damage])
    with pytest.raises(MinimaxlabError) as err:
        load_checkpoint(path)
    assert str(path) in str(err.value) and "\n" not in str(err.value)


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory):
    """A finished tiny gan-mnist run whose checkpoint.pt was replaced by a payload."""
    folder = tmp_path_factory.mktemp("hostile")
    run = run_experiment(
        "gan-mnist", profile="smoke", device="cpu", out=folder / "run", progress=False
    )
    return run, folder / "ran"


COMMANDS = {
    "sample": lambda run, tmp: ["sample", run, "--out", tmp / "s.png", "--n", 4, "--device", "cpu"],
    "evaluate": lambda run, tmp: ["evaluate", run, "--n", 16, "--device", "cpu", "--no-progress"],
    "interpolate": lambda run, tmp: ["interpolate", run, "--device", "cpu", "--no-progress"],
    "invert": lambda run, tmp: ["invert", run, "--images", 1, "--restarts", 1, "--steps", 1],
    "latent-path": lambda run, tmp: ["latent-path", run, "--points", 3, "--steps", 1],
    "resume": lambda run, tmp: ["run", "--resume", run, "--no-progress", "--device", "cpu"],
}


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_no_command_runs_the_code_of_a_hostile_checkpoint(hostile_run, tmp_path, command):
    run, marker = hostile_run
    torch.save({"models": {"generator": Payload(marker)}}, run.checkpoint_path)
    args = [str(a) for a in COMMANDS[command](run.path, tmp_path)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and UNSAFE in lines[0]
    assert not marker.exists(), f"{command} ran the checkpoint's code"
