"""Training throughput: a plain reference loop against minimaxlab's GanTrainer, in one process.

Both paths train the same models (same seed, same initial weights), with the same losses, Adam
settings, device, data and batch size. The reference is written as course code writes it: a
DataLoader over a float32 TensorDataset, float32 throughout, a ``.item()`` per step, no
compilation. The trainer runs with its defaults (train.speed) unless --speed overrides them.
Repetitions of the paths alternate and the median is reported, so that load from other
processes on a shared machine falls on all alike; the load average at the start and the end
is written beside the figures, so that a reader can tell an idle measurement from a busy one.

    python benchmarks/throughput.py                  # trainer / plain loop, at 2 threads and all
    python benchmarks/throughput.py --levers         # each train.speed switch, on against off
    python benchmarks/throughput.py --dry-run        # tiny sizes, seconds: checks it runs only

The JSON (benchmarks/results/<device>[-levers].json, or --out) holds ``ratio``: trainer images/s
over plain-loop images/s for the first model, batch size and thread count (by default the seed
DCGAN at batch 64 and 2 threads), and every row under ``runs`` (and ``levers``).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import DataLoader, TensorDataset

from minimaxlab.data.images import ImageSet, from_arrays
from minimaxlab.device import resolve_device
from minimaxlab.gan.losses import make_loss
from minimaxlab.gan.speed import SpeedConfig, bf16_supported
from minimaxlab.gan.trainer import GanTrainConfig, GanTrainer, OptimizerConfig, SamplesConfig
from minimaxlab.models.dcgan import DCGANDiscriminator, DCGANGenerator
from minimaxlab.models.init import initialise
from minimaxlab.models.mlp import MLPDiscriminator, MLPGenerator
from minimaxlab.runs import Run

MODELS = {
    "dcgan": (DCGANGenerator, DCGANDiscriminator),  # dcgan-fashion's seed model
    "mlp": (MLPGenerator, MLPDiscriminator),  # gan-mnist's MLP GAN
}
ADAM = OptimizerConfig(lr=1e-4, betas=(0.9, 0.999))  # the sheets' settings
# The sizes of --dry-run: every path and lever runs, in seconds; its figures mean nothing.
DRY_RUN = {
    "batch_sizes": "8",
    "steps": 1,
    "warmup": 1,
    "repeats": 1,
    "models": "dcgan",
    "threads": "1",
    "images": 64,
}


@dataclass(frozen=True)
class Lever:
    """One switch measured on against off: trainer speed settings (or the reference loop's
    data placement) over the base settings, which are the trainer's defaults with compile off,
    so that each lever is seen alone."""

    name: str
    off: dict[str, str]
    on: dict[str, str]
    reference: bool = False  # a lever of the plain loop, not of the trainer
    compiles: bool = False  # skipped by --dry-run: compiling takes minutes on a CPU
    cuda_only: bool = False
    needs_bf16: bool = False


LEVERS = (
    Lever("bf16", {"precision": "float32"}, {"precision": "bf16"}, needs_bf16=True),
    Lever("channels_last", {"channels_last": "off"}, {"channels_last": "on"}),
    Lever("joint_discriminator", {"joint_discriminator": "off"}, {"joint_discriminator": "on"}),
    Lever("foreach_adam", {"optimizer": "for-loop"}, {"optimizer": "foreach"}),
    Lever("fused_adam", {"optimizer": "foreach"}, {"optimizer": "fused"}),
    Lever("lean_steps", {"lean_steps": "off"}, {"lean_steps": "on"}),
    Lever("uniform_dropout", {"uniform_dropout": "off"}, {"uniform_dropout": "on"}),
    Lever("compile", {"compile": "off"}, {"compile": "on"}, compiles=True),
    Lever(
        "cuda_graphs",
        {"compile": "on", "cuda_graphs": "off"},
        {"compile": "on", "cuda_graphs": "on"},
        compiles=True,
        cuda_only=True,
    ),
    Lever("data_on_device", {"data": "host"}, {"data": "device"}, reference=True, cuda_only=True),
)


def load_data(name: str, n: int) -> ImageSet:
    """Fashion-MNIST's training images, or ``n`` random 28×28 images (runs anywhere)."""
    if name == "synthetic":
        rng = np.random.default_rng(0)
        images = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
        return from_arrays("synthetic", "train", images, np.zeros(n, np.int64), ("none",))
    from minimaxlab.data.registry import load_images

    return load_images(name, "train")


