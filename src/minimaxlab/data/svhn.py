"""SVHN's cropped digits as MATLAB files (``train_32x32.mat``, ``test_32x32.mat``): read, check.

Each file holds ``X``, uint8 32×32×3×N (height, width, colour, image), and ``y``, N×1 labels
1–10 where 10 stands for the digit 0.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from minimaxlab.data.fetch import sha256_file
from minimaxlab.errors import MinimaxlabError

IMAGE_SHAPE = (32, 32, 3)
_REFETCH = "delete it and fetch it again"


def read_svhn_mat(
    path: str | Path, *, sha256: str | None = None, size: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Images (uint8 N×3×32×32) and labels (int64 N, 0–9) of an SVHN ``.mat`` file, optionally
    checking its size in bytes and SHA-256 first."""
    import scipy.io

    path = Path(path)
    if not path.is_file():
        raise MinimaxlabError(f"{path} does not exist; fetch it again or check the data folder")
    if size is not None and path.stat().st_size != size:
        raise MinimaxlabError(
            f"{path} has {path.stat().st_size} bytes but the official file has {size}; "
            f"it is truncated or a different version, {_REFETCH}"
        )
    if sha256 is not None:
        actual = sha256_file(path)
        if actual != sha256.lower():
            raise MinimaxlabError(
                f"{path} has SHA-256 {actual} but {sha256} was expected; the file is corrupt "
                f"or a different version, {_REFETCH}"
            )
    try:
        content = scipy.io.loadmat(path, variable_names=("X", "y"))
    except NotImplementedError:  # scipy's answer to MATLAB v7.3 (HDF5) files
        raise MinimaxlabError(
            f"{path} is a MATLAB v7.3 file; SVHN's official files are v5, {_REFETCH}"
        ) from None
    except Exception as exc:  # scipy raises many types for a damaged file
        reason = " ".join(str(exc).split())  # one line, whatever scipy wrote
        raise MinimaxlabError(
            f"{path} is not a readable MATLAB .mat file ({type(exc).__name__}: {reason}); "
            f"it is truncated or corrupt, {_REFETCH}"
        ) from None
    missing = [key for key in ("X", "y") if key not in content]
    if missing:
        raise MinimaxlabError(
            f"{path} has no variable {' or '.join(missing)}; an SVHN file holds X (images) and "
            "y (labels), check that it is train_32x32.mat or test_32x32.mat"
        )
    return _check(content["X"], content["y"], str(path))


def _check(images: np.ndarray, labels: np.ndarray, source: str) -> tuple[np.ndarray, np.ndarray]:
    if images.ndim != 4 or images.shape[:3] != IMAGE_SHAPE:
        raise MinimaxlabError(
            f"{source}: X has shape {images.shape}, expected 32×32×3×N (height, width, colour, "
            f"image); {_REFETCH}"
        )
    if images.dtype != np.uint8:
        raise MinimaxlabError(f"{source}: X has type {images.dtype}, expected uint8; {_REFETCH}")
    n = images.shape[3]
    if labels.size != n or labels.ndim > 2 or (labels.ndim == 2 and 1 not in labels.shape):
        raise MinimaxlabError(
            f"{source}: y has shape {labels.shape} but X holds {n} images, expected {n}×1 "
            f"labels; {_REFETCH}"
        )
    labels = labels.reshape(-1)
    if not np.issubdtype(labels.dtype, np.number) or np.any(labels != np.round(labels)):
        raise MinimaxlabError(f"{source}: y holds values that are not whole numbers; {_REFETCH}")
    outside = (labels < 1) | (labels > 10)
    if outside.any():
        raise MinimaxlabError(
            f"{source}: y holds {int(outside.sum())} labels outside 1–10 (the first is "
            f"{labels[outside][0]:g}); SVHN labels are 1–10 with 10 for the digit 0, {_REFETCH}"
        )
    # X is H×W×C×N; models want N×C×H×W.
    return np.ascontiguousarray(images.transpose(3, 2, 0, 1)), labels.astype(np.int64) % 10
