"""The written account of a run: what the experiment does and what its numbers show.

An experiment states it through its ``account`` hook, built only from the run's summary and
config; the numbers in the text are those values, formatted as the report formats them
(:func:`number`), so a reader can find each one in summary.json.
"""

from __future__ import annotations

import warnings
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


def _generic(description: str, summary: dict[str, Any]) -> list[str]:
    steps = summary.get("steps")
    done = f" It stopped after step {number(steps)}." if steps is not None else ""
    return [description, f"The run's status is {summary.get('status', 'running')}.{done}"]


def account_of(summary: dict[str, Any], config: dict[str, Any]) -> list[str]:
    """Paragraphs about a run: the experiment's own account once it has finished, else (or
    when it has none) its description and status."""
    from minimaxlab.experiments import EXPERIMENTS  # the registry imports the report

    experiment = EXPERIMENTS.get(config.get("experiment", ""))
    if experiment is None:
        return [f"A run of {config.get('experiment', 'an unknown experiment')}."]
    if experiment.account is None or summary.get("status") != "finished":
        return _generic(experiment.description, summary)
    try:
        return experiment.account(summary, config)
    except (KeyError, TypeError, ValueError) as err:  # a summary of an older format
        warnings.warn(
            f"{experiment.name}'s account could not read this summary ({type(err).__name__}: "
            f"{err}); the report shows the description instead",
            stacklevel=2,
        )
        return _generic(experiment.description, summary)
