import signal

import pytest

from minimaxlab.interrupt import StopSignal


def test_first_ctrl_c_is_a_request_and_the_second_interrupts():
    before = signal.getsignal(signal.SIGINT)
    with StopSignal() as stop:
        assert not stop.requested
        signal.raise_signal(signal.SIGINT)
        assert stop.requested  # still running: the loop decides when to stop
        with pytest.raises(KeyboardInterrupt):
            signal.raise_signal(signal.SIGINT)
    assert signal.getsignal(signal.SIGINT) is before
