"""Key numbers in words: what an index card, a report and the end of ``minimaxlab run`` show of
a run's summary. Each is a label a reader understands, the value, and beside it the floor it
is read against when it has one (the real data measured the same way), never a dotted key.

An experiment lists its key numbers (``Experiment.key_numbers``) as :class:`KeyNumber` entries
or as plain dotted summary keys; a plain key is labelled from :data:`KNOWN` or, failing that,
from its parts in words (``results.with.U_optimised`` → "U optimised (results, with)").
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from minimaxlab.report.html import METRICS, flatten, format_value

FLOOR_LABEL = "real-data floor"
NOT_KEY_NUMBERS = {"experiment", "status", "tables"}


@dataclass(frozen=True)
class KeyNumber:
    """One number to show: its label, its dotted summary.json key, and optionally the dotted
    key of its floor (``evaluation.floor.frechet_distance`` for the generated samples' one)."""

    label: str
    key: str
    floor: str | None = None


@dataclass(frozen=True)
class ShownNumber:
    """A key number of one run, formatted: what the templates and the command line print."""

    label: str
    value: str
    floor: str | None = None  # the floor's value, formatted; None: it has none

    def text(self) -> str:
        """``Fréchet distance 131 (real-data floor 3.3)``: one line of the command line's."""
        beside = f" ({FLOOR_LABEL} {self.floor})" if self.floor is not None else ""
        return f"{self.label} {self.value}{beside}"


def _evaluation_numbers() -> dict[str, KeyNumber]:
    """Every image-quality metric of an evaluation, beside its floor."""
    known = {}
    for metric, label in METRICS:
        words = label.rstrip(" ↓↑").replace(" (≈ 1)", "")
        known[f"evaluation.generated.{metric}"] = KeyNumber(
            words, f"evaluation.generated.{metric}", f"evaluation.floor.{metric}"
        )
        known[f"evaluation.floor.{metric}"] = KeyNumber(
            f"{FLOOR_LABEL} of the {words}", f"evaluation.floor.{metric}"
        )
    return known


# Labels of dotted keys that several experiments write.
KNOWN: dict[str, KeyNumber] = {
    **_evaluation_numbers(),
    "data.name": KeyNumber("data", "data.name"),
    "data": KeyNumber("data", "data"),
    "epochs": KeyNumber("epochs", "epochs"),
    "steps": KeyNumber("steps", "steps"),
    "images_per_s": KeyNumber("images per second", "images_per_s"),
    "train_time_s": KeyNumber("training time (s)", "train_time_s"),
}
# Words for the last part of a dotted key that is not in KNOWN.
WORDS = {
    "frechet_distance": "Fréchet distance",
    "kid_mean": "KID",
    "high_quality_fraction": "high-quality fraction",
    "energy_distance": "energy distance",
    "U_optimised": "U of the optimised path",
    "U_straight": "U of the straight line",
}


def label_of(key: str) -> str:
    """A readable label for a dotted summary key that no experiment labelled."""
    *context, last = key.split(".")
    words = WORDS.get(last, last.replace("_", " "))
    if not context:
        return words
    return f"{words} ({', '.join(part.replace('_', ' ') for part in context)})"


def key_number(entry: str | KeyNumber) -> KeyNumber:
    """``entry`` as a KeyNumber: as given, or a dotted key labelled from KNOWN or its words."""
    if isinstance(entry, KeyNumber):
        return entry
    return KNOWN.get(entry) or KeyNumber(label_of(entry), entry)


def _default_keys(values: dict[str, Any]) -> list[str]:
    """Without a list: the first six plain values of the summary."""
    return [
        k
        for k, v in values.items()
        if k.split(".")[0] not in NOT_KEY_NUMBERS and isinstance(v, (int, float, str))
    ][:6]


def shown_numbers(
    summary: dict[str, Any], entries: Sequence[str | KeyNumber] = ()
) -> list[ShownNumber]:
    """The key numbers of ``summary`` that it holds: ``entries`` (an experiment's
    ``key_numbers``) when given, else its first six plain values; each with its floor."""
    values = dict(flatten(summary))
    chosen: Iterable[str | KeyNumber] = entries or _default_keys(values)
    shown = []
    for entry in map(key_number, chosen):
        if values.get(entry.key) is None:
            continue
        floor = values.get(entry.floor) if entry.floor is not None else None
        shown.append(
            ShownNumber(
                entry.label,
                _in_words(values[entry.key]),
                None if floor is None else _in_words(floor),
            )
        )
    return shown


def _in_words(value: Any) -> str:
    """A number as the tables write it; a finding that holds or not as yes or no."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return format_value(value)
