"""The notebook of a run folder: it loads the run and redraws its figures."""

import json

import matplotlib
import matplotlib.pyplot as plt
import pytest
from typer.testing import CliRunner

from minimaxlab.cli import app
from minimaxlab.report.html import curve_groups
from minimaxlab.report.notebook import shown_figures, text_table
from minimaxlab.runs import Run
from minimaxlab.tools.report import account_of


def execute(path, monkeypatch) -> int:
    """Run every code cell in order; the number of figures drawn. nbclient when installed,
    else each cell exec'd in one namespace, as a kernel would."""
    try:
        import nbclient
        import nbformat
    except ImportError:
        nbclient = None
    if nbclient is not None:
        notebook = nbformat.read(path, as_version=4)
        nbclient.NotebookClient(notebook, timeout=120, kernel_name="python3").execute()
        return sum(
            "image/png" in output.get("data", {})
            for cell in notebook.cells
            for output in cell.get("outputs", [])
        )
    matplotlib.use("Agg")
    shown = []
    monkeypatch.setattr(plt, "show", lambda: shown.append(plt.gcf()))
    namespace = {}
    for cell in json.loads(path.read_text())["cells"]:
        if cell["cell_type"] == "code":
            exec(compile("".join(cell["source"]), str(path), "exec"), namespace)
    return len(shown)


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

    drawn = execute(out, monkeypatch)
    expected = len(curve_groups(list(run.metrics()))) + len(shown_figures(run))
    assert expected >= 2 and drawn == expected


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
