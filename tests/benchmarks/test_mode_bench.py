"""benchmarks/mode_bench.py --method nce: the NCE sampler's trials fitted at once against one
NceSampler.fit after another, on tiny sizes (the GAN methods' dry run is in tests/gan)."""

import json

import pytest

from tests.benchmarks.helpers import load_benchmark

mode_bench = load_benchmark("mode_bench")


def test_the_nce_dry_run_fits_both_paths_and_reports_the_ratios(tmp_path):
    out = tmp_path / "result.json"
    mode_bench.main(["--dry-run", "--method", "nce", "--device", "cpu", "--out", str(out)])
    result = json.loads(out.read_text())
    assert result["method"] == "nce" and result["dry_run"]
    assert (result["trials"], result["steps"], result["repeats"], result["n_eval"]) == (2, 3, 1, 50)
    for path in ("batched", "sequential"):
        assert result[f"{path}_s"] > 0
        assert result[f"{path}_with_sampling_s"] >= result[f"{path}_s"]
    assert result["ratio_sequential_over_batched"] == pytest.approx(
        result["sequential_s"] / result["batched_s"]
    )
    assert result["ratio_with_sampling"] == pytest.approx(
        result["sequential_with_sampling_s"] / result["batched_with_sampling_s"]
    )


def test_nce_and_every_gan_method_can_be_chosen():
    assert mode_bench.parse(["--method", "nce"]).method == "nce"
    assert mode_bench.parse([]).method == "pacgan4"
    with pytest.raises(SystemExit):
        mode_bench.parse(["--method", "vae"])
