"""The generic loop: records, bitwise resume, Ctrl-C, divergence, settings of a sweep."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from minimaxlab.interrupt import TrainingInterrupted
from minimaxlab.runs import Run
from minimaxlab.training.loop import Schedule, TrainingLoop
from minimaxlab.training.state import TrainingDiverged, TrainingState
from tests.helpers import StopAt


def make_loop(run: Run, steps: int = 12, stop=None, key=None, poison_at: int = -1) -> TrainingLoop:
    torch.manual_seed(0)
    model = nn.Linear(3, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=4, gamma=0.5)
    data = torch.Generator().manual_seed(1)

    def step(i: int) -> dict[str, torch.Tensor]:
        x = torch.randn(8, 3, generator=data)
        noise = torch.randn(8, 1)  # from the global RNG: restored too
        loss = ((model(x) - x.sum(1, keepdim=True) - 0.1 * noise) ** 2).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        scheduler.step()
        if i == poison_at:  # a step whose weights and loss overflow
            with torch.no_grad():
                model.weight.fill_(math.inf)
            return {"loss": loss * math.inf}
        return {"loss": loss}

    state = TrainingState({"model": model}, {"sgd": optimizer}, {"lr": scheduler}, {"data": data})
    schedule = Schedule(steps=steps, log_every=3, checkpoint_every=6, steps_per_epoch=3)
    return TrainingLoop(run, state, step, schedule, key=key, stop=stop)


def weights(loop: TrainingLoop) -> torch.Tensor:
    return torch.cat([p.detach().flatten() for p in loop.state.models["model"].parameters()])


def test_records_every_log_every_steps_with_epoch_and_means(tmp_path):
    run = Run.create("t", tmp_path / "run")
    loop = make_loop(run)
    history = loop.train()
    assert [r["step"] for r in history] == [3, 6, 9, 12]
    assert [r["epoch"] for r in history] == [1, 2, 3, 4]
    assert list(run.metrics()) == history
    assert all(math.isfinite(r["loss"]) for r in history)
    assert history[-1]["loss"] < history[0]["loss"]
    assert run.load_torch("checkpoint.pt")["step"] == 12


@pytest.mark.parametrize("stop_after", [1, 4, 7])
def test_a_stopped_loop_resumes_to_the_same_weights_and_records(tmp_path, stop_after):
    straight = make_loop(Run.create("t", tmp_path / "straight"))
    straight.train()

    run = Run.create("t", tmp_path / "stopped")
    with pytest.raises(TrainingInterrupted) as stopped:
        make_loop(run, stop=StopAt(stop_after)).train()
    assert stopped.value.step == stop_after + 1
    torch.manual_seed(123)  # the resumed process starts from other global RNG states
    resumed = make_loop(run)
    assert resumed.restore()
    resumed.train()
    assert torch.equal(weights(resumed), weights(straight))
    assert resumed.state.optimizers["sgd"].param_groups[0]["lr"] == pytest.approx(
        straight.state.optimizers["sgd"].param_groups[0]["lr"]
    )
    steps = [r["step"] for r in run.metrics()]
    assert steps == sorted(set(steps)) and steps[-1] == 12
    # a stop inside a window carries it over: the records are the straight run's, exactly
    assert resumed.history == straight.history and list(run.metrics()) == straight.history


def test_a_checkpoint_between_records_writes_no_record(tmp_path):
    run = Run.create("t", tmp_path / "run")
    loop = make_loop(run, steps=8)
    loop.schedule = Schedule(steps=8, log_every=3, checkpoint_every=2)
    history = loop.train()
    assert [r["step"] for r in history] == [3, 6, 8]  # the last, short window is recorded
    assert run.load_torch("checkpoint.pt")["window"]["count"] == 0


def test_measures_join_each_record_and_each_record_is_told(tmp_path):
    run = Run.create("t", tmp_path / "run")
    loop = make_loop(run, steps=6)
    measured, told = [], []

    def measure() -> dict[str, float]:
        measured.append(loop.step)
        return {"probe": float(len(measured))}

    loop.measure, loop.on_record = measure, told.append
    history = loop.train()
    assert measured == [3, 6]  # at the records only, not at every step
    assert [r["probe"] for r in history] == [1.0, 2.0]  # as measured, not averaged
    assert told == history == list(run.metrics())


def test_a_diverging_loss_stops_with_one_line_and_keeps_the_last_finite_checkpoint(tmp_path):
    run = Run.create("t", tmp_path / "run")
    loop = make_loop(run, poison_at=7)  # inside the third record; checkpoints at 6 and 12
    with pytest.raises(TrainingDiverged) as diverged:
        loop.train()
    message = str(diverged.value)
    assert "\n" not in message and "diverged" in message and "checkpoint.pt" in message
    saved = run.load_torch("checkpoint.pt")
    assert saved["step"] == 6
    assert all(math.isfinite(r["loss"]) for r in saved["history"])
    assert all(torch.isfinite(p).all() for p in saved["models"]["model"].values())


def test_a_checkpoint_of_another_setting_is_not_resumed(tmp_path):
    run = Run.create("t", tmp_path / "run")
    make_loop(run, key="a").train()
    other = make_loop(run, key="b")
    assert not other.restore() and other.step == 0
    other.train()
    assert {r["setting"] for r in run.metrics()} == {"a", "b"}


def test_records_past_the_checkpoint_are_forgotten_on_resume(tmp_path):
    run = Run.create("t", tmp_path / "run")
    loop = make_loop(run, key="a")
    loop.train()
    run.log_metrics({"step": 99, "setting": "a", "loss": 1.0})  # written after the checkpoint
    run.log_metrics({"step": 99, "setting": "b", "loss": 1.0})  # another setting's: kept
    make_loop(run, key="a").restore()
    assert [(r["setting"], r["step"]) for r in run.metrics()][-2:] == [("a", 12), ("b", 99)]


def test_a_number_only_some_steps_return_is_averaged_over_those_steps(tmp_path):
    run = Run.create("t", tmp_path / "run")
    model = nn.Linear(1, 1)

    def step(i: int) -> dict[str, torch.Tensor]:
        # a measurement at the last step of each epoch of 3 steps, beside a per-step number
        measured = {"measured": torch.tensor(10.0 * i)} if i % 3 == 2 else {}
        return {"per_step": torch.tensor(float(i)), **measured}

    schedule = Schedule(steps=6, log_every=3, steps_per_epoch=3)
    history = TrainingLoop(run, TrainingState({"model": model}), step, schedule).train()
    assert [(r["per_step"], r["measured"]) for r in history] == [(1.0, 20.0), (4.0, 50.0)]
