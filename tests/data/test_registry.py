import gzip

import pytest
import torch

from minimaxlab.data import registry
from minimaxlab.data.registry import fetch_dataset, find_dataset, load_images
from minimaxlab.errors import MinimaxlabError


def test_loads_a_verified_idx_data_set_from_a_named_folder(fake_mnist):
    train = load_images("mnist", "train", root=fake_mnist)
    test = load_images("mnist", "test", root=fake_mnist)
    assert train.images.dtype == torch.uint8 and train.images.shape == (40, 1, 28, 28)
    assert test.labels.dtype == torch.int64 and test.labels.shape == (12,)
    assert train.checksum != test.checksum
    batch = train.gan_batch(torch.tensor([0, 3]))
    assert batch.dtype == torch.float32 and batch.min() >= -1 and batch.max() <= 1
    assert torch.allclose(batch[0], train.images[0].float() / 127.5 - 1)


def test_search_order_env_then_cache_then_system(fake_mnist, tmp_path, monkeypatch):
    assert find_dataset("mnist") is None
    system = registry.SYSTEM_DATA_DIR / "mnist"
    system.parent.mkdir(parents=True, exist_ok=True)
    fake_mnist.rename(system)
    assert find_dataset("mnist") == system
    cached = registry.cache_dir() / "mnist"
    cached.mkdir(parents=True)
    for f in system.iterdir():
        (cached / f.name).write_bytes(f.read_bytes())
    assert find_dataset("mnist") == cached
    env_root = tmp_path / "env"
    (env_root / "mnist").mkdir(parents=True)
    for f in system.iterdir():  # unpacked copies are accepted as well as .gz
        (env_root / "mnist" / f.name.removesuffix(".gz")).write_bytes(
            gzip.decompress(f.read_bytes())
        )
    monkeypatch.setenv("MINIMAXLAB_DATA", str(env_root))
    assert find_dataset("mnist") == env_root / "mnist"
    assert len(load_images("mnist")) == 40


def test_a_missing_data_set_says_where_it_looked_and_what_to_do(tmp_path):
    with pytest.raises(MinimaxlabError) as info:
        load_images("fashion-mnist", root=tmp_path)
    message = str(info.value)
    assert str(tmp_path) in message and "minimaxlab data fetch fashion-mnist" in message
    assert "\n" not in message


def test_a_file_with_the_wrong_content_is_named(fake_mnist):
    labels = fake_mnist / "train-labels-idx1-ubyte.gz"
    content = bytearray(gzip.decompress(labels.read_bytes()))
    content[-1] ^= 1
    labels.write_bytes(gzip.compress(bytes(content)))
    with pytest.raises(MinimaxlabError, match="train-labels-idx1-ubyte.gz.*SHA-256"):
        load_images("mnist", root=fake_mnist)


def test_fetch_downloads_every_file_with_checks(fake_mnist):
    target = fetch_dataset("mnist", progress=False)
    assert target == registry.cache_dir() / "mnist"
    assert sorted(p.name for p in target.iterdir()) == sorted(p.name for p in fake_mnist.iterdir())
    assert len(load_images("mnist", "test")) == 12
    assert fetch_dataset("mnist", progress=False) == target  # found now: nothing downloaded


def test_fetch_rejects_a_mirror_with_wrong_content(fake_mnist, monkeypatch):
    spec = registry.IDX_DATASETS["mnist"]
    wrong = registry.IdxDataset(
        name="mnist",
        files={s: (registry.IdxFile(im.name, "0" * 64), lb) for s, (im, lb) in spec.files.items()},
        mirrors=spec.mirrors,
        class_names=spec.class_names,
    )
    monkeypatch.setitem(registry.IDX_DATASETS, "mnist", wrong)
    with pytest.raises(MinimaxlabError, match="could not download train-images-idx3-ubyte.gz"):
        fetch_dataset("mnist", progress=False)
    assert not (registry.cache_dir() / "mnist" / "train-images-idx3-ubyte.gz").exists()


def test_fetch_prefers_the_debian_package_when_apt_works(fake_mnist, monkeypatch):
    installed = []

    def fake_install(package):
        installed.append(package)
        system = registry.SYSTEM_DATA_DIR / "fashion-mnist"
        system.parent.mkdir(parents=True, exist_ok=True)
        fake_mnist.rename(system)
        return True

    spec = registry.IDX_DATASETS["mnist"]
    fashion = registry.IdxDataset(
        "fashion-mnist", spec.files, (), spec.class_names, debian_package="dataset-fashion-mnist"
    )
    monkeypatch.setitem(registry.IDX_DATASETS, "fashion-mnist", fashion)
    monkeypatch.setattr(registry, "_install_debian_package", fake_install)
    assert (
        fetch_dataset("fashion-mnist", progress=False) == registry.SYSTEM_DATA_DIR / "fashion-mnist"
    )
    assert installed == ["dataset-fashion-mnist"]


def test_digits_come_from_scikit_learn_with_a_fixed_split():
    train, test = load_images("digits", "train"), load_images("digits", "test")
    assert len(train) + len(test) == 1797 and len(test) == 359
    assert train.shape == (1, 8, 8) and int(train.images.max()) == 255
    again = load_images("digits", "train")
    assert torch.equal(train.images, again.images) and train.checksum == again.checksum
    big = load_images("digits", "train", image_size=28, limit=10)
    assert big.images.shape == (10, 1, 28, 28) and big.images.dtype == torch.uint8
    assert big.checksum != train.checksum


def test_unknown_names_are_refused():
    with pytest.raises(MinimaxlabError, match="unknown image data set 'cifar'"):
        load_images("cifar")
    with pytest.raises(MinimaxlabError, match="unknown split 'valid'"):
        registry.load_idx_split("mnist", "valid")
