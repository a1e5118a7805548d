"""A run's report with its experiment's account: every account quotes only the run's own
numbers, an unfinished or unknown run gets its description, a summary the account cannot read
gets a warning."""

import dataclasses
import re

import pytest
from markupsafe import escape

from minimaxlab.experiments import EXPERIMENTS
from minimaxlab.report.html import format_value
from minimaxlab.runs import Run
from minimaxlab.tools.report import account_of, write_run_report
from tests.conftest import FINISHED

NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?(?:e[-+]?\d+)?")


def numbers_in(text: str) -> set[str]:
    return {match.rstrip(",") for match in NUMBER.findall(text)}


def quoted(data) -> set[str]:
    """Every number of summary.json or config.yaml, in the forms the report writes them."""
    if isinstance(data, dict):
        return set().union(set(), *(quoted(v) for v in data.values()))
    if isinstance(data, (list, tuple)):
        return set().union(set(), *(quoted(v) for v in data))
    if isinstance(data, str):
        return numbers_in(data)
    if data is None or isinstance(data, bool):
        return set()
    return numbers_in(format_value(data))


@pytest.mark.parametrize("name", FINISHED)
def test_the_account_quotes_only_numbers_of_the_run(name, entries):
    run = Run(entries[name].run_dir)
    summary, config = run.read_summary(), run.read_config()
    account = account_of(summary, config)
    assert account == EXPERIMENTS[name].account(summary, config)  # its own, not the fallback
    text = " ".join(account)
    assert numbers_in(text), "an account that quotes no number says nothing about the run"
    assert numbers_in(text) <= quoted(summary) | quoted(config), text
    html = run.report_path.read_text()
    for paragraph in account:
        assert str(escape(paragraph)) in html


def test_accounts_quote_the_headline_numbers(entries):
    summary = Run(entries["gan-2d"].run_dir).read_summary()
    text = " ".join(account_of(summary, Run(entries["gan-2d"].run_dir).read_config()))
    for key in ("best_energy_distance", "best_high_quality_fraction", "best_modes_covered"):
        assert format_value(summary[key]) in text
    assert summary["best_setting"] in text

    run = Run(entries["bandit"].run_dir)
    summary = run.read_summary()
    text = " ".join(account_of(summary, run.read_config()))
    (table,) = summary["tables"].values()
    for row in table["rows"]:
        assert f"{row[3]} settled, {row[4]} stuck on another arm" in text


def test_an_unfinished_or_unknown_run_gets_the_description(entries):
    summary = {"experiment": "gan-2d", "status": "interrupted", "steps": 40}
    text = account_of(summary, {"experiment": "gan-2d"})
    assert text[0] == EXPERIMENTS["gan-2d"].description
    assert "interrupted" in text[1] and "40" in text[1]
    assert account_of({}, {"experiment": "gan-9d"}) == ["A run of gan-9d."]


def test_the_gan_account_reads_the_evaluation_when_there_is_one(entries):
    run = Run(entries["gan-mnist"].run_dir)
    summary, config = run.read_summary(), run.read_config()
    assert "Fréchet" not in " ".join(account_of(summary, config))  # not evaluated: not claimed
    quality = {"frechet_distance": 41.5, "precision": 0.62, "recall": 0.35}
    floor = {"frechet_distance": 1.25, "precision": 0.71, "recall": 0.69}
    summary["evaluation"] = {
        "n": 2000,
        "dataset": "digits",
        "classifier": {"test_accuracy": 0.9731},
        "generated": quality,
        "floor": floor,
    }
    text = account_of(summary, config)[-1]
    assert text.startswith("2,000 samples") and "test accuracy 0.9731" in text
    assert "Fréchet distance is 41.5, higher than the 1.25 of the real test split" in text
    assert "precision 0.62 and recall 0.35 against the floor's 0.71 and 0.69" in text


def test_an_account_that_cannot_read_the_summary_warns_and_the_description_stands_in(
    tmp_path, monkeypatch
):
    def unreadable(summary, config):
        return [f"{summary['gone']}"]

    monkeypatch.setitem(
        EXPERIMENTS, "bandit", dataclasses.replace(EXPERIMENTS["bandit"], account=unreadable)
    )
    run = Run.create("bandit", tmp_path / "run")
    run.write_config({"experiment": "bandit"})
    run.write_summary({"experiment": "bandit", "status": "finished"})
    with pytest.warns(UserWarning, match="bandit's account could not read this summary"):
        html = write_run_report(run).read_text()
    assert EXPERIMENTS["bandit"].description in html
    assert "The run&#39;s status is finished." in html


def test_the_report_and_the_run_command_name_the_key_numbers_in_words_beside_their_floors(
    tmp_path,
):
    from minimaxlab.tools.report import closing_lines

    run = Run.create("dcgan-fashion", tmp_path / "run")
    run.write_config({"experiment": "dcgan-fashion"})
    run.write_summary(
        {
            "status": "finished",
            "data": {"name": "fashion-mnist"},
            "epochs": 10,
            "images_per_s": 401.5,
            "evaluation": {
                "n": 100,
                "dataset": "fashion-mnist",
                "classifier": {"test_accuracy": 0.9},
                "generated": {"frechet_distance": 61.25, "recall": 0.52, "coverage": 0.4},
                "floor": {"frechet_distance": 3.3, "recall": 0.95, "coverage": 0.97},
            },
        }
    )
    with pytest.warns(UserWarning, match="account could not read"):  # a partial summary
        html = write_run_report(run).read_text()
    section = html.split('id="key-numbers">')[1].split("</section>")[0]
    assert '<th>Fréchet distance</th><td class="num">61.25 <span class="floor">' in section
    assert "(real-data floor 3.3)" in section and "<th>coverage</th>" in section
    assert "evaluation." not in section  # no dotted key
    assert closing_lines(run, wall_s=75.0) == [
        "dcgan-fashion: finished",
        "  data fashion-mnist",
        "  epochs 10",
        "  Fréchet distance 61.25 (real-data floor 3.3)",
        "  recall 0.52 (real-data floor 0.95)",
        "  coverage 0.4 (real-data floor 0.97)",
        "  images per second 401.5",
        "  wall time 1 min 15 s",
        f"report: {run.report_path}",
    ]
