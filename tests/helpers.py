"""What tests of the command line share: invoking it and reading its one-line errors."""

import contextlib
import subprocess
import sys

from typer.testing import CliRunner

from minimaxlab.cli import app


def invoke(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


def one_line_error(result, *fragments):
    """Exit status 2, one line ``error: …`` on stderr holding every fragment, no traceback."""
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    for fragment in fragments:
        assert fragment in lines[0]
    assert "Traceback" not in result.output


class StopAt:
    """Stands in for StopSignal: a stop request that arrives after ``checks`` checks (as Ctrl-C
    would, mid-training)."""

    def __init__(self, checks: int) -> None:
        self.checks = checks

    @property
    def requested(self) -> bool:
        self.checks -= 1
        return self.checks < 0


HOLDER = """
import fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT)
fcntl.flock(fd, fcntl.LOCK_EX)
os.pwrite(fd, str(os.getpid()).encode(), 0)
print("held", flush=True)
sys.stdin.read()
"""


@contextlib.contextmanager
def held_by_another_process(lock_file):
    """A second process holds ``lock_file`` (a run folder's .lock) until the block ends; yields
    its pid."""
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(lock_file)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline() == "held\n"
        yield holder.pid
    finally:
        holder.communicate("")
