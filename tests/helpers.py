"""What tests of the command line share: invoking it and reading its one-line errors."""

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
