"""The dynamics experiment end to end on tiny settings."""

import json

import yaml
from PIL import Image

from minimaxlab.launch import run_experiment


def _figures(folder):
    return sorted(p.relative_to(folder / "figures").as_posix() for p in folder.rglob("*.png"))


def test_dynamics_experiment_end_to_end(tmp_path):
    out = tmp_path / "run"
    run = run_experiment(
        "dynamics",
        profile="quick",
        overrides=[
            "games=[{game: bilinear, lr: 0.3}, {game: quadratic, coef: {a: 1, b: 2, c: 1}}]",
            "steps=60",
            "lr_points=40",
            "check_max_steps=5000",
            "rate_steps=300",
        ],
        device="cpu",
        out=out,
        progress=False,
    )
    summary = json.loads(run.summary_path.read_text())
    assert summary["status"] == "finished"
    assert summary["simulation_checks"] == "20 of 20 agree with the eigenvalues"
    tables = summary["tables"]
    methods = next(t for title, t in tables.items() if title.startswith("Methods"))
    assert len(methods["rows"]) == 10
    extragradient = next(
        r for r in methods["rows"] if r[0].startswith("1:") and r[1] == "extragradient"
    )
    assert extragradient[2] == "(0, 1)"
    assert _figures(out) == [
        f"game_{i}_{name}/{figure}.png"
        for i, name in ((1, "bilinear"), (2, "quadratic"))
        for figure in ("distance", "spectral_radius", "trajectories")
    ]
    with Image.open(out / "figures/game_1_bilinear/trajectories.png") as image:
        assert image.width > 3 * image.height  # one panel per method, side by side
    html = run.report_path.read_text()
    assert "Simulations just inside and outside every end" in html
    assert html.count("data:image/png;base64") >= 6
    details = json.loads((out / "dynamics.json").read_text())
    assert details["game_2"]["stationary_point"] == [0.0, 0.0]
    assert yaml.safe_load(run.config_path.read_text())["steps"] == 60
