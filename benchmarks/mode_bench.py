"""mode-bench's trials: all trained at once as one stacked model, against one at a time, in one
process.

A GAN method: both paths run the same code (``gan/packed.train_trials``) on the same data,
method, models, seeds and steps; the batched path passes every trial's seed at once, the
sequential path one seed per call. ``--method nce``: the batched path is one
``NceTrials.fit`` of every trial (``sampling/nce_trials.py``), the sequential path one
``NceSampler.fit`` per trial, each trial from the generator mode-bench gives it, the same steps.
The training loop's own clock is compared (its ``seconds``: training steps only, without
building the models or writing checkpoints); for NCE also the wall clock of the whole fit with
its bound estimate and the sampling of ``n_eval`` points per trial (``*_with_sampling_s``).
Repetitions of the two paths alternate and the median is reported, so that load from other
processes on a shared machine falls on both alike. The JSON holds both medians and the ratio
sequential / batched (> 1: batching is faster).

    python benchmarks/mode_bench.py --device cuda --method pacgan4 --trials 10 --steps 500
    python benchmarks/mode_bench.py --device cuda --method nce --trials 10 --steps 2000
    python benchmarks/mode_bench.py --dry-run [--method nce]  # tiny sizes: checks it runs
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

import torch

from minimaxlab.data.toy2d import draw_points
from minimaxlab.device import resolve_device
from minimaxlab.experiments.mode_bench import NCE_STREAM
from minimaxlab.gan.packed import GAN_METHODS, PackedGanConfig, train_trials, trial_seed
from minimaxlab.reproducibility import derived_seed
from minimaxlab.runs import Run
from minimaxlab.sampling.nce import NceConfig, NceSampler
from minimaxlab.sampling.nce_trials import NceTrials

TINY = {"generator_hidden": [8, 8], "discriminator_width": 4, "batch_size": 10}
TINY_NCE = {
    "hidden": [8],
    "fourier_features": 4,
    "batch_size": 16,
    "bound_samples": 500,
    "proposal_batch": 250,
}
NCE_POINTS = 100_000  # the NCE sampler's training points (mode-bench's full n_train)


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="auto")
    parser.add_argument("--method", default="pacgan4", choices=[*GAN_METHODS, "nce"])
    parser.add_argument("--data", default="pacgan-ring8")
    parser.add_argument("--trials", type=int, default=10)
    parser.add_argument("--steps", type=int, default=300, help="training steps per path")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--n-eval", type=int, default=2500, help="NCE: samples per trial")
    parser.add_argument("--dry-run", action="store_true", help="tiny models, 2 trials, 3 steps")
    parser.add_argument("--out", default="benchmarks/results/mode_bench.json")
    args = parser.parse_args(argv)
    if args.dry_run:
        args.trials, args.steps, args.repeats, args.n_eval = 2, 3, 1, 50
    return args


def train_seconds(
    data: torch.Tensor, config: PackedGanConfig, method: str, seeds: list[int], folder: Path
) -> float:
    """Training seconds of one call of train_trials on ``seeds``, in a fresh run folder."""
    _, loop = train_trials(Run.create("mode-bench-benchmark", folder), data, method, config, seeds)
    return loop.seconds


def nce_seconds(
    data: torch.Tensor,
    config: NceConfig,
    seeds: list[int],
    n_eval: int,
    folder: Path,
    *,
    batched: bool,
) -> tuple[float, float]:
    """(training seconds, seconds of the fit and sampling) of one NceTrials.fit of every seed
    (``batched``) or of one NceSampler.fit of the only seed, in a fresh run folder."""
    run = Run.create("mode-bench-benchmark", folder)
    draws = [torch.Generator(data.device).manual_seed(derived_seed(s, NCE_STREAM)) for s in seeds]
    started = time.perf_counter()
    if batched:
        NceTrials.fit(data, config, draws, run).sample(n_eval, draws)
    else:
        (draw,) = draws
        NceSampler.fit(data, config, draw, run).sample(n_eval, draw)
    if data.device.type == "cuda":
        torch.cuda.synchronize(data.device)
    total = time.perf_counter() - started
    return run.load_torch("checkpoint.pt")["seconds"], total


def bench_nce(args: argparse.Namespace, device: torch.device) -> dict:
    """The NCE sampler's trials fitted at once against one NceSampler.fit after another."""
    config = NceConfig(steps=args.steps, **(TINY_NCE if args.dry_run else {}))
    points = 200 if args.dry_run else NCE_POINTS
    _, data, _ = draw_points(args.data, args.seed, points, 1, device)
    seeds = [trial_seed(args.seed, t) for t in range(args.trials)]
    batched, sequential = [], []  # (training, with sampling) seconds of each repetition
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        for repeat in range(args.repeats):
            batched.append(
                nce_seconds(data, config, seeds, args.n_eval, folder / f"b{repeat}", batched=True)
            )
            alone = [
                nce_seconds(
                    data, config, [s], args.n_eval, folder / f"s{repeat}-{t}", batched=False
                )
                for t, s in enumerate(seeds)
            ]
            sequential.append((sum(a[0] for a in alone), sum(a[1] for a in alone)))

    def median(path: list[tuple[float, float]], which: int) -> float:
        return statistics.median(seconds[which] for seconds in path)

    train_b, train_s = median(batched, 0), median(sequential, 0)
    total_b, total_s = median(batched, 1), median(sequential, 1)
    return {
        "batched_s": train_b,
        "sequential_s": train_s,
        "ratio_sequential_over_batched": train_s / train_b if train_b else None,
        "n_eval": args.n_eval,
        "batched_with_sampling_s": total_b,
        "sequential_with_sampling_s": total_s,
        "ratio_with_sampling": total_s / total_b if total_b else None,
    }


def bench(args: argparse.Namespace) -> dict:
    device = resolve_device(args.device)
    if args.method == "nce":
        return {**describe(args, device), **bench_nce(args, device), **environment()}
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
        **describe(args, device),
        "batched_s": batched_s,
        "sequential_s": sequential_s,
        "ratio_sequential_over_batched": sequential_s / batched_s if batched_s else None,
        **environment(),
    }


def describe(args: argparse.Namespace, device: torch.device) -> dict:
    """What was measured, for the JSON."""
    return {
        "method": args.method,
        "data": args.data,
        "trials": args.trials,
        "steps": args.steps,
        "repeats": args.repeats,
        "dry_run": args.dry_run,
        "device": str(device),
    }


def environment() -> dict:
    return {
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
