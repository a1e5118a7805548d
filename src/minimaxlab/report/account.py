"""The written account of a run: what the experiment does and what its numbers show.

An experiment states it through its ``account`` hook, built only from the run's summary and
config; the numbers in the text are those values, formatted as the report formats them
(:func:`number`), so a reader can find each one in summary.json. The report is handed the
paragraphs; ``minimaxlab.tools.report`` looks the experiment up and chooses them.
"""

from __future__ import annotations

from typing import Any

from minimaxlab.report.html import format_value


def number(value: Any) -> str:
    """A value as the report's tables show it (the form an account quotes)."""
    return format_value(value)


def compared(value: float, reference: float) -> str:
    """``lower than`` / ``higher than`` / ``equal to``: what comparing the two supports."""
    if value < reference:
        return "lower than"
    if value > reference:
        return "higher than"
    return "equal to"


def listing(items: list[str], empty: str = "none") -> str:
    """``a``, ``a and b``, ``a, b and c``; ``empty`` for no items."""
    if not items:
        return empty
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def status_account(description: str, summary: dict[str, Any]) -> list[str]:
    """The account of a run that has none of its own yet: what the experiment is, and where
    the run stands (its status, and the step it stopped after)."""
    steps = summary.get("steps")
    done = f" It stopped after step {number(steps)}." if steps is not None else ""
    return [description, f"The run's status is {summary.get('status', 'running')}.{done}"]
