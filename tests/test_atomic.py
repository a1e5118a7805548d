"""Atomic writes: the permissions of a plain write, and nothing lost when a write fails."""

import errno
import os
import stat
import subprocess
import sys
import threading

import pytest

from minimaxlab.atomic import (
    UnwritablePath,
    atomic_path,
    atomic_write_bytes,
    atomic_write_text,
    exclusive,
)
from minimaxlab.errors import MinimaxlabError


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


# The umask is read once, when the module is imported, so each umask gets a fresh process.
WRITE_UNDER_UMASK = """
import os, stat, sys
os.umask(int(sys.argv[1], 8))
from minimaxlab.atomic import atomic_write_text
atomic_write_text(sys.argv[2] + "/atomic.txt", "new")
with open(sys.argv[2] + "/plain.txt", "w") as f:
    f.write("new")
"""


@pytest.mark.parametrize(
    ("umask", "expected"),
    [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)],
    ids=["umask-022", "umask-077", "umask-002"],
)
def test_a_new_file_gets_the_mode_of_a_plain_open_under_the_umask(tmp_path, umask, expected):
    subprocess.run(
        [sys.executable, "-c", WRITE_UNDER_UMASK, oct(umask), str(tmp_path)],
        check=True,
        env=os.environ,
    )
    assert mode(tmp_path / "plain.txt") == expected  # what the umask gives a plain write
    assert mode(tmp_path / "atomic.txt") == expected
    assert (tmp_path / "atomic.txt").read_text() == "new"


def test_in_this_process_a_new_file_matches_a_plain_open(tmp_path):
    atomic_write_bytes(tmp_path / "atomic.bin", b"\x00")
    with open(tmp_path / "plain.bin", "wb") as f:
        f.write(b"\x00")
    assert mode(tmp_path / "atomic.bin") == mode(tmp_path / "plain.bin")


def test_an_existing_file_keeps_its_mode_as_with_a_plain_open(tmp_path):
    target = tmp_path / "summary.json"
    target.write_text("old")
    target.chmod(0o640)  # neither the umask's 0o644 nor mkstemp's 0o600
    atomic_write_text(target, "new")
    assert target.read_text() == "new" and mode(target) == 0o640


def test_a_path_written_through_atomic_path_gets_the_plain_mode_too(tmp_path):
    with atomic_path(tmp_path / "figures" / "grid.png") as tmp:
        tmp.write_bytes(b"png")
    atomic_write_text(tmp_path / "reference.txt", "")
    assert mode(tmp_path / "figures" / "grid.png") == mode(tmp_path / "reference.txt")


def fail_with_disk_full(*args, **kwargs):
    raise OSError(errno.ENOSPC, "No space left on device")


@pytest.mark.parametrize("failing", ["fsync", "chmod", "replace"])
def test_a_failing_write_keeps_the_previous_file_and_leaves_no_temporary_file(
    tmp_path, monkeypatch, failing
):
    target = tmp_path / "summary.json"
    atomic_write_text(target, "old")
    monkeypatch.setattr(os, failing, fail_with_disk_full)
    with pytest.raises(OSError, match="No space left"):
        atomic_write_text(target, "new and longer")
    monkeypatch.undo()
    assert target.read_text() == "old"
    assert os.listdir(tmp_path) == ["summary.json"]


def test_a_failing_first_write_leaves_no_file_at_all(tmp_path, monkeypatch):
    monkeypatch.setattr(os, "fsync", fail_with_disk_full)
    with pytest.raises(OSError, match="No space left"):
        atomic_write_bytes(tmp_path / "checkpoint.pt", b"data")
    assert os.listdir(tmp_path) == []


def test_a_refused_write_is_a_one_line_error_naming_the_path(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    for target in (blocker / "sub" / "out.png", blocker / "out.png"):  # ENOTDIR, EEXIST
        with pytest.raises(MinimaxlabError) as raised:
            atomic_write_text(target, "never")
        assert str(raised.value).startswith(
            f"cannot write {target} ({blocker} is a file, not a folder); choose a place"
        )
    monkeypatch.setattr(os, "fsync", fail_with_disk_full)
    with pytest.raises(UnwritablePath, match=f"cannot write {tmp_path / 'summary.json'}"):
        atomic_write_text(tmp_path / "summary.json", "never")


def test_an_error_of_the_body_without_an_errno_goes_through_as_it_is(tmp_path):
    with pytest.raises(OSError, match="encoder error") as raised, atomic_path(tmp_path / "x"):
        raise OSError("encoder error -2")  # what PIL raises: a bug, not a refusal of the system
    assert not isinstance(raised.value, MinimaxlabError)
    assert os.listdir(tmp_path) == []


def test_exclusive_makes_a_second_holder_wait_until_the_first_lets_go(tmp_path):
    lock = tmp_path / "cache" / "classifier.lock"  # its folder is made
    order = []

    def second() -> None:
        with exclusive(lock):
            order.append("second holds it")

    with exclusive(lock):
        waiting = threading.Thread(target=second)
        waiting.start()
        waiting.join(0.3)  # without the lock it would have run by now
        order.append("first lets go")
    waiting.join(10)
    assert order == ["first lets go", "second holds it"]
