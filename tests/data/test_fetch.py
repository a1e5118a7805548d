"""Tests for verified downloads, using file:// URLs so that no network is needed."""

from __future__ import annotations

import gzip
import hashlib
import urllib.request
from pathlib import Path

import numpy as np
import pytest

from minimaxlab.data.fetch import download, sha256_file
from minimaxlab.data.idx import read_idx, write_idx
from minimaxlab.errors import MinimaxlabError


@pytest.fixture
def source(tmp_path) -> tuple[Path, str]:
    """A gzipped IDX file on a fake 'server' folder and the SHA-256 of its content."""
    path = tmp_path / "server" / "labels.idx.gz"
    path.parent.mkdir()
    write_idx(path, np.arange(100, dtype=np.uint8))
    # read_idx checks the digest of the decompressed content.
    digest = hashlib.sha256(gzip.decompress(path.read_bytes())).hexdigest()
    return path, digest


def _verifier(sha256: str):
    return lambda tmp: read_idx(tmp, sha256=sha256)


def test_download_from_file_url(tmp_path, source):
    path, digest = source
    dest = tmp_path / "data" / "labels.idx.gz"
    got = download([path.as_uri()], dest, _verifier(digest), progress=False)
    assert got == dest
    assert dest.read_bytes() == path.read_bytes()
    assert [p.name for p in dest.parent.iterdir()] == ["labels.idx.gz"]


def test_falls_back_to_next_url(tmp_path, source):
    path, digest = source
    dest = tmp_path / "data" / "labels.idx.gz"
    missing = (tmp_path / "nowhere" / "labels.idx.gz").as_uri()
    download([missing, path.as_uri()], dest, _verifier(digest), progress=False)
    assert dest.read_bytes() == path.read_bytes()


def test_skips_a_url_whose_content_fails_verify(tmp_path, source):
    path, digest = source
    bad = tmp_path / "server" / "other.idx.gz"
    write_idx(bad, np.zeros(100, dtype=np.uint8))
    dest = tmp_path / "data" / "labels.idx.gz"
    download([bad.as_uri(), path.as_uri()], dest, _verifier(digest), progress=False)
    assert dest.read_bytes() == path.read_bytes()


def test_all_urls_fail_verify(tmp_path, source):
    path, _ = source
    copy = tmp_path / "mirror" / "labels.idx.gz"
    copy.parent.mkdir()
    copy.write_bytes(path.read_bytes())
    urls = [path.as_uri(), copy.as_uri()]
    dest = tmp_path / "data" / "labels.idx.gz"

    with pytest.raises(MinimaxlabError) as excinfo:
        download(urls, dest, _verifier("0" * 64), progress=False)

    message = str(excinfo.value)
    assert "\n" not in message
    assert "labels.idx.gz" in message
    for url in urls:
        assert url in message
    assert "MINIMAXLAB_DATA" in message
    assert "content failed verification" in message
    assert ".tmp" not in message  # the deleted temporary file is not worth naming
    assert not dest.exists()
    # No half-written or rejected temporary files are left behind.
    assert list(dest.parent.iterdir()) == []


def test_all_urls_unreachable(tmp_path):
    dest = tmp_path / "data" / "labels.idx.gz"
    urls = [(tmp_path / "a").as_uri(), (tmp_path / "b").as_uri()]
    with pytest.raises(MinimaxlabError) as excinfo:
        download(urls, dest, lambda tmp: None, progress=False)
    message = str(excinfo.value)
    assert f"{urls[0]} (" in message and f"; {urls[1]} (" in message
    assert not dest.exists()


def test_existing_dest_is_kept_when_download_fails(tmp_path):
    dest = tmp_path / "labels.idx.gz"
    dest.write_bytes(b"previous")
    with pytest.raises(MinimaxlabError):
        download([(tmp_path / "missing").as_uri()], dest, lambda tmp: None, progress=False)
    assert dest.read_bytes() == b"previous"


def test_progress_bar_does_not_change_the_result(tmp_path, source, capsys):
    path, digest = source
    dest = tmp_path / "data" / "labels.idx.gz"
    download([path.as_uri()], dest, _verifier(digest), progress=True)
    assert dest.read_bytes() == path.read_bytes()
    assert capsys.readouterr().out == ""  # progress goes to stderr only


def test_sha256_file(tmp_path):
    data = bytes(range(256)) * 5000  # more than one 1 MiB chunk
    path = tmp_path / "blob"
    path.write_bytes(data)
    assert sha256_file(path) == hashlib.sha256(data).hexdigest()


def test_a_connection_dropped_mid_read_is_a_mirror_failure_not_a_disk_error(
    tmp_path, source, monkeypatch
):
    path, digest = source

    class Dropped:
        headers = {}

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def read(self, size):
            raise ConnectionResetError(104, "Connection reset by peer")

    real_urlopen = urllib.request.urlopen
    monkeypatch.setattr(
        urllib.request,
        "urlopen",
        lambda url, timeout: (
            Dropped() if url.startswith("http:") else real_urlopen(url, timeout=timeout)
        ),
    )
    dest = tmp_path / "data" / "labels.idx.gz"
    with pytest.raises(MinimaxlabError, match="could not download") as raised:
        download(["http://dropped.example/labels.idx.gz"], dest, _verifier(digest), progress=False)
    assert "ConnectionResetError" in str(raised.value) and "cannot write" not in str(raised.value)
    got = download(
        ["http://dropped.example/labels.idx.gz", path.as_uri()],
        dest,
        _verifier(digest),
        progress=False,
    )  # the next mirror is tried
    assert got.read_bytes() == path.read_bytes()
