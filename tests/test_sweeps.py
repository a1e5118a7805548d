"""The sweep store: finished settings recorded at once, skipped on resume, damage refused."""

import json

import pytest

from minimaxlab.errors import MinimaxlabError
from minimaxlab.runs import Run
from minimaxlab.sweeps import SWEEP_FILE, SweepStore


def test_run_all_trains_each_key_once_and_records_it_at_once(tmp_path):
    run = Run.create("x", tmp_path / "run")
    store = SweepStore(run)
    trained = []

    def train(key):
        trained.append(key)
        # each result is on disk before the next setting starts
        if len(trained) > 1:
            on_disk = json.loads((run.path / SWEEP_FILE).read_text())["settings"]
            assert set(on_disk) == set(trained[:-1])
        return {"score": len(key) / 3}

    results = store.run_all(["a", "bb", "ccc"], train)
    assert trained == ["a", "bb", "ccc"]
    assert results == {"a": {"score": 1 / 3}, "bb": {"score": 2 / 3}, "ccc": {"score": 1.0}}
    assert "bb" in store and store.get("zz") is None


def test_a_resumed_sweep_skips_finished_keys_and_returns_them_in_order(tmp_path):
    run = Run.create("x", tmp_path / "run")
    SweepStore(run).run_all(["b"], lambda key: {"v": 2})
    trained = []
    results = SweepStore(Run(run.path)).run_all(
        ["a", "b", "c"], lambda key: trained.append(key) or {"v": key}
    )
    assert trained == ["a", "c"]
    assert list(results) == ["a", "b", "c"] and results["b"] == {"v": 2}


def test_a_straight_run_holds_what_a_resumed_one_reads(tmp_path):
    """Results go through JSON in both cases: a tuple comes back as a list, inf as null."""
    store = SweepStore(Run.create("x", tmp_path / "run"))
    results = store.run_all(["a"], lambda key: {"pair": (1, 2), "bad": float("inf")})
    assert results["a"] == {"pair": [1, 2], "bad": None}
    assert SweepStore(Run(tmp_path / "run")).results == results


@pytest.mark.parametrize("text", ["{not json", '{"nothing": 1}', "[1, 2]"])
def test_a_damaged_record_is_one_line_naming_the_file(tmp_path, text):
    run = Run.create("x", tmp_path / "run")
    (run.path / SWEEP_FILE).write_text(text)
    with pytest.raises(MinimaxlabError, match=SWEEP_FILE) as err:
        SweepStore(run)
    assert "\n" not in str(err.value)
