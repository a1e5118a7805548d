"""gan-2d end to end on tiny sizes."""

import json

import torch

from minimaxlab.data.toy2d import PointSet, toy_distribution
from minimaxlab.gan.points import PointGanModelConfig, Setting, train_point_gan
from minimaxlab.gan.trainer import GanTrainConfig
from minimaxlab.launch import run_experiment


def test_a_few_gan_steps_on_tiny_data_train_resume_and_reload(tmp_path):
    data = PointSet("ring8", toy_distribution("ring8").sample(64, torch.Generator().manual_seed(0)))
    model = PointGanModelConfig(generator_hidden=[8], discriminator_hidden=[8])
    train = GanTrainConfig(batch_size=16, log_every=2)
    setting = Setting(epochs=2, d_steps=2, g_steps=1)
    generator, _, summary = train_point_gan(tmp_path / "a", data, setting, model, train, seed=1)
    assert summary["steps"] == 4  # 64 points / (16 × 2 D steps) per epoch, 2 epochs
    before = [p.clone() for p in generator.parameters()]
    again, _, _ = train_point_gan(tmp_path / "a", data, setting, model, train, seed=1)
    # a finished setting is loaded, not trained again
    assert all(torch.equal(a, b) for a, b in zip(before, again.parameters(), strict=True))
    fresh = PointGanModelConfig(generator_hidden=[8], discriminator_hidden=[8])
    other, _, _ = train_point_gan(tmp_path / "b", data, setting, fresh, train, seed=1)
    assert all(torch.equal(a, b) for a, b in zip(before, other.parameters(), strict=True))


def test_gan_2d_runs_every_setting_and_reports_them(tmp_path):
    run = run_experiment(
        "gan-2d",
        profile="quick",
        device="cpu",
        out=tmp_path / "run",
        progress=False,
        overrides=[
            "data.name=grid25",
            "data.n_train=200",
            "data.n_eval=300",
            "model.generator_hidden=[16]",
            "model.discriminator_hidden=[16]",
            "train.batch_size=50",
            "epochs_sweep=[1,2]",
            "steps_grid=[[1,1],[2,1]]",
            "steps_grid_epochs=2",
        ],
    )
    summary = run.read_summary()
    assert summary["status"] == "finished" and summary["n_modes"] == 25
    sweep, grid = summary["tables"].values()
    assert [r[0] for r in sweep["rows"]][:2] == [
        "1 epochs, D/G 1/1",
        "2 epochs, D/G 1/1",
    ]
    assert sweep["rows"][-1][0] == "real data (floor)" and len(grid["rows"]) == 3
    # 1/1 at 2 epochs appears in both groups and was trained once
    assert sorted(p.name for p in (run.path / "settings").iterdir()) == [
        "epochs001-d1-g1",
        "epochs002-d1-g1",
        "epochs002-d2-g1",
    ]
    assert (run.path / "figures" / "grid25_epochs.png").is_file()
    assert (run.path / "figures" / "grid25_d_g_steps.png").is_file()
    assert (run.path / "figures" / "grid25_d_g_steps_beliefs.png").is_file()
    settings = json.loads((run.path / "settings.json").read_text())["settings"]
    for metrics in settings.values():
        assert 0 <= metrics["mean_d_real"] <= 1 and 0 <= metrics["high_quality_fraction"] <= 1
    assert "d_steps/g_steps at 2 epochs" in run.report_path.read_text()
