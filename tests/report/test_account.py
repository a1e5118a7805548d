"""The helpers accounts are written with, and the account of a run that has none yet."""

from minimaxlab.report.account import compared, listing, number, status_account


def test_comparisons_follow_the_numbers():
    assert compared(1.0, 2.0) == "lower than"
    assert compared(3.0, 2.0) == "higher than"
    assert compared(2.0, 2.0) == "equal to"


def test_numbers_are_quoted_as_the_report_shows_them():
    assert number(1234567) == "1,234,567"
    assert number(0.123456) == "0.1235"
    assert number(12345.6) == "12,346"
    assert number("text") == "text"


def test_listing_joins_with_commas_and_a_final_and():
    assert listing([]) == "none" and listing([], empty="no arm") == "no arm"
    assert listing(["a"]) == "a"
    assert listing(["a", "b"]) == "a and b"
    assert listing(["a", "b", "c"]) == "a, b and c"


def test_a_run_without_an_account_of_its_own_gets_its_description_and_status():
    assert status_account("What it does.", {"status": "interrupted", "steps": 4000}) == [
        "What it does.",
        "The run's status is interrupted. It stopped after step 4,000.",
    ]
    assert status_account("What it does.", {}) == ["What it does.", "The run's status is running."]