def build(model: str, seed: int, device: torch.device) -> tuple[torch.nn.Module, torch.nn.Module]:
    """Generator and discriminator with the weights ``seed`` gives (the same for every path)."""
    torch.manual_seed(seed)
    make_g, make_d = MODELS[model]
    generator, discriminator = make_g(), make_d()
    initialise(generator, "xavier")
    initialise(discriminator, "xavier")
    return generator.to(device), discriminator.to(device)


class ReferenceLoop:
    """The plain loop: DataLoader batches (from host memory, or with ``data_on_device`` from a
    tensor already on the device), float32, eager, a host sync per step."""

    def __init__(
        self,
        model: str,
        data: ImageSet,
        batch_size: int,
        device: torch.device,
        data_on_device: bool = False,
    ):
        self.device = device
        self.generator, self.discriminator = build(model, 0, device)
        self.g_opt = torch.optim.Adam(self.generator.parameters(), lr=ADAM.lr, betas=ADAM.betas)
        self.d_opt = torch.optim.Adam(self.discriminator.parameters(), lr=ADAM.lr, betas=ADAM.betas)
        self.loss = make_loss("non-saturating")
        images = data.images.cpu().float() / 127.5 - 1.0
        self.images = images.to(device) if data_on_device else None
        self.loader = DataLoader(
            TensorDataset(images), batch_size=batch_size, shuffle=True, drop_last=True
        )
        self.batches = iter(self.loader)
        self.batch_size = batch_size

    def _next_batch(self) -> torch.Tensor:
        if self.images is not None:
            rows = torch.randint(len(self.images), (self.batch_size,), device=self.device)
            return self.images[rows]
        try:
            (real,) = next(self.batches)
        except StopIteration:
            self.batches = iter(self.loader)
            (real,) = next(self.batches)
        return real.to(self.device)

    def steps(self, n: int) -> list[tuple[float, float]]:
        losses = []
        for _ in range(n):
            real = self._next_batch()
            noise = torch.randn(self.batch_size, self.generator.latent_dim, device=self.device)
            fake = self.generator(noise)
            d_loss, _, _ = self.loss.discriminator_loss(self.discriminator, real, fake.detach())
            self.d_opt.zero_grad()
            d_loss.backward()
            self.d_opt.step()
            g_loss = self.loss.generator_loss(self.discriminator, fake)
            self.g_opt.zero_grad()
            g_loss.backward()
            self.g_opt.step()
            losses.append((d_loss.item(), g_loss.item()))
        return losses


class TrainerPath:
    """minimaxlab's GanTrainer with the given speed settings."""

    def __init__(
        self,
        model: str,
        data: ImageSet,
        batch_size: int,
        device: torch.device,
        speed: SpeedConfig,
        folder: Path,
    ):
        generator, discriminator = build(model, 0, device)
        config = GanTrainConfig(
            epochs=10_000,
            batch_size=batch_size,
            generator_optimizer=ADAM,
            discriminator_optimizer=ADAM,
            log_every=50,  # as the profiles log: one device sync per 50 steps
            speed=speed,
        )
        samples = SamplesConfig(grid_size=1, grid_epochs=[], gif=False)
        folder.mkdir(parents=True, exist_ok=True)
        self.trainer = GanTrainer(
            generator,
            discriminator,
            data.to(device),
            config,
            samples,
            Run(folder),
            seed=0,
            progress=False,
        )
        # A real run checkpoints once an epoch (938 steps of Fashion-MNIST at batch 64); the
        # small benchmark data would make that every few dozen steps, so none are written.
        self.trainer.save_checkpoint = lambda: None

    def steps(self, n: int) -> None:
        self.trainer.train(max_steps=self.trainer.step + n)  # ends with one host sync

    def settings(self) -> dict:
        return self.trainer.summary()["speed"]


def synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def reset_peak(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
    else:  # Linux: writing 5 to clear_refs resets the process's peak RSS (VmHWM)
        with contextlib.suppress(OSError):
            Path("/proc/self/clear_refs").write_text("5")


def peak_mib(device: torch.device) -> float | None:
    """CUDA: peak allocated tensor memory; CPU: the process's peak resident set (VmHWM)."""
    if device.type == "cuda":
        return torch.cuda.max_memory_allocated(device) / 2**20
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def timed(path, steps: int, batch_size: int, device: torch.device) -> float:
    """Images per second over ``steps`` steps of ``path``."""
    synchronize(device)
    start = time.perf_counter()
    path.steps(steps)
    synchronize(device)
    return steps * batch_size / (time.perf_counter() - start)


def alternate(paths: dict, args, batch_size: int, device: torch.device) -> dict[str, dict]:
    """Warm every path up, then time them in turn ``args.repeats`` times: per path the median
    images/s, every repetition's figure, the peak memory and the warm-up's seconds."""
    rows: dict[str, dict] = {}
    for name, path in paths.items():
        reset_peak(device)
        start = time.perf_counter()
        path.steps(args.warmup)  # first calls: allocator, oneDNN primitives, compilation
        synchronize(device)
        rows[name] = {"warmup_s": time.perf_counter() - start, "runs": [], "peak": None}
    for _ in range(args.repeats):
        for name, path in paths.items():
            reset_peak(device)
            rows[name]["runs"].append(timed(path, args.steps, batch_size, device))
            peak = peak_mib(device)
            if peak is not None:
                rows[name]["peak"] = max(rows[name]["peak"] or 0.0, peak)
    return {
        name: {
            "images_per_s": statistics.median(row["runs"]),
            "images_per_s_runs": row["runs"],
            "peak_memory_mib": row["peak"],
            "warmup_s": row["warmup_s"],
        }
        for name, row in rows.items()
    }


def speed_config(base: list[str], extra: dict[str, str] | None = None) -> SpeedConfig:
    """The trainer's settings: ``key=value`` items of --speed, then ``extra`` over them."""
    settings = dict(item.split("=", 1) for item in base)
    return SpeedConfig(**{**settings, **(extra or {})})


def bench_paths(model: str, batch_size: int, data, args, device, folder: Path) -> dict:
    """Trainer against plain loop for one model and batch size."""
    paths = {
        "reference": ReferenceLoop(model, data, batch_size, device),
        "trainer": TrainerPath(
            model, data, batch_size, device, speed_config(args.speed), folder / "trainer"
        ),
    }
    result = alternate(paths, args, batch_size, device)
    result["ratio"] = result["trainer"]["images_per_s"] / result["reference"]["images_per_s"]
    result["trainer_settings"] = paths["trainer"].settings()
    return result


def lever_skipped(lever: Lever, device: torch.device, args) -> str | None:
    """Why ``lever`` is not measured here, or None."""
    if lever.cuda_only and device.type != "cuda":
        return "CUDA only"
    if lever.needs_bf16 and not bf16_supported(device):
        return f"{device} has no native bf16"
    if lever.compiles and args.dry_run:
        return "--dry-run: compiling takes minutes on a CPU"
    return None


def bench_lever(lever: Lever, model: str, batch_size: int, data, args, device, folder) -> dict:
    """``lever`` off against on, alternating; the base is the defaults with compile off."""
    variants = {}
    for state, extra in (("off", lever.off), ("on", lever.on)):
        if lever.reference:
            on_device = extra["data"] == "device"
            variants[state] = ReferenceLoop(model, data, batch_size, device, on_device)
        else:
            speed = speed_config(["compile=off", *args.speed], extra)
            variants[state] = TrainerPath(model, data, batch_size, device, speed, folder / state)
    result = alternate(variants, args, batch_size, device)
    result["ratio_on_over_off"] = result["on"]["images_per_s"] / result["off"]["images_per_s"]
    for state, path in variants.items():
        if isinstance(path, TrainerPath):
            result[state]["settings"] = path.settings()
    return result


def thread_counts(spec: str, device: torch.device) -> list[int]:
    """--threads "2,all" → [2, os.cpu_count()] (one entry on CUDA: threads barely matter)."""
    counts = [os.cpu_count() or 1 if item == "all" else int(item) for item in spec.split(",")]
    counts = list(dict.fromkeys(counts))
    return counts[:1] if device.type == "cuda" else counts


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="auto")
    parser.add_argument("--batch-sizes", default="64", help="comma-separated, e.g. 64,256,1024")
    parser.add_argument("--steps", type=int, default=20, help="steps per timed repetition")
    parser.add_argument("--warmup", type=int, default=3, help="untimed steps per path")
    parser.add_argument("--repeats", type=int, default=5, help="alternating repetitions")
    parser.add_argument("--models", default="dcgan,mlp")
    parser.add_argument("--data", default="synthetic", help="synthetic or fashion-mnist")
    parser.add_argument("--threads", default="2,all", help='torch CPU threads, e.g. "2,all"')
    parser.add_argument("--levers", action="store_true", help="each switch on against off")
    parser.add_argument("--only", default=None, help="--levers: comma-separated lever names")
    parser.add_argument("--dry-run", action="store_true", help="tiny sizes: checks it runs")
    parser.add_argument("--images", type=int, default=4096, help="synthetic images (at least)")
    parser.add_argument(
        "--speed", nargs="*", default=[], help="trainer overrides, e.g. precision=float32"
    )
    parser.add_argument("--out", default=None, help="JSON file (benchmarks/results/<device>)")
    args = parser.parse_args(argv)
    if args.dry_run:
        for key, value in DRY_RUN.items():
            setattr(args, key, value)
    return args


