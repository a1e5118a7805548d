"""Calls side by side in spawned processes: values back in order, failures and deaths told
apart, at most `workers` at a time, torch's threads shared out, Ctrl-C starts nothing more."""

import operator
import os

import pytest
import torch

from minimaxlab.processes import Outcome, run_side_by_side


def run(calls, workers, threads=1, interrupt_at=None):
    """(events, outcomes) of run_side_by_side; ``interrupt_at``: Ctrl-C as that call starts."""
    events, outcomes = [], {}

    def started(index):
        events.append(("start", index))
        if index == interrupt_at:
            raise KeyboardInterrupt

    def ended(index, outcome):
        events.append(("end", index))
        outcomes[index] = outcome

    complete = run_side_by_side(calls, workers, threads, started, ended)
    return complete, events, outcomes


def test_values_come_back_and_failures_are_told_apart():
    calls = [
        (operator.add, (2, 3)),
        (operator.truediv, (1, 0)),  # raises in the child
        (os._exit, (3,)),  # the process dies without a word
        (torch.get_num_threads, ()),
        (os.getpid, ()),
    ]
    complete, _, outcomes = run(calls, workers=2, threads=1)
    assert complete
    assert outcomes[0] == Outcome(True, 5, 0)
    assert not outcomes[1].returned and outcomes[1].exitcode == 1
    assert outcomes[2] == Outcome(False, None, 3)
    assert outcomes[3].value == 1  # torch's threads as asked
    assert outcomes[4].value != os.getpid()  # a process of its own


@pytest.mark.parametrize(
    ("workers", "expected"),
    [
        (1, [("start", 0), ("end", 0), ("start", 1), ("end", 1), ("start", 2), ("end", 2)]),
        (2, [("start", 0), ("start", 1)]),  # then the ends and the third start, as they come
    ],
)
def test_at_most_workers_run_at_a_time(workers, expected):
    complete, events, outcomes = run([(operator.neg, (i,)) for i in range(3)], workers)
    assert complete and events[: len(expected)] == expected
    assert {i: o.value for i, o in outcomes.items()} == {0: 0, 1: -1, 2: -2}
    running = 0
    for kind, _ in events:
        running += 1 if kind == "start" else -1
        assert 0 <= running <= workers


def test_ctrl_c_lets_the_running_calls_end_and_starts_no_more():
    complete, events, outcomes = run([(operator.neg, (i,)) for i in range(4)], 2, interrupt_at=1)
    assert not complete
    assert sorted(events) == [("end", 0), ("end", 1), ("start", 0), ("start", 1)]
    assert outcomes[0].value == 0 and outcomes[1].value == -1
