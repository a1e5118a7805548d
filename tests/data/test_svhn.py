"""The SVHN .mat reader and the svhn entry of the registry, on small files made in the test."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.io
import torch

from minimaxlab.data import registry
from minimaxlab.data.fetch import sha256_file
from minimaxlab.data.registry import fetch_dataset, first_available, is_available, load_images
from minimaxlab.data.svhn import read_svhn_mat
from minimaxlab.errors import MinimaxlabError
from tests.conftest import write_svhn_mat


def svhn_arrays(n: int = 6, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    labels = np.arange(1, n + 1, dtype=np.uint8) % 10 + 1  # 2, 3, …, 10, 1, …: every label
    return rng.integers(0, 256, (32, 32, 3, n), dtype=np.uint8), labels


def fails(path, *fragments, **checks):
    with pytest.raises(MinimaxlabError) as info:
        read_svhn_mat(path, **checks)
    message = str(info.value)
    assert str(path) in message and "\n" not in message, message
    for fragment in fragments:
        assert fragment in message, message


def test_reads_images_as_n_c_h_w_and_label_10_as_0(tmp_path):
    x, y = svhn_arrays(10)
    path = tmp_path / "train_32x32.mat"
    write_svhn_mat(path, x, y)
    images, labels = read_svhn_mat(path, sha256=sha256_file(path), size=path.stat().st_size)
    assert images.shape == (10, 3, 32, 32) and images.dtype == np.uint8
    assert np.array_equal(images[4, 2, 7, 9], x[7, 9, 2, 4])
    assert np.array_equal(images[3], x[..., 3].transpose(2, 0, 1))
    assert labels.dtype == np.int64 and sorted(labels) == list(range(10))
    assert labels[np.flatnonzero(y == 10)[0]] == 0 and labels[np.flatnonzero(y == 3)[0]] == 3


def test_float_labels_as_matlab_writes_them_are_accepted(tmp_path):
    x, y = svhn_arrays(4)
    write_svhn_mat(tmp_path / "a.mat", x, y.astype(np.float64))
    assert list(read_svhn_mat(tmp_path / "a.mat")[1]) == [2, 3, 4, 5]


@pytest.mark.parametrize(
    ("x_shape", "fragment"),
    [((28, 28, 3, 4), "X has shape (28, 28, 3, 4)"), ((32, 32, 4), "X has shape (32, 32, 4)")],
)
def test_wrong_image_shape(tmp_path, x_shape, fragment):
    write_svhn_mat(tmp_path / "a.mat", np.zeros(x_shape, np.uint8), np.ones(4, np.uint8))
    fails(tmp_path / "a.mat", fragment, "32×32×3×N")


def test_wrong_image_type(tmp_path):
    x, y = svhn_arrays(4)
    write_svhn_mat(tmp_path / "a.mat", x.astype(np.float32), y)
    fails(tmp_path / "a.mat", "X has type float32")


@pytest.mark.parametrize("bad", [0, 11])
def test_label_out_of_range(tmp_path, bad):
    x, y = svhn_arrays(5)
    y[2] = bad
    write_svhn_mat(tmp_path / "a.mat", x, y)
    fails(tmp_path / "a.mat", "1 labels outside 1–10", f"the first is {bad}")


def test_labels_that_are_not_whole_numbers(tmp_path):
    x, y = svhn_arrays(3)
    write_svhn_mat(tmp_path / "a.mat", x, y + 0.5)
    fails(tmp_path / "a.mat", "not whole numbers")


def test_label_count_differs_from_image_count(tmp_path):
    x, y = svhn_arrays(5)
    write_svhn_mat(tmp_path / "a.mat", x, y[:4])
    fails(tmp_path / "a.mat", "y has shape (4, 1) but X holds 5 images")


def test_missing_variable(tmp_path):
    x, _ = svhn_arrays(3)
    scipy.io.savemat(tmp_path / "a.mat", {"X": x})
    fails(tmp_path / "a.mat", "has no variable y")


@pytest.mark.parametrize("keep", [10, 100, 1000, 20000])
def test_truncated_file(tmp_path, keep):
    x, y = svhn_arrays(8)
    write_svhn_mat(tmp_path / "a.mat", x, y)
    content = (tmp_path / "a.mat").read_bytes()
    (tmp_path / "a.mat").write_bytes(content[:keep])
    fails(tmp_path / "a.mat")


def test_not_a_mat_file_and_missing_file(tmp_path):
    (tmp_path / "a.mat").write_bytes(b"<html>404 Not Found</html>" * 10)
    fails(tmp_path / "a.mat", "not a readable MATLAB .mat file")
    fails(tmp_path / "b.mat", "does not exist")


def test_size_and_sha256_are_checked_before_parsing(tmp_path):
    x, y = svhn_arrays(3)
    write_svhn_mat(tmp_path / "a.mat", x, y)
    size = (tmp_path / "a.mat").stat().st_size
    fails(
        tmp_path / "a.mat", f"has {size} bytes but the official file has {size + 1}", size=size + 1
    )
    fails(tmp_path / "a.mat", "SHA-256", "was expected", sha256="0" * 64)


def test_svhn_through_the_registry_colour_grey_and_resized(fake_svhn):
    train = load_images("svhn", "train", root=fake_svhn)
    test = load_images("svhn", "test", root=fake_svhn)
    assert train.shape == (3, 32, 32) and len(train) == 30 and len(test) == 10
    assert int(train.labels.min()) >= 0 and int(train.labels.max()) <= 9
    grey = load_images("svhn", "train", root=fake_svhn, grey=True)
    assert grey.shape == (1, 32, 32) and grey.checksum != train.checksum
    expected = (train.images.float() * torch.tensor([0.299, 0.587, 0.114]).view(1, 3, 1, 1)).sum(1)
    assert torch.allclose(grey.images[:, 0].float(), expected.round())
    small = load_images("svhn", "test", root=fake_svhn, grey=True, image_size=28, limit=4)
    assert small.images.shape == (4, 1, 28, 28)


def test_svhn_is_found_through_the_environment_and_fetched_with_checks(fake_svhn, monkeypatch):
    assert not is_available("svhn") and first_available(["svhn", "syndigits"]) == "syndigits"
    target = fetch_dataset("svhn", progress=False)  # from the fixture's file:// mirror
    assert target == registry.cache_dir() / "svhn"
    assert sorted(p.name for p in target.iterdir()) == ["test_32x32.mat", "train_32x32.mat"]
    assert is_available("svhn") and first_available(["svhn", "syndigits"]) == "svhn"
    monkeypatch.setenv("MINIMAXLAB_DATA", str(fake_svhn.parent))
    fake_svhn.rename(fake_svhn.parent / "svhn")
    assert registry.find_dataset("svhn") == fake_svhn.parent / "svhn"


def test_fetch_rejects_svhn_content_that_does_not_match(fake_svhn, monkeypatch):
    spec = registry.MAT_DATASETS["svhn"]
    wrong = registry.MatFile("train_32x32.mat", "0" * 64, spec.files["train"].size)
    monkeypatch.setitem(
        registry.MAT_DATASETS,
        "svhn",
        registry.MatDataset("svhn", {**spec.files, "train": wrong}, spec.mirrors, spec.class_names),
    )
    with pytest.raises(MinimaxlabError, match="could not download train_32x32.mat.*SHA-256"):
        fetch_dataset("svhn", progress=False)
    assert not (registry.cache_dir() / "svhn" / "train_32x32.mat").exists()


def test_a_missing_svhn_says_where_it_looked(tmp_path):
    with pytest.raises(MinimaxlabError) as info:
        load_images("svhn", "test", root=tmp_path)
    message = str(info.value)
    assert "train_32x32.mat" in message and "minimaxlab data fetch svhn" in message
    assert str(tmp_path) in message


def test_the_official_files_are_pinned():
    files = registry.SVHN.files
    assert (files["train"].size, files["test"].size) == (182_040_794, 64_275_384)
    assert registry.SVHN.mirrors == ("http://ufldl.stanford.edu/housenumbers/",)