def measure(args, data, device: torch.device, folder: Path) -> dict[str, list]:
    """Every row: trainer against plain loop, or (--levers) every lever; per thread count,
    model and batch size."""
    rows: dict[str, list] = {"runs": [], "levers": []}
    levers = [lever for lever in LEVERS if args.only is None or lever.name in args.only.split(",")]
    for threads in thread_counts(args.threads, device):
        torch.set_num_threads(threads)
        for model in args.models.split(","):
            for batch_size in (int(b) for b in args.batch_sizes.split(",")):
                where = {"threads": threads, "model": model, "batch_size": batch_size}
                if not args.levers:
                    row = bench_paths(model, batch_size, data, args, device, folder / model)
                    rows["runs"].append({**where, **row})
                    print(f"{where} ratio {row['ratio']:.2f}", flush=True)
                    continue
                for lever in levers:
                    skipped = lever_skipped(lever, device, args)
                    row = (
                        {"skipped": skipped}
                        if skipped
                        else bench_lever(
                            lever, model, batch_size, data, args, device, folder / lever.name
                        )
                    )
                    rows["levers"].append({"lever": lever.name, **where, **row})
                    print(f"{lever.name} {where} {row.get('ratio_on_over_off', skipped)}")
    return rows


def headline(rows: dict[str, list]) -> float | None:
    """The trainer / plain-loop figure of the first row (first thread count, model, batch)."""
    return rows["runs"][0]["ratio"] if rows["runs"] else None


def main(argv: list[str] | None = None) -> dict:
    args = parse_args(argv)
    device = resolve_device(args.device)
    report = {
        "dry_run": args.dry_run,  # a dry run's figures are no measurement
        "load_average_start": os.getloadavg(),
        "device": str(device),
        "device_name": torch.cuda.get_device_name(device)
        if device.type == "cuda"
        else (platform.processor() or platform.machine()),
        "torch": torch.__version__,
        "cpus": os.cpu_count(),
        "mode": "levers" if args.levers else "trainer against plain loop",
        "steps": args.steps,
        "repeats": args.repeats,
        "peak_memory": "CUDA max_memory_allocated"
        if device.type == "cuda"
        else "process peak RSS (VmHWM) during the path's repetitions; includes the other paths",
    }
    largest_batch = max(int(b) for b in args.batch_sizes.split(","))
    data = load_data(args.data, n=max(args.images, largest_batch * 8))
    report["data"] = data.name
    with tempfile.TemporaryDirectory() as folder:
        rows = measure(args, data, device, Path(folder))
    report.update(ratio=headline(rows), **rows)
    report["load_average_end"] = os.getloadavg()
    print(
        f"ratio {report['ratio']}; load average {report['load_average_start']} → "
        f"{report['load_average_end']}"
    )
    suffix = "-levers" if args.levers else ""
    out = Path(args.out or Path(__file__).parent / "results" / f"{device.type}{suffix}.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {out}")
    return report


if __name__ == "__main__":
    sys.exit(main() and 0)
