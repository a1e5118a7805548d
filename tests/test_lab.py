"""The lab (`run all`): every experiment the data allows, failures recorded, index.html with one
card each, built from what the lab gathered."""

import dataclasses
import re

import pytest
from typer.testing import CliRunner

from minimaxlab.cli import app
from minimaxlab.errors import MinimaxlabError
from minimaxlab.experiments import EXPERIMENTS
from minimaxlab.interrupt import TrainingInterrupted
from minimaxlab.lab import results_table, run_lab, select_experiments
from minimaxlab.report.html import format_value
from minimaxlab.runs import Run
from tests.conftest import BROKEN, FINISHED, NAMES, SKIPPED


def test_index_lists_exactly_the_experiments_that_ran_and_marks_failures(tiny_lab, entries):
    listed, index = tiny_lab
    assert [e.name for e in listed] == [n for n in EXPERIMENTS if n in NAMES]  # registry order
    assert {n for n, e in entries.items() if e.status == "finished"} == set(FINISHED)
    assert entries[BROKEN].status == "failed"
    assert entries[BROKEN].reason == "RuntimeError: the discriminator caught fire"
    assert "Traceback" in (entries[BROKEN].run_dir / "error.txt").read_text()
    assert entries[SKIPPED].status == "skipped" and entries[SKIPPED].run_dir is None
    assert "fashion-mnist" in entries[SKIPPED].reason
    assert all(e.seconds > 0 for e in listed if e.status != "skipped")

    html = index.read_text()
    cards = re.findall(r'<section class="card[^"]*" id="([^"]+)">', html)
    assert sorted(cards) == sorted(NAMES)
    for name, entry in entries.items():
        card = html.split(f'id="{name}">')[1].split("</section>")[0]
        assert f'<span class="status {entry.status}">{entry.status}</span>' in card
        if entry.status == "finished":
            link = re.search(r'href="([^"]+report\.html)"', card).group(1)
            assert (index.parent / link).resolve() == (entry.run_dir / "report.html").resolve()
            assert "data:image/png;base64," in card  # the headline figure
        else:
            assert "report.html" not in card
    assert "the discriminator caught fire" in html and "error.txt" in html
    assert not re.search(r'src="(?!data:)', html)  # every image inside the page


def test_index_cards_show_the_key_numbers_of_the_summary(entries, tiny_lab):
    html = tiny_lab[1].read_text()
    summary = Run(entries["gan-2d"].run_dir).read_summary()
    card = html.split('id="gan-2d">')[1].split("</section>")[0]
    for label, key in (
        ("best setting", "best_setting"),
        ("energy distance of the best", "best_energy_distance"),
        ("high-quality fraction of the best", "best_high_quality_fraction"),
    ):
        assert f'<th>{label}</th><td class="num">{format_value(summary[key])}</td>' in card
    # no card names a number by a dotted summary key
    labels = re.findall(r"<th>([^<]*)</th><td class=\"num\">", html)
    assert labels and not [label for label in labels if re.search(r"\w\.\w", label)]


def test_results_table_has_a_row_per_experiment(tiny_lab):
    table = results_table(tiny_lab[0]).splitlines()
    assert len(table) == 2 + len(NAMES)
    assert any(f"| `{SKIPPED}` | skipped (needs fashion-mnist" in row for row in table)
    assert any(row.startswith(f"| `{BROKEN}` | failed (RuntimeError") for row in table)
    (row,) = [row for row in table if row.startswith("| `gan-2d` |")]
    assert "energy distance of the best " in row and "best_energy_distance" not in row


def test_selection_keeps_the_registry_order_and_rejects_unknown_names():
    assert select_experiments(only=["bandit", "gan-2d"]) == ["gan-2d", "bandit"]
    assert "bandit" not in select_experiments(skip=["bandit"])
    assert select_experiments() == list(EXPERIMENTS)
    with pytest.raises(MinimaxlabError, match="unknown experiments gan-3d, nope in --only/--skip"):
        select_experiments(only=["nope"], skip=["gan-3d"])


def one_line_error(result, fragment):
    assert result.exit_code == 2, result.output
    assert result.stderr.strip().splitlines() == [result.stderr.strip()]
    assert result.stderr.startswith("error: ") and fragment in result.stderr


def test_run_all_on_the_command_line(tmp_path):
    runner = CliRunner()
    one_line_error(
        runner.invoke(app, ["run", "all", "--only", "gan-2d,nope"]), "unknown experiment nope"
    )
    one_line_error(
        runner.invoke(app, ["run", "all", "--skip", "gan3d"]), "unknown experiment gan3d"
    )
    one_line_error(runner.invoke(app, ["run", "bandit", "--only", "x"]), "go with 'run all'")
    one_line_error(runner.invoke(app, ["run", "all", "seed=3"]), "takes no key=value overrides")
    assert not (tmp_path / "lab").exists()

    out = tmp_path / "lab"
    args = ["run", "all", "--only", "bandit", "--profile", "quick", "--device", "cpu"]
    result = runner.invoke(app, [*args, "--no-progress", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip().splitlines()[-1] == str(out / "index.html")
    assert "| `bandit` | finished |" in result.stdout
    assert re.search(r"bandit: finished in [\d.]+ s", result.stderr)
    (run_dir,) = out.glob("bandit-*")
    assert (run_dir / "report.html").is_file()


def test_ctrl_c_stops_the_lab_and_the_index_says_where(tmp_path, monkeypatch):
    def stopped(config, context):
        raise TrainingInterrupted(3)

    monkeypatch.setitem(
        EXPERIMENTS, "dynamics", dataclasses.replace(EXPERIMENTS["dynamics"], run=stopped)
    )
    with pytest.raises(TrainingInterrupted):
        run_lab(profile="quick", only=["bandit", "dynamics"], out=tmp_path, progress=False)
    html = (tmp_path / "index.html").read_text()
    assert '<span class="status interrupted">interrupted</span>' in html
    assert 'id="bandit"' not in html  # the lab stopped there: bandit comes after dynamics
