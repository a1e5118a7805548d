"""The notebook of a run folder: it loads the run and redraws its figures."""

import json
import os
from pathlib import Path

import nbclient
import nbformat
import pytest
from typer.testing import CliRunner

import minimaxlab
from minimaxlab.cli import app
from minimaxlab.report.html import curve_groups
from minimaxlab.report.notebook import shown_figures, text_table
from minimaxlab.runs import Run
from minimaxlab.tools.report import account_of


def execute(path, monkeypatch) -> list[int]:
    """Run the notebook in a Jupyter kernel (nbclient + ipykernel, the dev extra), as a user
    would; the number of PNG images each code cell displayed. The kernel imports this tree's
    package first, whatever its working folder."""
    package_root = str(Path(minimaxlab.__file__).parents[1])
    monkeypatch.setenv(
        "PYTHONPATH", os.pathsep.join([package_root, os.environ.get("PYTHONPATH", "")])
    )
    notebook = nbformat.read(path, as_version=4)
    nbclient.NotebookClient(notebook, timeout=120, kernel_name="python3").execute()
    return [
        sum("image/png" in output.get("data", {}) for output in cell.get("outputs", []))
        for cell in notebook.cells
        if cell.cell_type == "code"
    ]


@pytest.mark.parametrize("name", ["gan-mnist", "gan-2d"])
def test_the_notebook_executes_and_redraws_every_figure(name, entries, tmp_path, monkeypatch):
    run = Run(entries[name].run_dir)
    out = tmp_path / "nb" / f"{name}.ipynb"
    result = CliRunner().invoke(app, ["notebook", str(run.path), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == str(out)

    notebook = json.loads(out.read_text())
    assert notebook["nbformat"] == 4 and notebook["metadata"]["kernelspec"]["name"] == "python3"
    markdown = ["".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "markdown"]
    for paragraph in account_of(run.read_summary(), run.read_config()):
        assert paragraph in markdown  # the account, one markdown cell per paragraph
    code = "".join("".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "code")
    assert "Run.open(" in code and "json" not in code and "yaml" not in code  # via the library

    # each drawing cell (curves, figures) shows every one of its images; no other cell draws
    drawn = execute(out, monkeypatch)
    curves, figures = len(curve_groups(list(run.metrics()))), len(shown_figures(run))
    assert curves + figures >= 2
    assert [n for n in drawn if n] == [n for n in (curves, figures) if n]


def test_text_table_aligns_columns():
    table = {"header": ["method", "modes"], "rows": [["gan", 7], ["nce sampler", 1234]]}
    assert text_table(table).splitlines() == [
        "method       modes",
        "gan          7",
        "nce sampler  1,234",
    ]


def test_the_account_given_is_one_markdown_cell_per_paragraph(tmp_path):
    from minimaxlab.report.notebook import notebook_cells

    run = Run.create("bandit", tmp_path / "run")
    run.write_config({"experiment": "bandit"})
    cells = notebook_cells(run, ["First paragraph.", "Second paragraph."])
    assert cells[1:4] == [
        ("markdown", "## What this run did"),
        ("markdown", "First paragraph."),
        ("markdown", "Second paragraph."),
    ]
    assert not any("Figures" in text for _, text in cells)  # the run has none
