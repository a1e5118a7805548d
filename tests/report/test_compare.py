import re

import pytest
import torch

from minimaxlab.errors import MinimaxlabError
from minimaxlab.plots import save_gif, save_image_grid
from minimaxlab.report import compare
from minimaxlab.report.compare import write_comparison
from minimaxlab.report.html import data_uri
from minimaxlab.runs import Run

GENERATED = {
    "frechet_distance": 12.3,
    "kid_mean": 0.0123,
    "kid_std": 0.0011,
    "precision": 0.7,
    "recall": 0.5,
    "density": 0.9,
    "coverage": 0.8,
    "class_kl_to_uniform": 0.05,
    "class_histogram": [0.25, 0.75],
}
FLOOR = {
    "frechet_distance": 1.25,
    "kid_mean": 0.0004,
    "kid_std": 0.0002,
    "precision": 0.72,
    "recall": 0.74,
    "density": 1.01,
    "coverage": 0.95,
    "class_kl_to_uniform": 0.002,
    "class_histogram": [0.5, 0.5],
}


def evaluation(dataset: str = "mnist") -> dict:
    return {
        "n": 2000,
        "dataset": dataset,
        "classifier": {"test_accuracy": 0.91, "key": "ab12"},
        "generated": GENERATED,
        "floor": FLOOR,
    }


def make_run(root, name, experiment, *, epochs=(1,), steps_per_epoch=3, summary=None, gif=False):
    """A run folder as training leaves it: config, env, metrics, sample grids, summary."""
    run = Run.create(experiment, root / name)
    run.write_config({"experiment": experiment, "data": {"name": "mnist"}})
    run.write_env({"device": "cpu", "seed": 0})
    for step in range(1, steps_per_epoch * max(epochs) + 1):
        loss = 1.0 / step
        run.log_metrics(
            {
                "step": step,
                "epoch": round(step / steps_per_epoch, 4),
                "d_loss": loss,
                "g_loss": 2 * loss,
                "d_real": 0.6,
                "d_fake": 0.4,
            }
        )
    frames = []
    for epoch in epochs:  # different pixels per epoch, so the test can tell the grids apart
        frames.append(run.figure_path(f"samples/epoch_{epoch:03d}.png"))
        save_image_grid(torch.rand(4, 1, 28, 28) * 2 - 1, frames[-1], nrow=2)
    if gif:
        save_gif(frames, run.figure_path("progress.gif"))
    if summary is not None:
        run.write_summary(summary)
    return run


def row_cells(html: str, label: str) -> list[str]:
    """The cells of the table row whose heading starts with ``label``."""
    row = re.search(rf"<tr><th>{re.escape(label)}[^<]*</th>(.*?)</tr>", html, re.S)
    assert row, f"no row {label!r}"
    return re.findall(r"<td[^>]*>(.*?)</td>", row.group(1))


@pytest.fixture
def two_runs(tmp_path):
    """A finished, evaluated gan-mnist run with two epochs and a GIF; a wgan-gp run with one."""
    a = make_run(
        tmp_path,
        "gan-mnist-a",
        "gan-mnist",
        epochs=(1, 2),
        gif=True,
        summary={
            "status": "finished",
            "steps": 1200,
            "data": {"name": "mnist"},
            "evaluation": evaluation(),
        },
    )
    b = make_run(
        tmp_path,
        "wgan-gp-b",
        "wgan-gp",
        steps_per_epoch=5,
        summary={"status": "interrupted", "steps": 5, "data": {"name": "fashion-mnist"}},
    )
    return a, b


def test_page_puts_both_runs_side_by_side_and_opens_offline(tmp_path, two_runs):
    a, b = two_runs
    out = write_comparison([a.path, b.path], tmp_path / "reports" / "nested" / "compare.html")
    assert out == tmp_path / "reports" / "nested" / "compare.html" and out.is_file()
    html = out.read_text(encoding="utf-8")

    assert row_cells(html, "experiment") == ["gan-mnist", "wgan-gp"]
    assert row_cells(html, "status") == ["finished", "interrupted"]
    assert row_cells(html, "steps") == ["1,200", "5"]
    assert row_cells(html, "data set") == ["mnist", "fashion-mnist"]
    assert row_cells(html, "device") == ["cpu", "cpu"]

    # The LAST grid of each run, by epoch number: a's epoch 2, not its epoch 1.
    assert "gan-mnist-a · epoch 2" in html and "wgan-gp-b · epoch 1" in html
    assert "gan-mnist-a · epoch 1" not in html
    assert data_uri(a.path / "figures/samples/epoch_002.png") in html
    assert data_uri(a.path / "figures/samples/epoch_001.png") not in html

    # Two sample grids and four shared curves (d_loss, g_loss, d_real, d_fake); a's GIF.
    assert len(re.findall(r'src="data:image/png;base64,', html)) == 2 + 4
    assert len(re.findall(r'src="data:image/gif;base64,', html)) == 1
    assert not re.search(r'src="(?!data:)', html)  # nothing outside the file


