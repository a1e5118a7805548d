"""`minimaxlab nce`'s work: the points, the acceptance line, and the checks of its input."""

import pytest
import torch

from minimaxlab.errors import MinimaxlabError
from minimaxlab.tools.nce import acceptance_text, nce_points, points_text


def test_the_sampler_gets_the_settings_and_reports_its_training(monkeypatch):
    """The sampler itself is tested in tests/sampling and end to end by the `nce` command's
    tests; here, what the tool hands it."""
    from minimaxlab.tools import nce

    seen = {}

    def fake_sample(name, n, seed, config, device, on_step):
        seen.update(name=name, n=n, seed=seed, config=config, device=device)
        on_step(1, 0.5)  # the progress bar takes a step
        return torch.zeros(n, 2), None, {"accepted": n}

    monkeypatch.setattr(nce, "nce_sample", fake_sample)
    points, stats = nce_points("ring8", n=7, seed=3, steps=11, noise="standard", device="cpu")
    assert points.shape == (7, 2) and stats == {"accepted": 7}
    assert (seen["name"], seen["n"], seen["seed"]) == ("ring8", 7, 3)
    assert (seen["config"].steps, seen["config"].noise) == (11, "standard")
    assert seen["device"] == torch.device("cpu")
    nce_points(n=2)
    assert seen["config"].steps == nce.NceConfig().steps  # no --steps: the config's default


def test_the_text_is_one_line_per_point_and_one_of_statistics():
    assert points_text(torch.tensor([[1.0, -2.5], [0.125, 3.0]])) == (
        "1.000000,-2.500000\n0.125000,3.000000"
    )
    stats = {"accepted": 1234, "proposals": 100000, "acceptance_rate": 0.01234, "bound_M": 17.5}
    assert acceptance_text(stats) == (
        "accepted 1,234 of 100,000 noise draws (acceptance rate 1.234%, M = 17.5)"
    )


@pytest.mark.parametrize(
    ("settings", "message"),
    [({"n": 0}, "--n must be at least 1"), ({"noise": "uniform"}, "noise")],
)
def test_bad_input_is_a_user_error(settings, message):
    with pytest.raises(MinimaxlabError, match=message):
        nce_points(**{"steps": 5, **settings})
