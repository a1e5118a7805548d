"""Shared fixtures: tiny data made in the test, a registry that never sees real data, and one
tiny lab for the tests of the lab, the index, the reports and the accounts."""

from __future__ import annotations

import dataclasses
import hashlib
from typing import Any

import numpy as np
import pytest
import torch

from minimaxlab.data import registry
from minimaxlab.data.idx import read_idx_bytes, write_idx
from minimaxlab.data.images import ImageSet, from_arrays
from minimaxlab.experiments import EXPERIMENTS


@pytest.fixture(autouse=True)
def isolated_data(tmp_path_factory, monkeypatch):
    """Keep tests away from the user's cache, $MINIMAXLAB_DATA and /usr/share/datasets."""
    home = tmp_path_factory.mktemp("cache")
    monkeypatch.setenv("XDG_CACHE_HOME", str(home))
    monkeypatch.delenv("MINIMAXLAB_DATA", raising=False)
    monkeypatch.setattr(registry, "SYSTEM_DATA_DIR", home / "system-datasets")
    monkeypatch.setattr(registry, "_apt_command", lambda: None)
    torch.set_num_threads(min(2, torch.get_num_threads()))


def tiny_images(n: int = 48, size: int = 28, seed: int = 0) -> ImageSet:
    """Blobs on black: structured enough for a GAN to react to, made in microseconds."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:size, :size]
    centres = rng.uniform(6, size - 6, (n, 2))
    radius = rng.uniform(3, 7, n)
    dist = np.hypot(yy[None] - centres[:, 0, None, None], xx[None] - centres[:, 1, None, None])
    images = (255 * (dist < radius[:, None, None])).astype(np.uint8)
    labels = (radius > 5).astype(np.int64)
    return from_arrays("tiny", "train", images, labels, ("small", "large"))


@pytest.fixture
def fake_mnist(tmp_path, monkeypatch):
    """A folder of small, valid MNIST-format files; the registry's mnist entry points at them."""
    folder = tmp_path / "fake-mnist"
    rng = np.random.default_rng(1)
    shas = {}
    for split, n in (("train", 40), ("test", 12)):
        prefix = "train" if split == "train" else "t10k"
        images = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
        labels = rng.integers(0, 10, n).astype(np.uint8)
        for kind, array in (("images-idx3", images), ("labels-idx1", labels)):
            name = f"{prefix}-{kind}-ubyte"
            write_idx(folder / f"{name}.gz", array)
            shas[name] = hashlib.sha256(read_idx_bytes(folder / f"{name}.gz")).hexdigest()
    spec = registry.IdxDataset(
        name="mnist",
        files={
            split: tuple(registry.IdxFile(f.name, shas[f.name]) for f in pair)
            for split, pair in registry.MNIST.files.items()
        },
        mirrors=(folder.as_uri() + "/",),
        class_names=registry.MNIST.class_names,
    )
    monkeypatch.setitem(registry.IDX_DATASETS, "mnist", spec)
    return folder


def write_svhn_mat(path, images_hwcn: np.ndarray, labels: np.ndarray) -> None:
    """A MATLAB file laid out as SVHN's: X H×W×C×N uint8, y N×1 with 10 for the digit 0."""
    import scipy.io

    path.parent.mkdir(parents=True, exist_ok=True)
    scipy.io.savemat(path, {"X": images_hwcn, "y": labels.reshape(-1, 1)})


@pytest.fixture
def fake_svhn(tmp_path, monkeypatch):
    """A folder of small, valid SVHN-format files; the registry's svhn entry points at them."""
    from minimaxlab.data.fetch import sha256_file

    folder = tmp_path / "fake-svhn"
    rng = np.random.default_rng(2)
    files = {}
    for split, n in (("train", 30), ("test", 10)):
        name = f"{split}_32x32.mat"
        images = rng.integers(0, 256, (32, 32, 3, n), dtype=np.uint8)
        labels = rng.integers(1, 11, n).astype(np.uint8)
        write_svhn_mat(folder / name, images, labels)
        files[split] = registry.MatFile(
            name, sha256_file(folder / name), (folder / name).stat().st_size
        )
    spec = registry.MatDataset("svhn", files, (folder.as_uri() + "/",), registry.SVHN.class_names)
    monkeypatch.setitem(registry.MAT_DATASETS, "svhn", spec)
    return folder


# One tiny lab for the tests of the lab, its index, the reports and the accounts: every
# experiment on its smoke profile (configs/*.yaml), one made to fail, dcgan-fashion pointed back
# at its own data set so that it is skipped for want of it. Run once per session (about 15 s
# on 2 cores).
OVERRIDES = {"dcgan-fashion": ["data.name=fashion-mnist"]}
BROKEN = "wgan-gp"  # made to fail; it shares gan-mnist's account, so no account goes untested
SKIPPED = "dcgan-fashion"  # fashion-mnist is kept out of reach, as in every test
NAMES = sorted(EXPERIMENTS)
FINISHED = sorted(set(NAMES) - {BROKEN, SKIPPED})  # what the tiny lab trains to the end


def _broken_run(config: Any, context: Any) -> dict[str, Any]:
    raise RuntimeError("the discriminator caught fire\nsecond line")


@pytest.fixture(scope="session")
def tiny_lab(tmp_path_factory):
    """(entries, index path) of run_lab over NAMES, with data kept out of reach as in
    isolated_data."""
    from minimaxlab.lab import run_lab

    home = tmp_path_factory.mktemp("lab-cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(home))
        patch.delenv("MINIMAXLAB_DATA", raising=False)
        patch.setattr(registry, "SYSTEM_DATA_DIR", home / "system-datasets")
        patch.setattr(registry, "_apt_command", lambda: None)
        patch.setitem(
            EXPERIMENTS, BROKEN, dataclasses.replace(EXPERIMENTS[BROKEN], run=_broken_run)
        )
        return run_lab(
            profile="smoke",
            only=NAMES,
            out=tmp_path_factory.mktemp("lab") / "runs",
            device="cpu",
            overrides=OVERRIDES,
            progress=False,
        )


@pytest.fixture(scope="session")
def entries(tiny_lab):
    return {entry.name: entry for entry in tiny_lab[0]}
