"""benchmarks/throughput.py: what its modes measure. Its --dry-run trains every path and lever
in tests/benchmarks/test_gpu_check.py, through benchmarks/gpu_check.sh --dry-run."""

import os

import torch

from tests.benchmarks.helpers import load_benchmark

CPU = torch.device("cpu")
throughput = load_benchmark("throughput")


def test_the_idle_run_measures_2_threads_and_all_and_the_dry_run_is_tiny():
    args = throughput.parse_args([])
    assert (args.batch_sizes, args.models, args.threads) == ("64", "dcgan,mlp", "2,all")
    assert throughput.thread_counts("2,all", CPU) == list(dict.fromkeys([2, os.cpu_count()]))
    assert throughput.thread_counts("2,all", torch.device("cuda")) == [2]
    dry = throughput.parse_args(["--dry-run"])
    assert (dry.batch_sizes, dry.steps, dry.repeats, dry.threads) == ("8", 1, 1, "1")


def test_every_lever_is_one_switch_and_says_why_it_is_skipped():
    names = [lever.name for lever in throughput.LEVERS]
    assert len(set(names)) == len(names)
    for lever in throughput.LEVERS:
        assert set(lever.off) == set(lever.on) and lever.off != lever.on
        if not lever.reference:  # trainer settings the config accepts
            throughput.speed_config([], lever.on)
    dry = throughput.parse_args(["--dry-run"])
    by_name = {lever.name: lever for lever in throughput.LEVERS}
    assert throughput.lever_skipped(by_name["cuda_graphs"], CPU, dry) == "CUDA only"
    assert "dry-run" in throughput.lever_skipped(by_name["compile"], CPU, dry)
    assert throughput.lever_skipped(by_name["compile"], CPU, throughput.parse_args([])) is None
    assert throughput.lever_skipped(by_name["joint_discriminator"], CPU, dry) is None
