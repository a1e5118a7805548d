"""The GPU figures of issue 19, into one JSON; run through benchmarks/gpu_check.sh.

Stages, each recorded with its wall time (a stage that fails is recorded and the next runs):
  full_run    the seed DCGAN's full profile (50 epochs of Fashion-MNIST), timed end to end as a
              user runs it: ``minimaxlab run dcgan-fashion --profile full`` in a new process,
              evaluation off (the time to train, not to evaluate)
  throughput  the trainer against the plain loop at batch 64, 256 and 1,024: images/s, peak
              memory (benchmarks/throughput.py, in this process)
  levers      each train.speed switch on against off, and the plain loop's data held on the
              device against a DataLoader from host memory (throughput.py --levers)
  ddp_resume  ``torchrun --nproc_per_node 1``: a run stopped after one epoch and resumed ends
              with the weights of one that never stopped, bit for bit (deterministic=true)

``--dry-run`` runs every stage on the CPU at tiny sizes (seconds; its figures mean nothing).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import subprocess
import sys
import time
import traceback
from pathlib import Path

import torch

HERE = Path(__file__).resolve().parent
MINIMAXLAB = [sys.executable, "-m", "minimaxlab"]
TORCHRUN = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "1"]


def throughput_module():
    spec = importlib.util.spec_from_file_location("throughput", HERE / "throughput.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["throughput"] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def command(args: list[str], timeout_s: float) -> dict:
    """Run ``args``; its exit status, wall time and the end of its output."""
    start = time.perf_counter()
    try:
        done = subprocess.run(args, capture_output=True, text=True, timeout=timeout_s)
    except subprocess.TimeoutExpired:
        return {"command": args, "timed_out": True, "wall_s": time.perf_counter() - start}
    return {
        "command": args,
        "returncode": done.returncode,
        "wall_s": time.perf_counter() - start,
        "output_tail": (done.stdout + done.stderr)[-2000:],
    }


def check(result: dict) -> dict:
    if result.get("timed_out") or result.get("returncode"):
        raise RuntimeError(f"{result['command']} failed: {result.get('output_tail', 'timeout')}")
    return result


def full_run(work: Path, args) -> dict:
    """minimaxlab run dcgan-fashion, full profile (smoke in a dry run), timed end to end."""
    out = work / "dcgan-full"
    profile = "smoke" if args.dry_run else "full"
    run = [*MINIMAXLAB, "run", "dcgan-fashion", "--profile", profile, "--device", args.device]
    run += ["--out", str(out), "--no-progress", "evaluation.enabled=false"]
    result = check(command(run, args.full_run_timeout))
    summary = json.loads((out / "summary.json").read_text())
    keep = ("steps", "epochs", "train_time_s", "images_per_s", "speed", "processes")
    return {**result, "profile": profile, **{key: summary.get(key) for key in keep}}


def throughput(work: Path, args, levers: bool) -> dict:
    """benchmarks/throughput.py in this process: trainer against plain loop, or the levers."""
    argv = ["--device", args.device, "--models", "dcgan", "--out", str(work / "t.json")]
    if args.dry_run:
        argv.append("--dry-run")
    else:
        # sized for the 8 minutes of the whole check: compiling dominates (one per trainer)
        steps = ["--steps", "30", "--warmup", "3"] if levers else ["--steps", "50", "--warmup", "5"]
        argv += ["--data", "fashion-mnist", "--repeats", "3", *steps]
        argv += ["--batch-sizes", "256" if levers else "64,256,1024"]
    if levers:
        argv.append("--levers")
    return throughput_module().main(argv)


def ddp_resume(work: Path, args) -> dict:
    """Under torchrun (one process, DistributedDataParallel): one epoch, then resumed to two,
    against two in one go; the models' tensors compared bit for bit."""
    from minimaxlab.checkpoint import load_checkpoint

    common = ["--device", args.device, "--no-progress", "deterministic=true"]
    common += ["train.speed.compile=off"]
    new = ["dcgan-fashion", "--profile", "smoke", *common]
    straight, resumed = work / "ddp-straight", work / "ddp-resumed"
    runs = [
        [*new, "--out", str(straight), "train.epochs=2"],
        [*new, "--out", str(resumed), "train.epochs=1"],
        ["--resume", str(resumed), *common, "train.epochs=2"],  # keeps its profile and folder
    ]
    results = [check(command([*TORCHRUN, "-m", "minimaxlab", "run", *r], 120)) for r in runs]
    a, b = (load_checkpoint(folder / "checkpoint.pt")["models"] for folder in (straight, resumed))
    equal = all(torch.equal(a[model][key], b[model][key]) for model in a for key in a[model])
    summary = json.loads((resumed / "summary.json").read_text())
    return {
        "runs": results,
        "bitwise_equal": equal,
        "steps": summary.get("steps"),
        "processes": summary.get("processes"),
    }


def stage(name: str, function, report: dict, out: Path) -> None:
    """Run one stage into ``report`` (its error instead when it fails); rewrite the JSON, so
    that a machine taken back mid-way still leaves the stages done so far."""
    start = time.perf_counter()
    try:
        report[name] = function()
    except Exception as err:
        report[name] = {"error": f"{type(err).__name__}: {err}", "trace": traceback.format_exc()}
    report[name]["stage_s"] = time.perf_counter() - start
    out.write_text(json.dumps(report, indent=2, default=str) + "\n")
    print(f"{name}: {report[name]['stage_s']:.0f} s", flush=True)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="the JSON file")
    parser.add_argument("--dry-run", action="store_true", help="CPU, tiny sizes")
    parser.add_argument("--full-run-timeout", type=float, default=240.0)
    args = parser.parse_args(argv)
    args.device = "cpu" if args.dry_run else "cuda"
    out = Path(args.out)
    work = out.parent / "gpu_check_runs"
    work.mkdir(parents=True, exist_ok=True)
    report = {
        "dry_run": args.dry_run,
        "torch": torch.__version__,
        "device_name": torch.cuda.get_device_name() if torch.cuda.is_available() else "cpu",
        "goal": "full_run.train_time_s ≤ 20 (issue 19); physical floor about 4 s",
    }
    stage("full_run", lambda: full_run(work, args), report, out)
    stage("throughput", lambda: throughput(work, args, levers=False), report, out)
    stage("levers", lambda: throughput(work, args, levers=True), report, out)
    stage("ddp_resume", lambda: ddp_resume(work, args), report, out)
    failed = [
        name
        for name in ("full_run", "throughput", "levers", "ddp_resume")
        if "error" in report[name]
    ]
    print(f"wrote {out}" + (f"; failed: {', '.join(failed)}" if failed else ""))
    return report


if __name__ == "__main__":
    report = main()
    sys.exit(1 if any("error" in v for v in report.values() if isinstance(v, dict)) else 0)
