"""Atomic file writes: write beside the target, then rename, so a kill never leaves half a file.

A write that the system refuses (a read-only folder, a file where a folder should be, a full
disk) raises :class:`UnwritablePath`, a one-line error that names the path.

The file that appears has the permissions a plain ``open(path, "w")`` would give it: an existing
file keeps its mode, a new one gets 0o666 less the user's umask (the temporary file that
``mkstemp`` makes is 0o600, which would hide a run folder from the group it is shared with).
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

from minimaxlab.errors import MinimaxlabError


def _read_umask() -> int:
    """The process's umask. It can only be read by setting it, so it is set to the most private
    value for that instant and put back at once."""
    umask = os.umask(0o077)
    os.umask(umask)
    return umask


# Read once, at import (before the lab starts threads): a thread creating a file between the
# two os.umask calls above would get the temporary umask.
_UMASK = _read_umask()


def _plain_write_mode(target: Path) -> int:
    """The mode ``open(target, "w")`` leaves: the existing file's, or 0o666 less the umask."""
    try:
        return stat.S_IMODE(target.stat().st_mode)
    except FileNotFoundError:
        return 0o666 & ~_UMASK


class UnwritablePath(MinimaxlabError, OSError):
    """A file or folder the system would not let us write. The command line prints it on one
    line; it is an OSError still, for code that handles disk errors as such."""


@contextlib.contextmanager
def writing(path: str | os.PathLike) -> Iterator[None]:
    """Raise an OSError of the system (one with an errno) from the body as UnwritablePath
    naming ``path``. An OSError without an errno (a library's own, say PIL's encoder error)
    is no refusal of the system and goes through as it is."""
    try:
        yield
    except OSError as err:
        if err.errno is None:
            raise
        blocker = _file_in_the_way(Path(path))
        why = f"{blocker} is a file, not a folder" if blocker else err.strerror or str(err)
        raise UnwritablePath(
            f"cannot write {path} ({why}); choose a place you can write to, with space free"
        ) from err


def _file_in_the_way(path: Path) -> Path | None:
    """The folder on the way to ``path`` that is a file (mkdir says only "File exists")."""
    return next((p for p in reversed(path.parents) if p.exists() and not p.is_dir()), None)


def make_folder(path: str | os.PathLike) -> Path:
    """``mkdir -p path``; a folder that cannot be made is an UnwritablePath naming it."""
    with writing(path):
        Path(path).mkdir(parents=True, exist_ok=True)
    return Path(path)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path in the target's folder; on success make it durable (fsync) and
    rename it onto ``path``.

    If the body, the fsync or the rename fails, the temporary file is removed and ``path``
    keeps its previous content; a refusal of the system is an UnwritablePath naming ``path``."""
    target = Path(path)
    with writing(target):
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        os.close(fd)
        tmp = Path(tmp_name)
        try:
            yield tmp
            _fsync(tmp)  # an image saved by PIL or matplotlib is as durable as our own bytes
            os.chmod(tmp, _plain_write_mode(target))
            os.replace(tmp, target)
        finally:
            tmp.unlink(missing_ok=True)


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)


def atomic_write_text(path: str | os.PathLike, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    atomic_write_bytes(path, text.encode("utf-8"))


@contextlib.contextmanager
def exclusive(lock_path: str | os.PathLike) -> Iterator[None]:
    """Hold an exclusive lock on ``lock_path`` (created if missing) for the body: processes that
    would make the same file (the lab's experiments, side by side) take turns. POSIX
    ``flock``; where it does not exist (Windows) the body runs unlocked."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        yield
        return
    path = Path(lock_path)
    make_folder(path.parent)
    with writing(path), open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
