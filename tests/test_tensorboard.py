"""TensorBoard as a live view: records and grids stream into RUN/tensorboard/; without the
package, a one-line message says how to install it."""

import sys

import pytest
import torch
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from minimaxlab.errors import MinimaxlabError
from minimaxlab.runs import Run
from minimaxlab.tensorboard import TensorBoardStream, require_tensorboard
from tests.helpers import invoke, one_line_error


def events(folder) -> EventAccumulator:
    accumulator = EventAccumulator(str(folder))
    accumulator.Reload()
    return accumulator


def test_records_become_scalars_at_their_step_and_grids_become_images(tmp_path):
    stream = TensorBoardStream(tmp_path / "tb")
    stream.add_record({"step": 5, "epoch": 0.5, "d_loss": 1.25, "images_per_s": None})
    stream.add_record({"step": 10, "epoch": 1.0, "d_loss": 0.75, "diverged": False})
    stream.add_record({"setting": "lr=0.1", "step": 3, "accuracy": 0.5})
    stream.add_grid("samples", torch.zeros(4, 1, 6, 6), step=10, nrow=2)
    stream.close()
    seen = events(tmp_path / "tb")
    tags = seen.Tags()
    assert sorted(tags["scalars"]) == ["d_loss", "lr=0.1/accuracy"]
    assert [(e.step, e.value) for e in seen.Scalars("d_loss")] == [(5, 1.25), (10, 0.75)]
    (image,) = seen.Images("samples")
    assert image.step == 10 and (image.width, image.height) == (2 * 8 + 2, 2 * 8 + 2)


def test_a_run_streams_only_inside_streaming_and_only_when_asked(tmp_path):
    run = Run.create("x", tmp_path / "run")
    with run.streaming(False):
        run.log_metrics({"step": 1, "loss": 1.0})
    assert run.stream is None and not (run.path / "tensorboard").exists()
    with run.streaming(True):
        assert not (run.path / "tensorboard").exists()  # made at the first record
        run.log_metrics({"step": 2, "loss": 0.5})
        run.stream_grid("grid", torch.ones(1, 3, 4, 4), step=2, nrow=1)
    assert run.stream is None  # closed on the way out
    run.stream_grid("grid", torch.ones(1, 3, 4, 4), step=3, nrow=1)  # no live view: nothing
    seen = events(run.path / "tensorboard")
    assert [e.step for e in seen.Scalars("loss")] == [2] and len(seen.Images("grid")) == 1
    assert [r["step"] for r in run.metrics()] == [1, 2]  # the folder keeps every record


def test_a_gan_run_streams_its_losses_and_its_sample_grids(tmp_path):
    result = invoke(
        "run",
        "gan-mnist",
        "--profile",
        "smoke",
        "--device",
        "cpu",
        "--out",
        tmp_path / "run",
        "logging.tensorboard=true",
    )
    assert result.exit_code == 0, result.output
    seen = events(tmp_path / "run" / "tensorboard")
    assert {"d_loss", "g_loss", "d_real", "d_fake"} <= set(seen.Tags()["scalars"])
    # the grid of every epoch (smoke: 4 steps each), and before the first one
    assert [e.step for e in seen.Images("fixed noise grid")] == [0, 4, 8]


def test_without_the_package_a_one_line_message_says_how_to_install_it(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "torch.utils.tensorboard", None)  # import fails
    with pytest.raises(MinimaxlabError, match=r"pip install 'minimaxlab\[tensorboard\]'"):
        require_tensorboard()
    out = tmp_path / "run"
    result = invoke(
        "run", "gan-mnist", "--profile", "smoke", "--out", out, "logging.tensorboard=true"
    )
    one_line_error(result, "logging.tensorboard=true", "pip install")
    assert not out.exists()  # refused before a folder was made
    assert invoke("run", "gan-mnist", "--profile", "smoke", "--out", out).exit_code == 0
