"""Independent calls side by side, each in a fresh process, at most ``workers`` at a time.

What the lab's experiments gain from it on a CPU: torch spreads one model's work over several
threads less well than several models get done on one thread each (``run all --jobs``). Each
call runs in a *spawned* interpreter, never a forked one: a child forked from a process whose
OpenMP threads have run can hang. Its return value comes back through a pipe; a call that
raises, or a process that dies, gives no value.

Ctrl-C reaches every process of the terminal's group. The calls that are running stop
themselves as they would alone (training finishes its step and saves a checkpoint), no further
call starts, and :func:`run_side_by_side` returns once they have ended; a second Ctrl-C
terminates them.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

Call = tuple[Callable[..., Any], tuple[Any, ...]]  # a picklable function and its arguments


@dataclass(frozen=True)
class Outcome:
    """How one call ended: ``value`` is what it returned; ``None`` with ``returned`` False when
    the call raised or its process died (``exitcode`` says how)."""

    returned: bool
    value: Any = None
    exitcode: int | None = 0


def _child(sender: multiprocessing.connection.Connection, threads: int, call: Call) -> None:
    import torch

    torch.set_num_threads(threads)
    function, args = call
    sender.send(function(*args))
    sender.close()


def run_side_by_side(
    calls: Sequence[Call],
    workers: int,
    threads: int,
    started: Callable[[int], None],
    ended: Callable[[int, Outcome], None],
) -> bool:
    """Run ``calls`` in order, ``workers`` at a time, each process with ``threads`` torch threads.

    ``started(i)`` is called as call i starts and ``ended(i, outcome)`` as it ends, both in this
    process. Returns False when a Ctrl-C came: no call started after it."""
    context = multiprocessing.get_context("spawn")
    waiting = deque(range(len(calls)))
    running: dict[multiprocessing.connection.Connection, tuple[int, Any]] = {}
    interrupts = 0
    while running or (waiting and not interrupts):
        try:
            while waiting and not interrupts and len(running) < workers:
                index = waiting.popleft()
                receiver, sender = context.Pipe(duplex=False)
                process = context.Process(target=_child, args=(sender, threads, calls[index]))
                process.start()
                sender.close()  # the child holds the only sending end: its exit ends the pipe
                running[receiver] = (index, process)
                started(index)
            ready = multiprocessing.connection.wait(list(running))
        except KeyboardInterrupt:
            interrupts += 1
            if interrupts > 1:  # the user insists: stop the children now
                for _, process in running.values():
                    process.terminate()
            continue
        for receiver in ready:
            index, process = running.pop(receiver)
            outcome = _collect(receiver, process)
            ended(index, outcome)
    return not interrupts


def _collect(receiver: multiprocessing.connection.Connection, process: Any) -> Outcome:
    """The value the child sent, or how it died without one."""
    try:
        value, returned = receiver.recv(), True
    except EOFError:  # the child raised or was killed before it sent anything
        value, returned = None, False
    receiver.close()
    process.join()
    return Outcome(returned, value, process.exitcode)
