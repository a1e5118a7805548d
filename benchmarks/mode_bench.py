"""mode-bench's trials: all trained at once as one stacked model, against one at a time, in one
process.

Both paths run the same code (``gan/packed.train_trials``) on the same data, method, models,
seeds and steps; the batched path passes every trial's seed at once, the sequential path one
seed per call. The training loop's own clock is compared (its ``seconds``: training steps only,
without building the models or writing checkpoints). Repetitions of the two paths alternate and
the median is reported, so that load from other processes on a shared machine falls on both
alike. The JSON holds both medians and the ratio sequential / batched (> 1: batching is faster).

    python benchmarks/mode_bench.py --device cuda --method pacgan4 --trials 10 --steps 500
    python benchmarks/mode_bench.py --dry-run          # tiny sizes: checks the script runs
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import tempfile
from pathlib import Path

import torch

from minimaxlab.data.toy2d import draw_points
from minimaxlab.device import resolve_device
from minimaxlab.gan.packed import GAN_METHODS, PackedGanConfig, train_trials, trial_seed
from minimaxlab.runs import Run

TINY = {"generator_hidden": [8, 8], "discriminator_width": 4, "batch_size": 10}


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="auto")
    parser.add_argument("--method", default="pacgan4", choices=list(GAN_METHODS))
    parser.add_argument("--data", default="pacgan-ring8")
    parser.add_argument("--trials", type=int, default=10)
    parser.add_argument("--steps", type=int, default=300, help="training steps per path")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--dry-run", action="store_true", help="tiny models, 2 trials, 3 steps")
    parser.add_argument("--out", default="benchmarks/results/mode_bench.json")
    args = parser.parse_args(argv)
    if args.dry_run:
        args.trials, args.steps, args.repeats = 2, 3, 1
    return args


def train_seconds(
    data: torch.Tensor, config: PackedGanConfig, method: str, seeds: list[int], folder: Path
) -> float:
    """Training seconds of one call of train_trials on ``seeds``, in a fresh run folder."""
    _, loop = train_trials(Run.create("mode-bench-benchmark", folder), data, method, config, seeds)
    return loop.seconds


def bench(args: argparse.Namespace) -> dict:
    device = resolve_device(args.device)
    sizes = TINY if args.dry_run else {}
    config = PackedGanConfig(epochs=1, **sizes)
    # one epoch of exactly ``steps`` steps
    _, data, _ = draw_points(args.data, args.seed, args.steps * config.batch_size, 1, device)
    seeds = [trial_seed(args.seed, t) for t in range(args.trials)]
    batched, sequential = [], []
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        for repeat in range(args.repeats):
            batched.append(train_seconds(data, config, args.method, seeds, folder / f"b{repeat}"))
            sequential.append(
                sum(
                    train_seconds(data, config, args.method, [s], folder / f"s{repeat}-{t}")
                    for t, s in enumerate(seeds)
                )
            )
    batched_s, sequential_s = statistics.median(batched), statistics.median(sequential)
    return {
        "method": args.method,
        "data": args.data,
        "trials": args.trials,
        "steps": args.steps,
        "repeats": args.repeats,
        "dry_run": args.dry_run,
        "device": str(device),
        "batched_s": batched_s,
        "sequential_s": sequential_s,
        "ratio_sequential_over_batched": sequential_s / batched_s if batched_s else None,
        "torch": torch.__version__,
        "python": platform.python_version(),
        "threads": torch.get_num_threads(),
    }


def main(argv: list[str] | None = None) -> dict:
    args = parse(argv)
    result = bench(args)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main(sys.argv[1:])