def test_curves_have_one_line_per_run_against_epoch(two_runs, tmp_path, monkeypatch):
    plotted = {}
    monkeypatch.setattr(compare, "_plot", lambda title, lines: plotted.setdefault(title, lines))
    write_comparison([r.path for r in two_runs], tmp_path / "compare.html")

    assert set(plotted) == set(compare.CURVES.values())
    lines = plotted["Discriminator loss"]
    assert set(lines) == {"gan-mnist-a", "wgan-gp-b"}  # labelled by folder name
    # 3 and 5 steps per epoch: against epoch both runs end at the end of their epochs.
    assert lines["gan-mnist-a"][-1] == (2.0, 1 / 6)
    assert lines["wgan-gp-b"][-1] == (1.0, 1 / 5)


def test_metrics_table_shows_the_evaluated_run_a_dash_for_the_other_and_the_floor(
    tmp_path, two_runs
):
    html = write_comparison([r.path for r in two_runs], tmp_path / "c.html").read_text()

    assert "real test vs train (floor)" in html
    # Columns: gan-mnist-a (evaluated), wgan-gp-b (not), floor.
    assert row_cells(html, "evaluated on") == ["mnist, n = 2,000", "—", "mnist"]
    assert row_cells(html, "Fréchet distance") == ["12.3", "—", "1.25"]
    assert row_cells(html, "KID") == ["0.0123 ± 0.0011", "—", "0.0004 ± 0.0002"]
    assert row_cells(html, "precision") == ["0.7", "—", "0.72"]
    assert row_cells(html, "recall") == ["0.5", "—", "0.74"]
    assert row_cells(html, "density") == ["0.9", "—", "1.01"]
    assert row_cells(html, "coverage") == ["0.8", "—", "0.95"]
    assert row_cells(html, "class KL to uniform") == ["0.05", "—", "0.002"]
    assert "class_histogram" not in html and "kid_std" not in html


def test_runs_evaluated_on_different_data_sets_get_a_floor_column_each(tmp_path):
    runs = [
        make_run(tmp_path, name, "gan-mnist", summary={"evaluation": evaluation(dataset)})
        for name, dataset in (("m", "mnist"), ("f", "fashion-mnist"))
    ]
    html = write_comparison([r.path for r in runs], tmp_path / "c.html").read_text()

    assert "floor: mnist" in html and "floor: fashion-mnist" in html
    assert "real test vs train (floor)" not in html
    assert row_cells(html, "Fréchet distance") == ["12.3", "12.3", "1.25", "1.25"]


def test_a_run_without_metrics_or_samples_still_renders(tmp_path, two_runs):
    fresh = Run.create("wgan-gp", tmp_path / "fresh")
    fresh.write_config({"experiment": "wgan-gp"})
    html = write_comparison([two_runs[0].path, fresh.path], tmp_path / "c.html").read_text()

    assert "no samples yet" in html
    assert row_cells(html, "status") == ["finished", "running"]
    assert row_cells(html, "steps") == ["1,200", "—"]
    # Only one run logged metrics: no curve compares anything; the one grid remains.
    assert "No quantity was logged by two or more" in html
    assert len(re.findall(r'src="data:image/png;base64,', html)) == 1
    assert not (fresh.path / "figures").exists()  # comparing does not write into the runs


def test_clashing_folder_names_are_told_apart_by_path(tmp_path):
    runs = [make_run(tmp_path / parent, "run", "gan-mnist") for parent in ("a", "b")]
    html = write_comparison([r.path for r in runs], tmp_path / "c.html").read_text()
    assert f"{tmp_path / 'a' / 'run'} · epoch 1" in html
    assert f"{tmp_path / 'b' / 'run'} · epoch 1" in html


@pytest.mark.parametrize(
    ("folders", "message"),
    [
        (lambda run, tmp: [run], "compare needs at least two run folders"),
        (lambda run, tmp: [run, run], "compare needs at least two run folders"),
        (lambda run, tmp: [run, tmp / "empty"], "is not a run folder"),
        (lambda run, tmp: [run, tmp / "missing"], "does not exist"),
    ],
)
def test_bad_folders_give_a_one_line_error_and_write_nothing(tmp_path, folders, message):
    run = make_run(tmp_path, "only", "gan-mnist")
    (tmp_path / "empty").mkdir()
    out = tmp_path / "c.html"
    with pytest.raises(MinimaxlabError, match=message) as error:
        write_comparison(folders(run.path, tmp_path), out)
    assert "\n" not in str(error.value)
    assert not out.exists()


def test_the_compare_command_writes_one_page_for_several_runs(tmp_path, two_runs):
    from typer.testing import CliRunner

    from minimaxlab.cli import app

    runs = [str(run.path) for run in two_runs]
    page = tmp_path / "compare.html"
    result = CliRunner().invoke(app, ["compare", *runs, "--out", str(page)])
    assert result.exit_code == 0, result.output
    html = page.read_text()
    assert result.stdout.strip() == str(page) and "gan-mnist-a" in html and "wgan-gp-b" in html
    result = CliRunner().invoke(app, ["compare", runs[0], "--out", str(page)])
    assert result.exit_code == 2 and len(result.stderr.strip().splitlines()) == 1
    assert "at least two run folders" in result.stderr
