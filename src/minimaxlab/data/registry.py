"""Named data sets: where their files are found, how they are fetched, how they are loaded.

File-based data sets (fashion-mnist and mnist as IDX, svhn as MATLAB files) are looked for, in
order, in a folder the user names (``data.root``), ``$MINIMAXLAB_DATA/<name>``,
``~/.cache/minimaxlab/<name>`` and ``/usr/share/datasets/<name>`` (where Debian's
``dataset-fashion-mnist`` puts its files). Every IDX file is checked against the SHA-256 of its
decompressed content, so the same check holds for the official ``.gz`` files, Debian's
re-compressed ones and unpacked copies; every ``.mat`` file against its size and SHA-256.
digits (scikit-learn) and syndigits (rendered) need no files.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import torch

from minimaxlab.data.fetch import download
from minimaxlab.data.idx import check_pair, read_idx
from minimaxlab.data.images import ImageSet, from_arrays, load_digits
from minimaxlab.data.svhn import read_svhn_mat
from minimaxlab.data.syndigits import load_syndigits
from minimaxlab.errors import MinimaxlabError

SPLITS = ("train", "test")
SYSTEM_DATA_DIR = Path("/usr/share/datasets")


@dataclass(frozen=True)
class IdxFile:
    name: str  # without .gz; either form is accepted
    sha256: str  # of the decompressed content

    @property
    def names(self) -> tuple[str, ...]:
        """The file names accepted, the downloaded one first."""
        return (f"{self.name}.gz", self.name)

    def verify(self, path: Path) -> None:
        read_idx(path, sha256=self.sha256)


@dataclass(frozen=True)
class IdxDataset:
    name: str
    files: dict[str, tuple[IdxFile, IdxFile]]  # split → (images, labels)
    mirrors: tuple[str, ...]  # base URLs holding the official .gz files
    class_names: tuple[str, ...]
    debian_package: str | None = None

    def all_files(self) -> list[IdxFile]:
        return [f for pair in self.files.values() for f in pair]


FASHION_MNIST = IdxDataset(
    name="fashion-mnist",
    files={
        "train": (
            IdxFile(
                "train-images-idx3-ubyte",
                "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
            ),
            IdxFile(
                "train-labels-idx1-ubyte",
                "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
            ),
        ),
        "test": (
            IdxFile(
                "t10k-images-idx3-ubyte",
                "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
            ),
            IdxFile(
                "t10k-labels-idx1-ubyte",
                "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
            ),
        ),
    },
    mirrors=(
        "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
        "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
    ),
    class_names=(
        "T-shirt/top",
        "Trouser",
        "Pullover",
        "Dress",
        "Coat",
        "Sandal",
        "Shirt",
        "Sneaker",
        "Bag",
        "Ankle boot",
    ),
    debian_package="dataset-fashion-mnist",
)

MNIST = IdxDataset(
    name="mnist",
    files={
        "train": (
            IdxFile(
                "train-images-idx3-ubyte",
                "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
            ),
            IdxFile(
                "train-labels-idx1-ubyte",
                "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
            ),
        ),
        "test": (
            IdxFile(
                "t10k-images-idx3-ubyte",
                "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
            ),
            IdxFile(
                "t10k-labels-idx1-ubyte",
                "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
            ),
        ),
    },
    mirrors=(
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "https://storage.googleapis.com/cvdf-datasets/mnist/",
        "http://yann.lecun.com/exdb/mnist/",
    ),
    class_names=tuple(str(d) for d in range(10)),
)


@dataclass(frozen=True)
class MatFile:
    name: str
    sha256: str  # of the file as the official host serves it
    size: int  # bytes

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name,)

    def verify(self, path: Path) -> None:
        read_svhn_mat(path, sha256=self.sha256, size=self.size)


@dataclass(frozen=True)
class MatDataset:
    name: str
    files: dict[str, MatFile]  # split → file
    mirrors: tuple[str, ...]
    class_names: tuple[str, ...]
    debian_package: str | None = None

    def all_files(self) -> list[MatFile]:
        return list(self.files.values())


# Sizes and SHA-256 as tensorflow/datasets records them (url_checksums/svhn_cropped.txt);
# torchvision's SVHN class gives the MD5s e26dedcc434d2e4c54c9b2d4a06d8373 (train) and
# eb5a983be6a315427106f1b164d9cef3 (test) for the same files.
SVHN = MatDataset(
    name="svhn",
    files={
        "train": MatFile(
            "train_32x32.mat",
            "435e94d69a87fde4fd4d7f3dd208dfc32cb6ae8af2240d066de1df7508d083b8",
            182_040_794,
        ),
        "test": MatFile(
            "test_32x32.mat",
            "cdce80dfb2a2c4c6160906d0bd7c68ec5a99d7ca4831afa54f09182025b6a75b",
            64_275_384,
        ),
    },
    mirrors=("http://ufldl.stanford.edu/housenumbers/",),
    class_names=tuple(str(d) for d in range(10)),
)

IDX_DATASETS: dict[str, IdxDataset] = {d.name: d for d in (FASHION_MNIST, MNIST)}
MAT_DATASETS: dict[str, MatDataset] = {SVHN.name: SVHN}
GENERATED = ("digits", "syndigits")  # need no files
DATASET_NAMES = (*IDX_DATASETS, *MAT_DATASETS, *GENERATED)


def cache_dir() -> Path:
    """``~/.cache/minimaxlab`` (or under ``$XDG_CACHE_HOME``): downloads and cached models."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "minimaxlab"


