"""What every training checkpoint holds: round trip, refusals, the finiteness check."""

import math

import pytest
import torch
from torch import nn

from minimaxlab.errors import MinimaxlabError
from minimaxlab.training.state import (
    CHECKPOINT_FORMAT,
    TrainingDiverged,
    TrainingState,
    check_finite,
    load_models,
    stop_requested,
)


def make_state(seed: int) -> TrainingState:
    torch.manual_seed(seed)
    model = nn.Linear(2, 2)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.1)
    model(torch.ones(1, 2)).sum().backward()
    optimizer.step()
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, 1, gamma=0.5)
    scheduler.step()
    stream = torch.Generator().manual_seed(seed)
    return TrainingState({"model": model}, {"adam": optimizer}, {"lr": scheduler}, {"s": stream})


def test_a_state_round_trips_every_part_and_the_global_rng():
    saved = make_state(0).state_dict()
    assert saved["format"] == CHECKPOINT_FORMAT and set(saved["models"]) == {"model"}
    expected_draw = torch.rand(1)
    other = make_state(1)
    other.load_state_dict(saved)
    assert torch.rand(1) == expected_draw  # the global RNG came back too
    assert torch.equal(other.models["model"].weight, make_state(0).models["model"].weight)
    assert other.schedulers["lr"].last_epoch == 1
    assert other.optimizers["adam"].param_groups[0]["lr"] == pytest.approx(0.05)
    fresh = make_state(0).generators["s"]
    assert torch.equal(
        torch.rand(3, generator=other.generators["s"]), torch.rand(3, generator=fresh)
    )


def test_a_checkpoint_of_other_models_or_without_an_optimiser_is_refused():
    saved = make_state(0).state_dict()
    with pytest.raises(MinimaxlabError, match="does not fit the architecture"):
        load_models(saved, model=nn.Linear(3, 2))
    with pytest.raises(MinimaxlabError, match="holds no critic"):
        load_models(saved, critic=nn.Linear(2, 2))
    del saved["optimizers"]["adam"]
    with pytest.raises(MinimaxlabError, match="holds no optimizer 'adam'"):
        make_state(1).load_state_dict(saved)


def test_check_finite_names_every_bad_mean_on_one_line():
    check_finite({"loss": 1.0, "count": 3}, 5, "run/checkpoint.pt")
    with pytest.raises(TrainingDiverged) as err:
        check_finite({"loss": math.nan, "g": math.inf, "ok": 0.5}, 7, "run/checkpoint.pt")
    message = str(err.value)
    assert "step 7" in message and "loss = nan" in message and "g = inf" in message
    assert "ok" not in message and "run/checkpoint.pt" in message and "\n" not in message
    assert isinstance(err.value, MinimaxlabError)


def test_stop_requested():
    class Stop:
        requested = True

    assert stop_requested(Stop()) and not stop_requested(None)
