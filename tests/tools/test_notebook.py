"""`minimaxlab notebook RUN_DIR`: the notebook of a run, with its experiment's account."""

import json

from minimaxlab.runs import Run
from minimaxlab.tools.notebook import export_notebook
from minimaxlab.tools.report import account_of
from tests.helpers import invoke, one_line_error


def bandit_run(folder):
    run = Run.create("bandit", folder)
    run.write_config({"experiment": "bandit"})
    run.write_summary({"status": "interrupted", "steps": 3})
    return run


def test_the_notebook_goes_into_the_run_folder_with_the_account(tmp_path):
    run = bandit_run(tmp_path / "run")
    path = export_notebook(run.path)
    assert path == run.path / "notebook.ipynb"
    notebook = json.loads(path.read_text())
    markdown = ["".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "markdown"]
    paragraphs = account_of(run.read_summary(), run.read_config())
    assert paragraphs and all(paragraph in markdown for paragraph in paragraphs)
    result = invoke("notebook", run.path, "--out", tmp_path / "elsewhere" / "nb.ipynb")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == str(tmp_path / "elsewhere" / "nb.ipynb")


def test_notebook_needs_a_run_folder_and_an_ipynb_name(tmp_path):
    one_line_error(invoke("notebook", tmp_path), "not a run folder")
    run = bandit_run(tmp_path / "run")
    one_line_error(invoke("notebook", run.path, "--out", tmp_path / "x.json"), "must name a .ipynb")
    assert not (tmp_path / "x.json").exists()
