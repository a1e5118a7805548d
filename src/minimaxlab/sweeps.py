"""The one record of a sweep's finished settings: ``sweep.json`` in the run folder.

A sweep (gan-2d's epochs, lstm-palindrome's lengths, dying-relu's grid, multitask's four
trainings…) is a list of settings, each named by a key that is stable across processes. When a
setting finishes, its result (plain JSON values) is written here at once, atomically; a resumed
run reads the file and skips every key it lists, so no finished work is ever repeated and no
experiment keeps a record of its own.

    sweep.json = {"settings": {key: result, …}}   in the order the settings finished
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from minimaxlab.errors import MinimaxlabError
from minimaxlab.runs import Run

SWEEP_FILE = "sweep.json"


class SweepStore:
    """The finished settings of the sweep in ``run``; :meth:`run` trains only the others."""

    def __init__(self, run: Run) -> None:
        self.run = run
        self.path = run.path / SWEEP_FILE
        self._results = self._read()

    def _read(self) -> dict[str, Any]:
        if not self.path.is_file():
            return {}
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            return dict(data["settings"])
        except (OSError, ValueError, KeyError, TypeError) as err:
            raise MinimaxlabError(
                f"cannot read {self.path} ({type(err).__name__}); it records the sweep's "
                "finished settings: delete it to train them again"
            ) from None

    def __contains__(self, key: str) -> bool:
        return key in self._results

    def get(self, key: str) -> Any:
        """The result recorded for ``key``, or None while it is unfinished."""
        return self._results.get(key)

    @property
    def results(self) -> dict[str, Any]:
        """Every finished setting's result, in the order they finished."""
        return dict(self._results)

    def record(self, key: str, result: Any) -> None:
        """Write ``key`` as finished with ``result`` (JSON values), at once and atomically."""
        self.run.write_json(self.path, {"settings": {**self._results, key: result}})
        # read back: a straight run then holds what a resumed one would (JSON's values)
        self._results = self._read()

    def run_all(self, keys: Iterable[str], train: Callable[[str], Any]) -> dict[str, Any]:
        """``train(key)`` for every key not yet finished, recording each result as it comes;
        returns the results of ``keys`` in their order (finished ones read back)."""
        keys = list(keys)
        for key in keys:
            if key not in self._results:
                self.record(key, train(key))
        return {key: self._results[key] for key in keys}
