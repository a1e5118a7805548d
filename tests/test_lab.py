"""The lab (`run all`): every experiment the data allows, failures recorded, index.html with one
card each, built from what the lab gathered."""

import dataclasses
import functools
import json
import re

import pytest
import torch
from typer.testing import CliRunner

from minimaxlab import lab
from minimaxlab.cli import app
from minimaxlab.errors import MinimaxlabError
from minimaxlab.experiments import EXPERIMENTS
from minimaxlab.interrupt import TrainingInterrupted
from minimaxlab.lab import lab_jobs, results_table, run_lab, select_experiments
from minimaxlab.launch import run_experiment
from minimaxlab.processes import Outcome
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
    assert f'<th>best setting</th><td class="num">{summary["best_setting"]}</td>' in card
    for label, key in (
        ("energy distance of the best", "energy_distance"),
        ("high-quality fraction of the best", "high_quality_fraction"),
    ):  # each beside the floor of fresh real points
        value, floor = format_value(summary[f"best_{key}"]), format_value(summary["floor"][key])
        assert (
            f'<th>{label}</th><td class="num">{value} '
            f'<span class="floor">(real-data floor {floor})</span></td>'
        ) in card
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
    one_line_error(runner.invoke(app, ["run", "bandit", "--jobs", "2"]), "go with 'run all'")
    for jobs in ("0", "two"):
        one_line_error(runner.invoke(app, ["run", "all", "--jobs", jobs]), "--jobs must be auto")
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


def test_experiments_side_by_side_run_in_processes_on_their_share_of_the_threads(tmp_path):
    seen = []
    names = ["gan-2d", "dynamics", "bandit"]
    listed, index = run_lab(
        profile="smoke",
        only=names,
        out=tmp_path,
        device="cpu",
        progress=False,
        jobs=2,
        on_entry=lambda entry: seen.append((entry.name, entry.status)),
    )
    assert [e.name for e in listed] == names  # the registry's order, whatever ended first
    assert all(e.status == "finished" and e.seconds > 0 for e in listed)
    assert sorted(seen) == sorted((n, s) for n in names for s in ("running", "finished"))
    for entry in listed:
        env = json.loads((entry.run_dir / "env.json").read_text())
        assert env["cpu_threads"] == max(1, torch.get_num_threads() // 2)
    assert len(re.findall(r'<section class="card', index.read_text())) == 3


def fake_processes(outcomes):
    """run_side_by_side that starts every call and ends it with ``outcomes[i]`` (None:
    Ctrl-C once all have started), in this process."""

    def run_side_by_side(calls, workers, threads, started, ended):
        for index, _ in enumerate(calls):
            started(index)
        for index, outcome in enumerate(outcomes):
            if outcome is None:
                return False
            ended(index, outcome)
        return True

    return run_side_by_side


def test_a_process_that_died_is_a_failed_entry(tmp_path, monkeypatch):
    monkeypatch.setattr(lab, "run_side_by_side", fake_processes([Outcome(False, None, -9)] * 2))
    listed, index = run_lab(profile="smoke", only=["bandit", "dynamics"], out=tmp_path, jobs=2)
    assert [e.status for e in listed] == ["failed", "failed"]
    assert listed[0].reason == "its process ended (exit code -9) before it reported"
    assert "exit code -9" in index.read_text()


def test_ctrl_c_ends_a_side_by_side_lab_once_the_running_ones_stopped(tmp_path, monkeypatch):
    interrupted = dataclasses.replace(
        lab.LabEntry("dynamics", "interrupted"), reason="stopped by the user", seconds=1.0
    )
    outcomes = [Outcome(True, interrupted, 0), None]
    monkeypatch.setattr(lab, "run_side_by_side", fake_processes(outcomes))
    with pytest.raises(KeyboardInterrupt):
        run_lab(profile="smoke", only=["dynamics", "bandit"], out=tmp_path, jobs=2)
    html = (tmp_path / "index.html").read_text()
    assert '<span class="status interrupted">interrupted</span>' in html


def test_an_experiment_in_its_own_process_reports_its_failure(tmp_path, monkeypatch):
    monkeypatch.setitem(
        EXPERIMENTS, "bandit", dataclasses.replace(EXPERIMENTS["bandit"], run=_broken)
    )
    entry = lab.LabEntry("bandit", "running", run_dir=tmp_path / "bandit")
    launch = functools.partial(run_experiment, profile="smoke", device="cpu", progress=False)
    done = lab._entry_in_process(entry, launch)
    assert done.status == "failed" and done.reason == "RuntimeError: out of arms"
    assert "Traceback" in (tmp_path / "bandit" / "error.txt").read_text()


def _broken(config, context):
    raise RuntimeError("out of arms")


def test_jobs_auto_is_one_on_a_gpu_and_the_threads_on_a_cpu(monkeypatch):
    assert lab_jobs(None, "cpu") == max(1, min(lab.MAX_AUTO_JOBS, torch.get_num_threads()))
    assert lab_jobs(3, "cpu") == 3
    with pytest.raises(MinimaxlabError, match="--jobs must be 1 or more"):
        lab_jobs(0, None)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert lab_jobs(None, None) == 1
