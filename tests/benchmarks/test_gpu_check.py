"""benchmarks/gpu_check.sh --dry-run: every stage of the GPU check passes on the CPU first."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.benchmarks.helpers import load_benchmark

SCRIPT = Path(__file__).parents[2] / "benchmarks" / "gpu_check.sh"


def test_the_dry_run_passes_every_stage_and_writes_one_json(tmp_path):
    env = {**os.environ, "OUT": str(tmp_path), "PYTHON": sys.executable, "OMP_NUM_THREADS": "1"}
    done = subprocess.run(["bash", str(SCRIPT), "--dry-run"], env=env, capture_output=True)
    assert done.returncode == 0, done.stdout.decode()[-3000:] + done.stderr.decode()[-3000:]
    report = json.loads((tmp_path / "gpu_check.json").read_text())
    assert report["dry_run"] is True
    stages = ("full_run", "throughput", "levers", "ddp_resume")
    assert all("error" not in report[name] and report[name]["stage_s"] > 0 for name in stages)
    full = report["full_run"]
    assert full["profile"] == "smoke" and full["steps"] == 8 and full["wall_s"] > 0
    assert full["train_time_s"] > 0 and full["processes"] == 1
    # benchmarks/throughput.py --dry-run: the ratio, the load, and every lever side by side
    bench = report["throughput"]
    assert bench["dry_run"] and len(bench["load_average_start"]) == 3
    assert len(bench["load_average_end"]) == 3
    (row,) = bench["runs"]
    assert (row["model"], row["batch_size"], row["threads"]) == ("dcgan", 8, 1)
    assert (
        bench["ratio"]
        == row["ratio"]
        == pytest.approx(row["trainer"]["images_per_s"] / row["reference"]["images_per_s"])
    )
    levers = {row["lever"]: row for row in report["levers"]["levers"]}
    assert list(levers) == [lever.name for lever in load_benchmark("throughput").LEVERS]
    assert levers["data_on_device"]["skipped"] == "CUDA only"
    joint = levers["joint_discriminator"]
    assert joint["off"]["settings"]["joint_discriminator"] is False
    assert joint["on"]["settings"]["joint_discriminator"] is True
    assert joint["ratio_on_over_off"] > 0 and joint["on"]["settings"]["compile"] is False
    assert levers["fused_adam"]["on"]["settings"]["optimizer"] == "fused"
    ddp = report["ddp_resume"]
    assert ddp["bitwise_equal"] is True and ddp["steps"] == 8 and ddp["processes"] == 1
