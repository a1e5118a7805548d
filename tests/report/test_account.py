"""The written account of every experiment quotes only the run's own numbers."""

import re

import pytest
from markupsafe import escape

from minimaxlab.experiments import EXPERIMENTS
from minimaxlab.report.account import account_of, compared
from minimaxlab.report.html import format_value
from minimaxlab.runs import Run
from tests.report.conftest import FINISHED

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


def test_comparisons_follow_the_numbers():
    assert compared(1.0, 2.0) == "lower than"
    assert compared(3.0, 2.0) == "higher than"
    assert compared(2.0, 2.0) == "equal to"


def test_an_unfinished_or_unknown_run_gets_the_description(entries):
    summary = {"experiment": "gan-2d", "status": "interrupted", "steps": 40}
    text = account_of(summary, {"experiment": "gan-2d"})
    assert text[0] == EXPERIMENTS["gan-2d"].description
    assert "interrupted" in text[1] and "40" in text[1]
    assert account_of({}, {"experiment": "gan-9d"}) == ["A run of gan-9d."]


def test_the_report_links_the_runs_files(entries):
    run = Run(entries["gan-mnist"].run_dir)
    html = run.report_path.read_text()
    links = re.findall(r'<a href="([^"]+)">', html)
    assert links == ["config.yaml", "metrics.jsonl", "summary.json", "env.json", "checkpoint.pt"]
    assert all((run.path / link).is_file() for link in links)


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


def test_the_smoothness_account_compares_what_it_measured(entries):
    run = Run(entries["latent-smoothness"].run_dir)
    summary, config = run.read_summary(), run.read_config()
    without, with_ = summary["results"]["without"], summary["results"]["with"]
    text = " ".join(account_of(summary, config))
    word = compared(with_["U_optimised"], without["U_optimised"])
    assert f"The optimised U with the penalty is {word} without it." in text
    assert "Fréchet" not in text  # evaluation was off in this run
    without.update(frechet_distance=30.0, coverage=0.5)
    with_.update(frechet_distance=35.0, coverage=0.25)
    text = account_of(summary, config)[-1]
    assert text == (
        "Sample quality: Fréchet distance 30 without and 35 with the penalty (lower is better); "
        "coverage 0.5 and 0.25."
    )
