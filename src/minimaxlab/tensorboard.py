"""TensorBoard as a live view of a run (``logging.tensorboard=true``, the ``tensorboard`` extra).

Every metric record a run logs (:meth:`minimaxlab.runs.Run.log_metrics`: the generic loop's,
the GAN trainer's, a sweep's) is streamed as scalars, and image grids that a stage hands to
:meth:`~minimaxlab.runs.Run.stream_grid` as images, into ``RUN/tensorboard/`` while the run
goes. The run folder stays the source of truth: the report and the tools never read these
event files, and a run without the package or the switch loses nothing but the live view.
"""

from __future__ import annotations

import numbers
from pathlib import Path
from typing import Any

import torch

from minimaxlab.atomic import make_folder
from minimaxlab.errors import MinimaxlabError
from minimaxlab.plots import image_grid

FOLDER = "tensorboard"  # inside the run folder
INSTALL = "pip install 'minimaxlab[tensorboard]'"
NOT_SCALARS = ("step", "epoch", "setting")  # a record's position, not a curve of its own


def require_tensorboard() -> None:
    """Raise a one-line MinimaxlabError saying how to install TensorBoard when it is missing."""
    try:
        from torch.utils.tensorboard import SummaryWriter  # noqa: F401
    except ImportError:
        raise MinimaxlabError(
            f"logging.tensorboard=true needs the tensorboard package: {INSTALL} "
            "(or leave logging.tensorboard off)"
        ) from None


class TensorBoardStream:
    """Writes a run's records and grids as TensorBoard events under ``folder``."""

    def __init__(self, folder: str | Path) -> None:
        require_tensorboard()
        self.folder = Path(folder)
        self._writer = None  # made at the first record: a run that fails first leaves no folder
        self._records = 0  # the x of records that carry no step

    @property
    def writer(self):  # torch.utils.tensorboard.SummaryWriter
        if self._writer is None:
            from torch.utils.tensorboard import SummaryWriter

            self._writer = SummaryWriter(log_dir=str(make_folder(self.folder)))
        return self._writer

    def add_record(self, record: dict[str, Any]) -> None:
        """Each number of ``record`` as a scalar at its ``step``; a sweep's records (with a
        ``setting``) under ``setting/name``, so each setting draws its own curve."""
        step = record.get("step")
        step = self._records if not isinstance(step, int) else step
        self._records += 1
        prefix = f"{record['setting']}/" if record.get("setting") is not None else ""
        for key, value in record.items():
            if key in NOT_SCALARS or isinstance(value, bool):
                continue
            if isinstance(value, numbers.Real):
                self.writer.add_scalar(prefix + key, float(value), step)
        self.writer.flush()  # a live view: visible while the run goes, not when it ends

    def add_grid(self, tag: str, images: torch.Tensor, step: int, nrow: int | None = None) -> None:
        """Images in [−1, 1] (N×C×H×W) as one tiled image ``tag`` at ``step``."""
        grid = image_grid(images, nrow)
        self.writer.add_image(tag, grid, step, dataformats="HWC")
        self.writer.flush()

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
