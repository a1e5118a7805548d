"""`minimaxlab evaluate`: a run's generator measured, with the real test split as the floor."""

import pytest

from minimaxlab.tools.evaluate import evaluation_text
from tests.helpers import invoke, one_line_error

from .helpers import summary_of


def test_evaluate_writes_metrics_and_the_floor_into_summary_and_report(copy_of, shared_cache):
    out = copy_of("dcgan-fashion")
    result = invoke("evaluate", out, "--n", 150, "--device", "cpu", "--no-progress")
    assert result.exit_code == 0, result.output
    assert "Fréchet distance" in result.stdout and "floor" in result.stdout
    assert result.stdout.strip().endswith(str(out / "report.html"))
    evaluation = summary_of(out)["evaluation"]
    assert evaluation["n"] == 150 and evaluation["dataset"] == "digits"
    assert 0 < evaluation["classifier"]["test_accuracy"] <= 1
    for part in ("generated", "floor"):
        numbers = evaluation[part]
        for key in (
            "frechet_distance",
            "kid_mean",
            "precision",
            "recall",
            "density",
            "coverage",
            "class_kl_to_uniform",
        ):
            assert numbers[key] is not None, (part, key)
        assert sum(numbers["class_histogram"]) == pytest.approx(1.0)
    # an untrained-for-long generator is far from the data; real test images are close to it
    assert evaluation["generated"]["frechet_distance"] > evaluation["floor"]["frechet_distance"]
    assert (out / "figures" / "evaluation" / "class_histogram.png").is_file()
    html = (out / "report.html").read_text()
    assert "Quality of the samples" in html and "floor (real test)" in html
    one_line_error(invoke("evaluate", out, "--n", 1), "--n must be at least 2")


def test_the_table_has_a_row_per_metric_with_both_columns():
    evaluation = {
        "generated": {"frechet_distance": 12.5, "precision": 0.5},
        "floor": {"frechet_distance": 1.25, "precision": 0.75},
    }
    lines = evaluation_text(evaluation).splitlines()
    assert lines[0].split() == ["metric", "generated", "floor"]
    fd = next(line for line in lines if line.startswith("Fréchet distance"))
    assert fd.split()[-2:] == ["12.5", "1.25"]
