"""mode-bench end to end on tiny sizes: every (method, data set) cell scored per trial, the
table beside the paper's, the figures, and a resume that trains only unfinished cells."""

import json

import pytest
import torch

from minimaxlab.experiments.base import RunContext
from minimaxlab.experiments.mode_bench import (
    PAPER,
    ModeBenchConfig,
    account,
    is_shortened,
    mean_and_error,
    run,
)
from minimaxlab.interrupt import TrainingInterrupted
from minimaxlab.runs import Run
from tests.experiments.helpers import context_in
from tests.helpers import StopAt

TINY = ModeBenchConfig(
    datasets=["pacgan-ring8", "pacgan-grid25"],
    methods=["gan", "pacgan4", "nce"],
    trials=2,
    n_train=200,
    n_eval=100,
    gan={"generator_hidden": [8], "discriminator_width": 4, "epochs": 2, "batch_size": 50},
    nce={
        "hidden": [8],
        "steps": 10,
        "batch_size": 32,
        "bound_samples": 2000,
        "proposal_batch": 2000,
    },
)  # a GAN cell is 2 epochs of 4 steps; an NCE trial, 10 steps


@pytest.fixture(scope="module")
def straight(tmp_path_factory):
    """(context, summary) of one uninterrupted tiny run."""
    context = context_in(tmp_path_factory.mktemp("mode-bench") / "run")
    return context, run(TINY, context)


def test_every_cell_is_scored_per_trial_beside_the_paper(straight):
    context, summary = straight
    ring = summary["tables"]["pacgan-ring8: ours (mean ± s.e. over trials) beside PacGAN Table 1"]
    assert [row[0] for row in ring["rows"]] == ["GAN", "PacGAN4", "NCE sampler"]
    assert ring["rows"][0][2] == "6.3 ± 0.5" and ring["rows"][1][4] == 95.9
    assert ring["rows"][2][2] == "—"  # no published figure for the lab's NCE sampler
    settings = json.loads((context.run.path / "sweep.json").read_text())["settings"]
    assert list(settings) == [
        f"{m}/{d}" for d in ("pacgan-ring8", "pacgan-grid25") for m in ("gan", "pacgan4", "nce")
    ]
    for cell in settings.values():
        assert len(cell["trials"]) == 2
        assert cell["modes_captured"] == pytest.approx(
            sum(t["modes_captured"] for t in cell["trials"]) / 2
        )
        assert 0 <= cell["high_quality_fraction"] <= 1 and cell["reverse_kl"] >= 0
        assert sum(cell["mode_histogram"]) == pytest.approx(1.0)
    assert summary["pacgan-grid25"]["pacgan4"]["modes_captured"] <= 25
    assert summary["shortened"]
    for name in ("pacgan-ring8", "pacgan-grid25"):
        assert (context.run.path / "figures" / f"{name}_samples.png").is_file()
        assert (context.run.path / "figures" / f"{name}_mode_histograms.png").is_file()
    samples = context.run.load_torch("cells/pacgan4/pacgan-ring8.pt")["samples"]
    assert samples.shape == (100, 2)
    text = " ".join(account(summary, TINY.model_dump(mode="json")))
    assert "shortened run" in text and "PacGAN4" in text
    assert "NCE sampler's classifiers of every trial were fitted at once" in text
    # every trial of the NCE sampler in one fit: one checkpoint per cell
    nce = sorted(p.name for p in (context.run.path / "cells" / "nce").iterdir())
    assert nce == [
        f"{d}{end}" for d in ("pacgan-grid25", "pacgan-ring8") for end in ("-checkpoint.pt", ".pt")
    ]


def test_a_resumed_run_trains_only_the_cells_it_had_not_finished(tmp_path, straight):
    _, expected = straight
    folder = tmp_path / "stopped"
    stopping = RunContext(Run(folder), torch.device("cpu"), False, StopAt(11), False)
    folder.mkdir()
    with pytest.raises(TrainingInterrupted):  # stopped inside PacGAN4's cell on the ring
        run(TINY, stopping)
    assert list(json.loads((folder / "sweep.json").read_text())["settings"]) == ["gan/pacgan-ring8"]
    finished = (folder / "cells" / "gan" / "pacgan-ring8.pt").stat().st_mtime_ns
    resumed = run(TINY, context_in(folder))
    assert (folder / "cells" / "gan" / "pacgan-ring8.pt").stat().st_mtime_ns == finished
    assert resumed["tables"] == expected["tables"]
    for name in ("pacgan-ring8", "pacgan-grid25"):
        for method in ("gan", "pacgan4", "nce"):
            ours, theirs = resumed[name][method], expected[name][method]
            assert {k: v for k, v in ours.items() if k != "seconds"} == {
                k: v for k, v in theirs.items() if k != "seconds"
            }


def test_mean_and_standard_error_over_trials():
    trials = [
        {
            "modes_captured": c,
            "modes_covered": c,
            "high_quality_fraction": 1.0,
            "reverse_kl": 0.0,
            "mode_histogram": [c / 8, 1 - c / 8],
        }
        for c in (6, 8)
    ]
    summary = mean_and_error(trials)
    assert summary["modes_captured"] == 7.0
    assert summary["modes_captured_se"] == pytest.approx(2**0.5 / 2**0.5)  # s.d. √2, √2 trials
    assert summary["reverse_kl_se"] == 0.0
    assert summary["mode_histogram"] == [0.875, 0.125]
    assert mean_and_error(trials[:1])["modes_captured_se"] == 0.0


def test_the_full_profile_is_the_papers_set_up_and_quick_says_it_is_shortened():
    full = ModeBenchConfig()
    assert (full.trials, full.gan.epochs, full.n_train, full.n_eval) == (10, 400, 100_000, 2500)
    assert (full.gan.lr, full.gan.betas[0], full.gan.batch_size) == (1e-4, 0.8, 100)
    assert not is_shortened(full)
    assert is_shortened(full.model_copy(update={"trials": 3}))
    for data in ("pacgan-ring8", "pacgan-grid25"):  # every row of PacGAN's Table 1 we train
        assert set(PAPER[data]) == {"gan", "pacgan2", "pacgan3", "pacgan4"}
    assert PAPER["pacgan-grid25"]["pacgan2"] == (23.8, 0.7, 91.3, 0.13)
