"""The data section of a config."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import PositiveInt

from minimaxlab.config import StrictModel


class ImageDataConfig(StrictModel):
    """Which image data set, from where, and how much of it."""

    name: Literal["fashion-mnist", "mnist", "digits"] = "fashion-mnist"
    root: Path | None = None  # a folder holding the files; default: the usual places
    limit: PositiveInt | None = None  # use only the first N training images
    image_size: PositiveInt | None = None  # resample to image_size × image_size
