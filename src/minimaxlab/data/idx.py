"""The IDX file format used by MNIST and Fashion-MNIST: read, check, and write.

An IDX file is: two zero bytes, a type-code byte, a byte with the number of dimensions,
one big-endian uint32 size per dimension, then the values in C order (big-endian).
The files are usually distributed gzip-compressed.
"""

from __future__ import annotations

import gzip
import hashlib
import zlib
from pathlib import Path

import numpy as np

from minimaxlab.atomic import atomic_write_bytes
from minimaxlab.errors import MinimaxlabError

# Type code → element type as stored in the file (multi-byte types are big-endian).
_FILE_DTYPES: dict[int, np.dtype] = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
# Native element type → type code, for writing.
_TYPE_CODES: dict[np.dtype, int] = {dt.newbyteorder("="): code for code, dt in _FILE_DTYPES.items()}

_GZIP_MAGIC = b"\x1f\x8b"
_REFETCH = "delete it and fetch it again"
# What each number of dimensions means in MNIST-style data, for error messages.
_NDIM_MEANING = {1: " (labels N)", 3: " (images N×H×W)"}


def read_idx_bytes(path: str | Path) -> bytes:
    """Return the content of an IDX file, decompressed when it is gzip.

    Gzip is detected by its magic bytes, not by the file name.
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise MinimaxlabError(
            f"{path} does not exist; fetch it again or check the data folder"
        ) from None
    except OSError as exc:
        raise MinimaxlabError(
            f"cannot read {path} ({exc.strerror or exc}); check the path and its permissions"
        ) from None
    if not raw.startswith(_GZIP_MAGIC):
        return raw
    try:
        return gzip.decompress(raw)
    except (EOFError, gzip.BadGzipFile, zlib.error, OSError):
        # An interrupted download typically leaves a gzip stream without its end marker.
        raise MinimaxlabError(f"{path} is a truncated or corrupt gzip file; {_REFETCH}") from None


def parse_idx(data: bytes, source: str) -> np.ndarray:
    """Parse IDX content into a writable, native-byte-order array with the header's shape.

    ``source`` names the file in error messages.
    """
    if len(data) < 4:
        raise MinimaxlabError(
            f"{source} is shorter than an IDX header ({len(data)} bytes); {_REFETCH}"
        )
    magic = int.from_bytes(data[:4], "big")
    type_code, ndim = data[2], data[3]
    if data[0] != 0 or data[1] != 0 or type_code not in _FILE_DTYPES:
        raise MinimaxlabError(
            f"{source} has a bad magic number 0x{magic:08x} and is not an IDX file; {_REFETCH}"
        )
    if ndim == 0:
        raise MinimaxlabError(f"{source} declares zero dimensions in its IDX header; {_REFETCH}")
    header_len = 4 + 4 * ndim
    if len(data) < header_len:
        raise MinimaxlabError(
            f"{source} is shorter than its IDX header ({len(data)} of {header_len} bytes); "
            f"{_REFETCH}"
        )
    shape = tuple(int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    dtype = _FILE_DTYPES[type_code]
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    found = len(data) - header_len
    if found < expected:
        raise MinimaxlabError(
            f"{source} is truncated: shape {shape} needs {expected} data bytes "
            f"but the file has {found}; {_REFETCH}"
        )
    if found > expected:
        raise MinimaxlabError(
            f"{source} has {found - expected} trailing bytes after the {expected} data bytes "
            f"that shape {shape} needs; {_REFETCH}"
        )
    values = np.frombuffer(data, dtype=dtype, count=expected // dtype.itemsize, offset=header_len)
    # astype copies, which gives a native-order array that callers may modify
    # (np.frombuffer over bytes is read-only).
    return values.reshape(shape).astype(dtype.newbyteorder("="))


def read_idx(path: str | Path, *, sha256: str | None = None, ndim: int | None = None) -> np.ndarray:
    """Read an IDX file (gzip or not), optionally checking the SHA-256 of its decompressed
    content and its number of dimensions."""
    content = read_idx_bytes(path)
    if sha256 is not None:
        # Hash the decompressed content: it is the same whatever gzip settings made the file.
        actual = hashlib.sha256(content).hexdigest()
        if actual != sha256.lower():
            raise MinimaxlabError(
                f"{path} has SHA-256 {actual} but {sha256} was expected; the file is corrupt "
                f"or a different version, {_REFETCH}"
            )
    array = parse_idx(content, str(path))
    if ndim is not None and array.ndim != ndim:
        raise MinimaxlabError(
            f"{path} has {array.ndim} dimensions, expected {ndim}"
            f"{_NDIM_MEANING.get(ndim, '')}; check that it is the right file"
        )
    return array


def write_idx(path: str | Path, array: np.ndarray, *, compress: bool | None = None) -> None:
    """Write ``array`` as an IDX file, atomically; gzip it when ``compress`` is True,
    or when it is None and the path ends with ".gz"."""
    array = np.asarray(array)
    code = _TYPE_CODES.get(array.dtype.newbyteorder("="))
    if code is None:
        supported = ", ".join(str(dt) for dt in _TYPE_CODES)
        raise ValueError(f"IDX cannot store dtype {array.dtype}; use one of {supported}")
    if not 1 <= array.ndim <= 255:
        raise ValueError(f"IDX needs 1 to 255 dimensions, got {array.ndim}")
    if any(size >= 2**32 for size in array.shape):
        raise ValueError(f"IDX sizes must fit in uint32, got shape {array.shape}")
    header = bytes([0, 0, code, array.ndim]) + b"".join(
        size.to_bytes(4, "big") for size in array.shape
    )
    content = header + array.astype(_FILE_DTYPES[code], copy=False).tobytes(order="C")
    if compress is None:
        compress = str(path).endswith(".gz")
    if compress:
        # mtime=0 makes the output depend only on the data, so rewrites are byte-identical.
        content = gzip.compress(content, mtime=0)
    atomic_write_bytes(path, content)


def check_pair(
    images: np.ndarray, labels: np.ndarray, images_source: str, labels_source: str
) -> None:
    """Check that ``images`` (N×H×W) and ``labels`` (N) have matching shapes and counts."""
    if images.ndim != 3:
        raise MinimaxlabError(
            f"images file {images_source} has {images.ndim} dimensions, expected 3 (N×H×W); "
            "check that the images and labels files are not swapped"
        )
    if labels.ndim != 1:
        raise MinimaxlabError(
            f"labels file {labels_source} has {labels.ndim} dimensions, expected 1 (N); "
            "check that the images and labels files are not swapped"
        )
    if len(images) != len(labels):
        raise MinimaxlabError(
            f"images file {images_source} has {len(images)} images but labels file "
            f"{labels_source} has {len(labels)} labels; delete both and fetch them again"
        )
