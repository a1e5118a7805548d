"""Key numbers in words: labels for dotted keys, floors beside their numbers."""

from minimaxlab.experiments import EXPERIMENTS
from minimaxlab.report.numbers import (
    KNOWN,
    KeyNumber,
    ShownNumber,
    key_number,
    label_of,
    shown_numbers,
)

SUMMARY = {
    "experiment": "x",
    "status": "finished",
    "a_value": 1.23456,
    "b": {"c_d": 7000},
    "tables": {"t": {"header": ["x"], "rows": [[1]]}},
    "s": "text",
    "evaluation": {
        "generated": {"frechet_distance": 131.25, "recall": 0.45},
        "floor": {"frechet_distance": 3.3, "recall": 0.9},
    },
}


def test_a_plain_dotted_key_gets_words_known_or_from_its_parts():
    assert label_of("best_energy_distance") == "best energy distance"
    assert label_of("results.with.U_optimised") == "U of the optimised path (results, with)"
    assert label_of("test_accuracy.alone-A.A") == "A (test accuracy, alone-A)"
    fd = KNOWN["evaluation.generated.frechet_distance"]
    assert fd == KeyNumber(
        "Fréchet distance",
        "evaluation.generated.frechet_distance",
        "evaluation.floor.frechet_distance",
    )
    assert (
        KNOWN["evaluation.floor.frechet_distance"].label
        == "real-data floor of the Fréchet distance"
    )
    assert KNOWN["evaluation.generated.density"].label == "density"


def test_shown_numbers_label_each_key_and_put_the_floor_beside_it():
    entries = (
        "evaluation.generated.frechet_distance",  # known: labelled, with its floor
        KeyNumber(
            "recall of the samples", "evaluation.generated.recall", "evaluation.floor.recall"
        ),
        "b.c_d",  # unknown: its parts in words
        "missing.key",  # absent: left out
    )
    assert shown_numbers(SUMMARY, entries) == [
        ShownNumber("Fréchet distance", "131.2", "3.3"),
        ShownNumber("recall of the samples", "0.45", "0.9"),
        ShownNumber("c d (b)", "7,000"),
    ]
    assert (
        shown_numbers(SUMMARY, entries)[0].text() == "Fréchet distance 131.2 (real-data floor 3.3)"
    )
    assert ShownNumber("epochs", "2").text() == "epochs 2"


def test_without_a_list_the_first_plain_values_are_shown_in_words():
    shown = shown_numbers(SUMMARY)
    assert [n.label for n in shown][:3] == ["a value", "c d (b)", "s"]
    assert len(shown) == 6 and not any("." in n.label for n in shown)


def test_a_finding_that_holds_or_not_reads_yes_or_no():
    summary = {"trade_off": {"rate_falls": True, "distortion_rises": False}}
    entries = ("trade_off.rate_falls", KeyNumber("distortion rises", "trade_off.distortion_rises"))
    assert [n.value for n in shown_numbers(summary, entries)] == ["yes", "no"]


def test_every_experiment_names_its_key_numbers_in_its_own_words():
    """No card falls back to its summary's first values or to labels made of a key's parts."""
    for name, experiment in EXPERIMENTS.items():
        assert experiment.key_numbers, name
        for entry in experiment.key_numbers:
            assert isinstance(entry, KeyNumber) or entry in KNOWN, (name, entry)
        labels = [key_number(entry).label for entry in experiment.key_numbers]
        assert len(set(labels)) == len(labels), name
