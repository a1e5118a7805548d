"""The data section of a config."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import PositiveInt

from minimaxlab.config import StrictModel

ImageDataName = Literal["fashion-mnist", "mnist", "svhn", "digits", "syndigits"]


class ImageDataConfig(StrictModel):
    """Which image data set, from where, and how much of it."""

    name: ImageDataName = "fashion-mnist"
    # Used in order when `name` is not on this machine (mnist cannot be downloaded offline).
    fallbacks: list[ImageDataName] = []
    root: Path | None = None  # a folder holding the files; default: the usual places
    limit: PositiveInt | None = None  # use only the first N training images (syndigits: make N)
    grey: bool = False  # colour images (svhn, syndigits) turned into one channel of luma
    image_size: PositiveInt | None = None  # resample to image_size × image_size
