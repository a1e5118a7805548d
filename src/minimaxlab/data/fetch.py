"""Verified downloads: a file appears at its destination only after its content checks out."""

from __future__ import annotations

import hashlib
import http.client
import os
import sys
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, BinaryIO

from minimaxlab.atomic import UnwritablePath, atomic_path
from minimaxlab.errors import MinimaxlabError

_CHUNK = 1 << 20  # 1 MiB


def download(
    urls: Sequence[str],
    dest: str | Path,
    verify: Callable[[Path], None],
    *,
    timeout: float = 60.0,
    progress: bool = True,
) -> Path:
    """Download the first of ``urls`` whose content passes ``verify`` to ``dest`` and return it.

    ``verify`` gets the downloaded temporary file and raises MinimaxlabError when it is wrong.
    """
    dest = Path(dest)
    failures: list[str] = []
    for url in urls:
        tmp_name = None
        try:
            # atomic_path deletes the temporary file when the block raises, so a failed,
            # rejected, or interrupted download never leaves anything at dest.
            with atomic_path(dest) as tmp:
                tmp_name = str(tmp)
                with _opened(url, timeout) as response, open(tmp, "wb") as f:
                    _copy(_chunks(response), f, _content_length(response), dest.name, progress)
                    f.flush()
                    os.fsync(f.fileno())
                verify(tmp)
            return dest
        except _MirrorFailed as failed:
            failures.append(f"{url} ({_reason(failed.__cause__)})")
        except UnwritablePath:
            raise  # the disk refused: another mirror will not help
        except MinimaxlabError as exc:
            # verify's message names the (now deleted) temporary file and ends with advice
            # after a ";" that the final message replaces; keep only what was wrong.
            reason = str(exc).split(";")[0]
            if tmp_name:
                reason = reason.replace(tmp_name, "the downloaded file")
            failures.append(f"{url} (content failed verification: {reason})")
    tried = "; ".join(failures) if failures else "no URLs were given"
    raise MinimaxlabError(
        f"could not download {dest.name}: {tried}; download the file by hand into "
        f"{dest.parent} or set MINIMAXLAB_DATA to a folder that holds it"
    )


class _MirrorFailed(Exception):
    """A mirror could not be reached or read. Not an OSError: inside atomic_path an OSError
    means the disk refused the write (UnwritablePath), and a network error is no such thing."""


# What a mirror that cannot be reached or read raises (OSError: timeouts, dropped connections;
# ValueError: a malformed URL)
_NETWORK_ERRORS = (OSError, http.client.HTTPException, ValueError)


def _opened(url: str, timeout: float) -> Any:
    try:
        return urllib.request.urlopen(url, timeout=timeout)
    except _NETWORK_ERRORS as exc:
        raise _MirrorFailed from exc


def _chunks(response: BinaryIO) -> Iterator[bytes]:
    while True:
        try:
            chunk = response.read(_CHUNK)
        except _NETWORK_ERRORS as exc:
            raise _MirrorFailed from exc
        if not chunk:
            return
        yield chunk


def _reason(exc: BaseException | None) -> str:
    if isinstance(exc, urllib.error.HTTPError):  # before URLError, of which it is a subclass
        return f"HTTP {exc.code} {exc.reason}"
    if isinstance(exc, urllib.error.URLError):
        return str(exc.reason)
    return f"{type(exc).__name__}: {exc}"


def sha256_file(path: str | Path) -> str:
    """Return the hex SHA-256 of a file's raw bytes, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _content_length(response: object) -> int | None:
    """The response's Content-Length, or None when the server did not send a usable one."""
    headers = getattr(response, "headers", None)
    value = headers.get("Content-Length") if headers is not None else None
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _copy(
    chunks: Iterator[bytes], dst: BinaryIO, total: int | None, name: str, progress: bool
) -> None:
    """Write ``chunks`` to ``dst``, with a rich progress bar on stderr if asked."""
    if not progress:
        for chunk in chunks:
            dst.write(chunk)
        return
    # Imported here so that quiet downloads (tests, scripts) do not pay for rich.
    from rich.console import Console
    from rich.progress import DownloadColumn, Progress, TransferSpeedColumn

    columns = (*Progress.get_default_columns(), DownloadColumn(), TransferSpeedColumn())
    with Progress(*columns, console=Console(file=sys.stderr), transient=True) as bar:
        task = bar.add_task(f"downloading {name}", total=total)
        for chunk in chunks:
            dst.write(chunk)
            bar.advance(task, len(chunk))
