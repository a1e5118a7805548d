"""Tests for the IDX reader and writer, including every corruption the reader must catch."""

from __future__ import annotations

import gzip
import hashlib

import numpy as np
import pytest

from minimaxlab.data.idx import check_pair, parse_idx, read_idx, read_idx_bytes, write_idx
from minimaxlab.errors import MinimaxlabError


def _images(n: int = 5) -> np.ndarray:
    return np.arange(n * 4 * 3, dtype=np.uint8).reshape(n, 4, 3)


def _raise_message(excinfo: pytest.ExceptionInfo, name: str) -> str:
    """The error's message, after checking that it names the file and is one line."""
    message = str(excinfo.value)
    assert name in message
    assert "\n" not in message
    return message


def _expect_error(path, **kwargs) -> str:
    with pytest.raises(MinimaxlabError) as excinfo:
        read_idx(path, **kwargs)
    return _raise_message(excinfo, path.name)


# Round trips


@pytest.mark.parametrize("name", ["images.idx", "images.idx.gz"])
def test_round_trip_uint8_images_and_labels(tmp_path, name):
    images = _images()
    labels = np.array([3, 1, 4, 1, 5], dtype=np.uint8)
    write_idx(tmp_path / name, images)
    write_idx(tmp_path / f"labels-{name}", labels)

    got_images = read_idx(tmp_path / name, ndim=3)
    got_labels = read_idx(tmp_path / f"labels-{name}", ndim=1)

    assert got_images.dtype == np.uint8 and got_images.shape == (5, 4, 3)
    np.testing.assert_array_equal(got_images, images)
    np.testing.assert_array_equal(got_labels, labels)
    # The file is gzip exactly when the name ends with .gz.
    is_gzip = (tmp_path / name).read_bytes()[:2] == b"\x1f\x8b"
    assert is_gzip == name.endswith(".gz")


@pytest.mark.parametrize(
    "array",
    [
        np.linspace(-1.5, 2.5, 24, dtype=np.float32).reshape(2, 3, 4),
        np.array([-(2**31), -1, 0, 7, 2**31 - 1], dtype=np.int32),
        np.array([[-128, 127], [0, -1]], dtype=np.int8),
        np.array([-32768, 32767], dtype=np.int16),
        np.array([1e-300, -2.5], dtype=np.float64),
    ],
    ids=["float32", "int32", "int8", "int16", "float64"],
)
def test_round_trip_other_dtypes(tmp_path, array):
    write_idx(tmp_path / "a.idx", array)
    got = read_idx(tmp_path / "a.idx")
    assert got.dtype == array.dtype
    assert got.shape == array.shape
    assert got.dtype.isnative
    np.testing.assert_array_equal(got, array)


def test_big_endian_input_is_written_correctly(tmp_path):
    array = np.array([1, 256, -2], dtype=">i4")
    write_idx(tmp_path / "a.idx", array)
    got = read_idx(tmp_path / "a.idx")
    assert got.dtype == np.dtype(np.int32)
    np.testing.assert_array_equal(got, [1, 256, -2])


def test_file_layout_matches_the_idx_spec(tmp_path):
    write_idx(tmp_path / "a.idx", np.array([[1, 2, 3], [4, 5, 6]], dtype=np.int16))
    expected = bytes([0, 0, 0x0B, 2, 0, 0, 0, 2, 0, 0, 0, 3]) + b"".join(
        v.to_bytes(2, "big") for v in range(1, 7)
    )
    assert (tmp_path / "a.idx").read_bytes() == expected


def test_gzip_detected_by_magic_not_name(tmp_path):
    images = _images()
    write_idx(tmp_path / "images-ubyte", images, compress=True)
    assert (tmp_path / "images-ubyte").read_bytes()[:2] == b"\x1f\x8b"
    np.testing.assert_array_equal(read_idx(tmp_path / "images-ubyte"), images)


def test_uncompressed_file_with_gz_name_is_read(tmp_path):
    images = _images()
    write_idx(tmp_path / "images.gz", images, compress=False)
    np.testing.assert_array_equal(read_idx(tmp_path / "images.gz"), images)


def test_result_is_writable(tmp_path):
    write_idx(tmp_path / "a.idx", _images())
    got = read_idx(tmp_path / "a.idx")
    got[0, 0, 0] = 200
    assert got[0, 0, 0] == 200


def test_write_rejects_unsupported_dtype(tmp_path):
    with pytest.raises(ValueError, match="int64"):
        write_idx(tmp_path / "a.idx", np.zeros(3, dtype=np.int64))
    assert not (tmp_path / "a.idx").exists()


