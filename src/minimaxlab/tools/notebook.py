"""``minimaxlab notebook``: a Jupyter notebook over a run folder, with its experiment's account."""

from __future__ import annotations

import os
from pathlib import Path

from minimaxlab.errors import MinimaxlabError
from minimaxlab.report.notebook import write_notebook
from minimaxlab.runs import Run
from minimaxlab.tools.report import account_of


def export_notebook(run_dir: str | os.PathLike, out: str | os.PathLike | None = None) -> Path:
    """Write the notebook of run folder ``run_dir`` to ``out`` (default
    ``RUN_DIR/notebook.ipynb``) and return its path."""
    if out is not None and Path(out).suffix != ".ipynb":
        raise MinimaxlabError(f"--out must name a .ipynb file (got {out})")
    run = Run.open(run_dir)
    run.check_files()  # a damaged file stops it before any work or any write
    path = Path(out) if out is not None else run.path / "notebook.ipynb"
    return write_notebook(run, account_of(run.read_summary(), run.read_config()), path)
