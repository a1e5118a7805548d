"""Atomic file writes: write beside the target, then rename, so a kill never leaves half a file.

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


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path in the target's folder; on success rename it onto ``path``.

    If the body or the rename fails, the temporary file is removed and ``path`` keeps its
    previous content."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        os.chmod(tmp, _plain_write_mode(target))
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically."""
    with atomic_path(path) as tmp, open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def atomic_write_text(path: str | os.PathLike, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    atomic_write_bytes(path, text.encode("utf-8"))