def search_dirs(name: str, root: str | os.PathLike | None = None) -> list[Path]:
    """The folders searched for data set ``name``: only ``root`` when the user names one."""
    if root is not None:
        return [Path(root).expanduser()]
    dirs = []
    if os.environ.get("MINIMAXLAB_DATA"):
        dirs.append(Path(os.environ["MINIMAXLAB_DATA"]).expanduser() / name)
    dirs += [cache_dir() / name, SYSTEM_DATA_DIR / name]
    return dirs


def _file_in(folder: Path, file: IdxFile | MatFile) -> Path | None:
    for name in file.names:
        if (folder / name).is_file():
            return folder / name
    return None


def find_dataset(name: str, root: str | os.PathLike | None = None) -> Path | None:
    """The first searched folder that holds every file of ``name``, or None."""
    spec = _file_spec(name)
    for folder in search_dirs(name, root):
        if all(_file_in(folder, f) is not None for f in spec.all_files()):
            return folder
    return None


def _file_spec(name: str) -> IdxDataset | MatDataset:
    if name in IDX_DATASETS:
        return IDX_DATASETS[name]
    if name in MAT_DATASETS:
        return MAT_DATASETS[name]
    known = ", ".join((*IDX_DATASETS, *MAT_DATASETS))
    raise MinimaxlabError(f"unknown data set {name!r}; file-based data sets are: {known}")


def _missing_message(spec: IdxDataset | MatDataset, root: str | os.PathLike | None) -> str:
    names = ", ".join(f.names[0] for f in spec.all_files())
    where = " or ".join(str(d) for d in search_dirs(spec.name, root))
    return (
        f"data set {spec.name!r} not found in {where}; run 'minimaxlab data fetch {spec.name}', "
        f"or put {names} in a folder and set MINIMAXLAB_DATA to its parent or data.root to it"
    )


def _apt_command() -> list[str] | None:
    """``apt-get`` (with ``sudo -n`` when not root), or None when packages cannot be installed."""
    if shutil.which("apt-get") is None:
        return None
    if os.geteuid() == 0:
        return ["apt-get"]
    if (
        shutil.which("sudo")
        and subprocess.run(["sudo", "-n", "true"], capture_output=True).returncode == 0
    ):
        return ["sudo", "-n", "apt-get"]
    return None


def _install_debian_package(package: str) -> bool:
    apt = _apt_command()
    if apt is None:
        return False
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = [*apt, "install", "-y", "-q", package]
    if subprocess.run(install, env=env).returncode == 0:
        return True
    # The package lists may be stale or empty on a fresh machine.
    subprocess.run([*apt, "update", "-q"], env=env)
    return subprocess.run(install, env=env).returncode == 0


