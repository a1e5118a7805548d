"""Training throughput: a plain reference loop against minimaxlab's GanTrainer, in one process.

Both paths train the same models (same seed, same initial weights), with the same losses, Adam
settings, device, data and batch size. The reference is written as course code writes it: a
DataLoader over a float32 TensorDataset, float32 throughout, a ``.item()`` per step, no
compilation. The trainer runs with its defaults (train.speed) unless --speed overrides them.
Repetitions of the two paths alternate and the median is reported, so that load from other
processes on a shared machine falls on both alike.

    python benchmarks/throughput.py --device cpu --batch-size 64 --models dcgan,mlp
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
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import DataLoader, TensorDataset

from minimaxlab.data.images import ImageSet, from_arrays
from minimaxlab.device import resolve_device
from minimaxlab.gan.losses import make_loss
from minimaxlab.gan.speed import SpeedConfig
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


def load_data(name: str, n: int) -> ImageSet:
    """Fashion-MNIST's training images, or ``n`` random 28×28 images (runs anywhere)."""
    if name == "synthetic":
        rng = np.random.default_rng(0)
        images = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
        return from_arrays("synthetic", "train", images, np.zeros(n, np.int64), ("none",))
    from minimaxlab.data.registry import load_images

    return load_images(name, "train")


def build(model: str, seed: int, device: torch.device) -> tuple[torch.nn.Module, torch.nn.Module]:
    """Generator and discriminator with the weights ``seed`` gives (the same for both paths)."""
    torch.manual_seed(seed)
    make_g, make_d = MODELS[model]
    generator, discriminator = make_g(), make_d()
    initialise(generator, "xavier")
    initialise(discriminator, "xavier")
    return generator.to(device), discriminator.to(device)


class ReferenceLoop:
    """The plain loop: DataLoader batches, float32, eager, a host sync per step."""

    def __init__(self, model: str, data: ImageSet, batch_size: int, device: torch.device):
        self.device = device
        self.generator, self.discriminator = build(model, 0, device)
        self.g_opt = torch.optim.Adam(self.generator.parameters(), lr=ADAM.lr, betas=ADAM.betas)
        self.d_opt = torch.optim.Adam(self.discriminator.parameters(), lr=ADAM.lr, betas=ADAM.betas)
        self.loss = make_loss("non-saturating")
        images = data.images.cpu().float() / 127.5 - 1.0
        self.loader = DataLoader(
            TensorDataset(images), batch_size=batch_size, shuffle=True, drop_last=True
        )
        self.batches = iter(self.loader)
        self.batch_size = batch_size

    def _next_batch(self) -> torch.Tensor:
        try:
            (real,) = next(self.batches)
        except StopIteration:
            self.batches = iter(self.loader)
            (real,) = next(self.batches)
        return real.to(self.device)

    def steps(self, n: int) -> list[float]:
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
            log_every=10_000,
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


def bench_model(model: str, data: ImageSet, args, device: torch.device, folder: Path) -> dict:
    speed = SpeedConfig(**dict(item.split("=", 1) for item in args.speed))
    paths = {
        "reference": ReferenceLoop(model, data, args.batch_size, device),
        "trainer": TrainerPath(model, data, args.batch_size, device, speed, folder / model),
    }
    rates: dict[str, list[float]] = {name: [] for name in paths}
    peaks: dict[str, float | None] = {}
    for name, path in paths.items():
        reset_peak(device)
        start = time.perf_counter()
        path.steps(args.warmup)  # first calls: allocator, oneDNN primitives, compilation
        synchronize(device)
        print(f"  {model} {name}: warm-up {time.perf_counter() - start:.1f} s", flush=True)
    for _ in range(args.repeats):
        for name, path in paths.items():
            reset_peak(device)
            rates[name].append(timed(path, args.steps, args.batch_size, device))
            peak = peak_mib(device)
            peaks[name] = max(peaks.get(name) or 0.0, peak or 0.0) if peak is not None else None
    result = {
        name: {
            "images_per_s": statistics.median(values),
            "images_per_s_runs": values,
            "peak_memory_mib": peaks[name],
        }
        for name, values in rates.items()
    }
    result["speedup"] = result["trainer"]["images_per_s"] / result["reference"]["images_per_s"]
    result["trainer_settings"] = paths["trainer"].trainer.summary()["speed"]
    return result


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="auto")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--steps", type=int, default=20, help="steps per timed repetition")
    parser.add_argument("--warmup", type=int, default=3, help="untimed steps per path")
    parser.add_argument("--repeats", type=int, default=5, help="alternating repetitions")
    parser.add_argument("--models", default="dcgan,mlp")
    parser.add_argument("--data", default="synthetic", help="synthetic or fashion-mnist")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    parser.add_argument(
        "--speed", nargs="*", default=[], help="trainer overrides, e.g. precision=float32"
    )
    parser.add_argument("--out", default=None, help="JSON file (benchmarks/results/<device>)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> dict:
    args = parse_args(argv)
    device = resolve_device(args.device)
    if args.threads:
        torch.set_num_threads(args.threads)
    data = load_data(args.data, n=max(4096, args.batch_size * 64))
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else platform.processor()
    report = {
        "device": str(device),
        "device_name": name or platform.machine(),
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "cpus": os.cpu_count(),
        "data": data.name,
        "batch_size": args.batch_size,
        "steps": args.steps,
        "repeats": args.repeats,
        "load_before": os.getloadavg(),
        "peak_memory": "CUDA max_memory_allocated"
        if device.type == "cuda"
        else "process peak RSS (VmHWM) during the path's repetitions; includes the other path",
        "models": {},
    }
    with tempfile.TemporaryDirectory() as folder:
        for model in args.models.split(","):
            report["models"][model] = bench_model(model, data, args, device, Path(folder))
            row = report["models"][model]
            for path in ("reference", "trainer"):
                memory = row[path]["peak_memory_mib"]
                print(
                    f"{model:6s} {path:9s} {row[path]['images_per_s']:9.1f} images/s"
                    f"   peak memory {memory if memory is None else f'{memory:.0f} MiB'}"
                )
            print(f"{model:6s} speed-up  {row['speedup']:.2f}×  ({row['trainer_settings']})")
    report["load_after"] = os.getloadavg()
    print(f"load average before {report['load_before']}, after {report['load_after']}")
    out = Path(args.out or Path(__file__).parent / "results" / f"{device.type}.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {out}")
    return report


if __name__ == "__main__":
    sys.exit(main() and 0)
