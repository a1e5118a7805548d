"""report.html: one self-contained page per run folder, with the account it is handed."""

import re

import pytest
import torch

from minimaxlab.errors import MinimaxlabError
from minimaxlab.plots import save_gif, save_image_grid
from minimaxlab.report import write_report
from minimaxlab.runs import Run


def test_report_is_self_contained_and_shows_what_the_run_wrote(tmp_path):
    run = Run.create("dcgan-fashion", tmp_path / "run")
    run.write_config({"experiment": "dcgan-fashion", "seed": 5, "train": {"epochs": 2}})
    run.write_env({"device": "cpu", "torch": torch.__version__, "seed": 5})
    for step in (10, 20):
        run.log_metrics(
            {
                "step": step,
                "d_loss": 1.2,
                "g_loss": 0.8,
                "d_real": 0.6,
                "d_fake": 0.4,
                "images_per_s": 400.0,
            }
        )
    images = torch.rand(4, 1, 28, 28) * 2 - 1
    frames = []
    for epoch in (1, 2):
        frames.append(run.figure_path(f"progress/epoch_{epoch:03d}.png"))
        save_image_grid(images, frames[-1], nrow=2)
    save_image_grid(images, run.figure_path("samples/epoch_002.png"), nrow=2)
    save_gif(frames, run.figure_path("progress.gif"))
    run.write_summary({"experiment": "dcgan-fashion", "status": "finished", "steps": 20})

    html = write_report(run).read_text()
    assert "samples · epoch 2" in html
    assert len(re.findall(r'src="data:image/gif;base64,', html)) == 1  # the animation
    # One sample grid and three curve groups; progress frames live only in the GIF.
    assert len(re.findall(r'src="data:image/png;base64,', html)) == 1 + 3
    assert "seed: 5" in html and "finished" in html
    assert not re.search(r'src="(?!data:)', html)  # nothing outside the file: opens offline


def test_report_of_a_run_that_has_not_logged_yet(tmp_path):
    run = Run.create("x", tmp_path / "run")
    run.write_config({"experiment": "x"})
    html = write_report(run).read_text()
    assert "No metrics were logged" in html and "running" in html


def test_report_renders_an_experiments_tables_and_plots(tmp_path):
    run = Run.create("x", tmp_path / "run")
    run.write_config({"experiment": "x"})
    save_image_grid(torch.zeros(1, 1, 8, 8), run.figure_path("scatter/moons.png"), nrow=1)
    tables = {"Modes covered": {"header": ["method", "modes"], "rows": [["gan", 7], ["nce", 8]]}}
    run.write_summary({"experiment": "x", "status": "finished", "tables": tables, "steps": 3})

    html = write_report(run).read_text()
    assert "<h2>Modes covered</h2>" in html and '<td class="num">nce</td>' in html
    assert 'class="plot"' in html and "scatter · moons" in html
    assert "tables." not in html  # a table is not flattened into summary rows
    assert "Samples" not in html  # no sample grids, so no empty section


def test_a_sweeps_epoch_curves_share_an_epoch_axis_and_other_curves_use_steps():
    from minimaxlab.report.html import curve_axis

    multitask = [  # two settings with different steps per epoch
        {"step": 3, "epoch": 1.0, "setting": "alone-A", "loss_A/alone": 2.0},
        {"step": 6, "epoch": 1.0, "setting": "multitask", "loss_A/multitask": 2.1},
    ]
    keys = ("loss_A/alone", "loss_A/multitask")
    assert curve_axis(multitask, keys) == "epoch"
    one_training = [{"step": 3, "epoch": 1.0, "loss": 2.0}, {"step": 6, "epoch": 2.0, "loss": 1.0}]
    assert curve_axis(one_training, ("loss",)) == "step"
    by_steps = [
        {"step": 3, "setting": "a", "acc/a": 0.5},
        {"step": 3, "setting": "b", "acc/b": 0.6},
    ]
    assert curve_axis(by_steps, ("acc/a", "acc/b")) == "step"


def test_the_report_shows_the_account_it_is_handed_and_names_the_experiment_without_one(
    tmp_path,
):
    run = Run.create("x", tmp_path / "run")
    run.write_config({"experiment": "x"})
    html = write_report(run, account=["First <paragraph>.", "Second."]).read_text()
    assert "<p>First &lt;paragraph&gt;.</p>" in html and "<p>Second.</p>" in html
    assert "<p>A run of x.</p>" in write_report(run).read_text()


def test_the_latent_tools_get_sections_of_their_own(tmp_path):
    run = Run.create("x", tmp_path / "run")
    run.write_config({"experiment": "x"})
    save_image_grid(torch.zeros(2, 1, 8, 8), run.figure_path("latent_path/strips.png"), nrow=2)
    path = {
        "straight": {"U": 3.5, "image_energy": 2.0},
        "optimised": {"U": 1.25, "image_energy": 1.0},
    }
    inversion = {
        "per_image": [
            {"verdict": "agree", "largest_distance_between_starts": 0.1, "errors": [0.5, 0.25]}
        ]
    }
    run.write_summary({"status": "finished", "latent_path": path, "inversion": inversion})
    html = write_report(run).read_text()
    assert "Latent space: latent path" in html and "Latent space: inversion" in html
    row = '<tr><td class="num">optimised</td><td class="num">1.25</td><td class="num">1</td></tr>'
    assert row in html
    assert '<td class="num">agree</td>' in html and "0.5, 0.25" in html
    assert "latent path · strips" in html
    assert "latent_path.straight" not in html  # a section, not flattened summary rows


def test_the_report_links_the_runs_files(entries):
    run = Run(entries["gan-mnist"].run_dir)
    html = run.report_path.read_text()
    links = re.findall(r'<a href="([^"]+)">', html)
    assert links == ["config.yaml", "metrics.jsonl", "summary.json", "env.json", "checkpoint.pt"]
    assert all((run.path / link).is_file() for link in links)


def test_a_damaged_run_file_is_a_one_line_error(tmp_path):
    run = Run.create("x", tmp_path / "run")
    run.config_path.write_text("experiment: [unclosed\n")
    with pytest.raises(MinimaxlabError, match="cannot read .*config.yaml"):
        write_report(run)
    run.write_config({"experiment": "x"})
    run.env_path.write_text("{not json")
    with pytest.raises(MinimaxlabError, match="cannot read .*env.json"):
        write_report(run)