def fetch_dataset(name: str, *, use_apt: bool = True, progress: bool = True) -> Path:
    """Make ``name`` available: found, else its Debian package, else verified downloads."""
    if name == "digits":
        return Path("(scikit-learn)")
    if name == "syndigits":
        return Path("(generated)")
    spec = _file_spec(name)
    found = find_dataset(name)
    if found is not None:
        return found
    if use_apt and spec.debian_package and _install_debian_package(spec.debian_package):
        found = find_dataset(name)
        if found is not None:
            return found
    target = search_dirs(name)[0]  # $MINIMAXLAB_DATA/<name> when set, else the cache
    for file in spec.all_files():
        if _file_in(target, file) is None:
            download(
                [base + file.names[0] for base in spec.mirrors],
                target / file.names[0],
                verify=file.verify,
                progress=progress,
            )
    return target


def is_available(name: str, root: str | os.PathLike | None = None) -> bool:
    """Whether data set ``name`` can be loaded without fetching anything."""
    if name in GENERATED:
        return True
    known = name in IDX_DATASETS or name in MAT_DATASETS
    return known and find_dataset(name, root) is not None


def first_available(names: list[str], root: str | os.PathLike | None = None) -> str:
    """The first of ``names`` that is on this machine, else the first (whose loading then
    says what is missing and how to get it)."""
    return next((name for name in names if is_available(name, root)), names[0])


def _check_split(split: str) -> None:
    if split not in SPLITS:
        raise MinimaxlabError(f"unknown split {split!r}; use one of: {', '.join(SPLITS)}")


def load_idx_split(name: str, split: str, root: str | os.PathLike | None = None) -> ImageSet:
    """One split of an IDX data set, verified, on the CPU."""
    spec = _file_spec(name)
    _check_split(split)
    folder = find_dataset(name, root)
    if folder is None:
        raise MinimaxlabError(_missing_message(spec, root))
    image_file, label_file = spec.files[split]
    image_path, label_path = _file_in(folder, image_file), _file_in(folder, label_file)
    images = read_idx(image_path, sha256=image_file.sha256, ndim=3)
    labels = read_idx(label_path, sha256=label_file.sha256, ndim=1)
    check_pair(images, labels, str(image_path), str(label_path))
    checksum = hashlib.sha256(f"{image_file.sha256}:{label_file.sha256}".encode()).hexdigest()
    return from_arrays(name, split, images, labels, spec.class_names, checksum)


def load_mat_split(name: str, split: str, root: str | os.PathLike | None = None) -> ImageSet:
    """One split of svhn, verified, on the CPU (colour, labels 0–9)."""
    spec = MAT_DATASETS[name]
    _check_split(split)
    folder = find_dataset(name, root)
    if folder is None:
        raise MinimaxlabError(_missing_message(spec, root))
    file = spec.files[split]
    images, labels = read_svhn_mat(_file_in(folder, file), sha256=file.sha256, size=file.size)
    return from_arrays(name, split, images, labels, spec.class_names, file.sha256)


def load_images(
    name: str,
    split: str = "train",
    *,
    root: str | os.PathLike | None = None,
    device: torch.device | str = "cpu",
    limit: int | None = None,
    image_size: int | None = None,
    grey: bool = False,
) -> ImageSet:
    """A named data set's split on ``device``, optionally cut to ``limit`` images (syndigits:
    ``limit`` images are generated), turned grey and resized."""
    if name == "digits":
        data = load_digits(split)
    elif name == "syndigits":
        _check_split(split)
        data = load_syndigits(split, limit)
    elif name in IDX_DATASETS:
        data = load_idx_split(name, split, root)
    elif name in MAT_DATASETS:
        data = load_mat_split(name, split, root)
    else:
        raise MinimaxlabError(
            f"unknown image data set {name!r}; choose one of: {', '.join(DATASET_NAMES)}"
        )
    if limit is not None:
        data = data.head(limit)
    if grey:
        data = data.greyscale()
    if image_size is not None:
        data = data.resized(image_size)
    return data.to(device)
