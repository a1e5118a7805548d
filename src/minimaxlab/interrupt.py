"""Ctrl-C as a request: training finishes its current step, saves a checkpoint, then stops."""

from __future__ import annotations

import signal
import threading
from types import FrameType


class TrainingInterrupted(Exception):
    """Training stopped on request after saving a checkpoint at ``step``."""

    def __init__(self, step: int) -> None:
        super().__init__(f"interrupted at step {step}")
        self.step = step


class StopSignal:
    """Within ``with StopSignal() as stop:`` the first Ctrl-C sets ``stop.requested``.

    A second Ctrl-C raises KeyboardInterrupt at once, for when a step itself hangs.
    Outside the main thread signals cannot be caught, so the context does nothing there.
    """

    def __init__(self) -> None:
        self.requested = False
        self._previous: signal.Handlers | None = None
        self._installed = False

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True

    def __enter__(self) -> StopSignal:
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._handle)
            self._installed = True
        return self

    def __exit__(self, *exc: object) -> None:
        if self._installed:
            signal.signal(signal.SIGINT, self._previous)
            self._installed = False