def test_write_leaves_no_temporary_files(tmp_path):
    write_idx(tmp_path / "a.idx.gz", _images())
    assert [p.name for p in tmp_path.iterdir()] == ["a.idx.gz"]


# Corruption


def test_bad_magic(tmp_path):
    path = tmp_path / "bad-magic.idx"
    write_idx(path, _images())
    path.write_bytes(b"\x12\x34" + path.read_bytes()[2:])
    assert "bad magic number 0x12340803" in _expect_error(path)


def test_unknown_type_code(tmp_path):
    path = tmp_path / "bad-type.idx"
    write_idx(path, _images())
    data = bytearray(path.read_bytes())
    data[2] = 0x0A
    path.write_bytes(bytes(data))
    assert "bad magic number 0x00000a03" in _expect_error(path)


def test_zero_dimensions(tmp_path):
    path = tmp_path / "zero-dims.idx"
    path.write_bytes(bytes([0, 0, 0x08, 0]))
    assert "zero dimensions" in _expect_error(path)


def test_wrong_number_of_dimensions(tmp_path):
    path = tmp_path / "labels.idx"
    write_idx(path, np.zeros(5, dtype=np.uint8))
    message = _expect_error(path, ndim=3)
    assert "has 1 dimensions, expected 3" in message


def test_truncated_data(tmp_path):
    path = tmp_path / "truncated.idx"
    write_idx(path, _images())  # 5×4×3 = 60 data bytes
    path.write_bytes(path.read_bytes()[:-7])
    message = _expect_error(path)
    assert "truncated" in message
    assert "60" in message and "53" in message


def test_trailing_bytes(tmp_path):
    path = tmp_path / "trailing.idx"
    write_idx(path, _images())
    path.write_bytes(path.read_bytes() + b"\x00\x00\x00")
    assert "3 trailing bytes" in _expect_error(path)


def test_truncated_gzip(tmp_path):
    path = tmp_path / "images.idx.gz"
    rng = np.random.default_rng(0)
    write_idx(path, rng.integers(0, 256, size=(20, 28, 28), dtype=np.uint8))
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(MinimaxlabError) as excinfo:
        read_idx_bytes(path)
    assert "truncated or corrupt gzip" in _raise_message(excinfo, path.name)


def test_corrupt_gzip_body(tmp_path):
    path = tmp_path / "images.idx.gz"
    path.write_bytes(gzip.compress(b"\x00" * 1000)[:10] + b"\xff" * 50)
    assert "truncated or corrupt gzip" in _expect_error(path)


@pytest.mark.parametrize("content", [b"", b"\x00\x00", bytes([0, 0, 8, 3, 0, 0, 0, 5])])
def test_shorter_than_header(tmp_path, content):
    path = tmp_path / "short.idx"
    path.write_bytes(content)
    assert "shorter than" in _expect_error(path)


def test_missing_file(tmp_path):
    path = tmp_path / "missing.idx"
    assert "does not exist" in _expect_error(path)


def test_sha256_match_and_mismatch(tmp_path):
    path = tmp_path / "images.idx.gz"
    write_idx(path, _images())
    # The digest is of the decompressed content, not of the gzip bytes on disk.
    good = hashlib.sha256(gzip.decompress(path.read_bytes())).hexdigest()
    np.testing.assert_array_equal(read_idx(path, sha256=good), _images())
    np.testing.assert_array_equal(read_idx(path, sha256=good.upper()), _images())

    wrong = "0" * 64
    message = _expect_error(path, sha256=wrong)
    assert good in message and wrong in message


def test_parse_idx_names_the_source():
    with pytest.raises(MinimaxlabError) as excinfo:
        parse_idx(b"\x00\x00\x08", "from-memory")
    _raise_message(excinfo, "from-memory")


# Images and labels together


def test_check_pair_accepts_matching_counts():
    # No error is the expected outcome; check_pair returns nothing.
    assert check_pair(_images(5), np.zeros(5, dtype=np.uint8), "imgs", "lbls") is None


def test_check_pair_count_mismatch():
    with pytest.raises(MinimaxlabError) as excinfo:
        check_pair(_images(5), np.zeros(4, dtype=np.uint8), "train-images", "train-labels")
    message = _raise_message(excinfo, "train-images")
    assert "train-labels" in message
    assert "5 images" in message and "4 labels" in message


def test_check_pair_swapped_files():
    with pytest.raises(MinimaxlabError) as excinfo:
        check_pair(np.zeros(5, dtype=np.uint8), _images(5), "train-labels", "train-images")
    assert "expected 3" in _raise_message(excinfo, "train-labels")
