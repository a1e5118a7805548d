"""The bandit experiment end to end on tiny settings, and its config errors."""

import json

import numpy as np
import pytest

from minimaxlab.errors import MinimaxlabError
from minimaxlab.launch import run_experiment


def _figures(folder):
    return sorted(p.relative_to(folder / "figures").as_posix() for p in folder.rglob("*.png"))


def test_bandit_experiment_end_to_end(tmp_path):
    out = tmp_path / "run"
    run = run_experiment(
        "bandit",
        profile="quick",
        overrides=["seeds=16", "steps=150", "record_points=20", "reward_noise=[0.0, 0.5]"],
        device="cpu",
        out=out,
        progress=False,
    )
    summary = json.loads(run.summary_path.read_text())
    assert summary["status"] == "finished" and summary["best_arm"] == 0
    (table,) = summary["tables"].values()
    assert len(table["rows"]) == 8  # 2 noise levels × 2 schedules × 2 baselines
    for row in table["rows"]:
        settled, stuck, undecided = (float(cell.rstrip("%")) for cell in row[3:6])
        assert settled + stuck + undecided == pytest.approx(100, abs=0.2)
    for key, baseline in (("without_baseline", "no"), ("with_baseline", "yes")):  # the card's
        shares = [float(row[3].rstrip("%")) / 100 for row in table["rows"] if row[2] == baseline]
        assert summary["settled_on_best_arm"][key] == pytest.approx(np.mean(shares), abs=1e-3)
    assert _figures(out) == ["bandit/best_arm_noise_0.5.png", "bandit/best_arm_noise_0.png"]
    assert "settles on the best arm" in run.report_path.read_text()


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("arm_means=[1.0, 1.0, 0.5]", "best arm must be unique"),
        ("decay_power=0.5", "decay_power"),
        ("reward_noise=[-1]", "reward_noise"),
    ],
)
def test_bandit_config_errors(tmp_path, override, message):
    with pytest.raises(MinimaxlabError, match=message):
        run_experiment("bandit", profile="quick", overrides=[override], out=tmp_path / "r")
    assert not (tmp_path / "r").exists()
