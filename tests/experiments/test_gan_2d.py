"""gan-2d end to end on tiny sizes: every setting trained once, and a resume that trains only
the settings the sweep store does not list."""

import json

from minimaxlab.launch import run_experiment

TINY = [
    "data.name=grid25",
    "data.n_train=200",
    "data.n_eval=300",
    "model.generator_hidden=[16]",
    "model.discriminator_hidden=[16]",
    "train.batch_size=50",
    "epochs_sweep=[1,2]",
    "steps_grid=[[1,1],[2,1]]",
    "steps_grid_epochs=2",
]


def run_tiny(out):
    return run_experiment(
        "gan-2d", profile="quick", device="cpu", out=out, progress=False, overrides=TINY
    )


def test_gan_2d_runs_every_setting_and_reports_them(tmp_path):
    run = run_tiny(tmp_path / "run")
    summary = run.read_summary()
    assert summary["status"] == "finished" and summary["n_modes"] == 25
    sweep, grid = summary["tables"].values()
    assert [r[0] for r in sweep["rows"]][:2] == [
        "1 epochs, D/G 1/1",
        "2 epochs, D/G 1/1",
    ]
    assert sweep["rows"][-1][0] == "real data (floor)" and len(grid["rows"]) == 3
    floor_row = sweep["rows"][-1]  # the card's floors
    assert summary["floor"] == {
        "high_quality_fraction": floor_row[4],
        "energy_distance": floor_row[5],
    }
    # 1/1 at 2 epochs appears in both groups and was trained once
    assert sorted(p.name for p in (run.path / "settings").iterdir()) == [
        "epochs001-d1-g1",
        "epochs002-d1-g1",
        "epochs002-d2-g1",
    ]
    assert (run.path / "figures" / "grid25_epochs.png").is_file()
    assert (run.path / "figures" / "grid25_d_g_steps.png").is_file()
    assert (run.path / "figures" / "grid25_d_g_steps_beliefs.png").is_file()
    settings = json.loads((run.path / "sweep.json").read_text())["settings"]
    for metrics in settings.values():
        assert 0 <= metrics["mean_d_real"] <= 1 and 0 <= metrics["high_quality_fraction"] <= 1
    assert "d_steps/g_steps at 2 epochs" in run.report_path.read_text()


def test_a_resumed_run_trains_only_the_settings_the_store_does_not_list(tmp_path):
    run = run_tiny(tmp_path / "run")
    before = run.read_summary()
    sweep = json.loads((run.path / "sweep.json").read_text())
    assert list(sweep["settings"]) == ["epochs001-d1-g1", "epochs002-d1-g1", "epochs002-d2-g1"]
    del sweep["settings"]["epochs002-d2-g1"]  # as if stopped before it was recorded
    (run.path / "sweep.json").write_text(json.dumps(sweep))
    checkpoints = {
        p.parent.name: p.stat().st_mtime_ns for p in (run.path / "settings").glob("*/checkpoint.pt")
    }

    resumed = run_experiment(resume=run.path, progress=False)
    touched = {
        p.parent.name
        for p in (run.path / "settings").glob("*/checkpoint.pt")
        if p.stat().st_mtime_ns != checkpoints[p.parent.name]
    }
    assert touched <= {"epochs002-d2-g1"}  # finished settings were neither trained nor saved
    settings = json.loads((run.path / "sweep.json").read_text())["settings"]
    assert list(settings) == ["epochs001-d1-g1", "epochs002-d1-g1", "epochs002-d2-g1"]
    after = resumed.read_summary()
    assert after["tables"] == before["tables"]  # the same numbers, times included
    assert after["best_setting"] == before["best_setting"]
