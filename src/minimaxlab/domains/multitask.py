"""One setting of the multitask experiment: a trunk and a head per domain, trained on one
domain alone or on both at once (each batch holds ``batch_size`` images of each domain)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F

from minimaxlab.data.batches import IndexStream
from minimaxlab.data.domains import EVAL_BATCH, Domain
from minimaxlab.domains.loop import TrainingState, forget_records, run_epochs
from minimaxlab.interrupt import StopSignal
from minimaxlab.models.digits import MultiHeadClassifier
from minimaxlab.reproducibility import derived_seed
from minimaxlab.runs import Run

INIT_STREAM, SUBSET_STREAM, SHUFFLE_STREAM = 1, 2, 3
DOMAIN_STREAMS = {"A": 0, "B": 1}


@dataclass(frozen=True)
class Setting:
    """What is trained: on which domains, with how many examples each, in what batches."""

    id: str  # "alone-A", "multitask-500", …: the file names of its results
    curve: str  # its line in the curves: "alone", "multitask", "alone-500", …
    domains: tuple[str, ...]
    train_size: int | None  # training examples per domain; None: all
    batch_size: int  # per domain
    index: int  # its shuffling stream


def balanced_subset(labels: torch.Tensor, n: int, seed: int) -> torch.Tensor:
    """``n`` indices (sorted) drawn with ``seed``, the classes as equal in number as they can be."""
    labels = labels.cpu()
    if n >= len(labels):
        return torch.arange(len(labels))
    order = torch.randperm(len(labels), generator=torch.Generator().manual_seed(seed))
    shuffled = labels[order]
    rank = torch.empty_like(order)  # the position of each example among its class
    for value in shuffled.unique():
        members = shuffled == value
        rank[members] = torch.arange(int(members.sum()))
    # round robin over the classes: every class's first example, then every second, …
    key = rank * len(labels) + torch.arange(len(labels))
    return order[key.argsort()[:n]].sort().values


@torch.no_grad()
def test_accuracy(model: MultiHeadClassifier, domain: Domain) -> float:
    """Fraction of ``domain``'s test split that the domain's head classifies correctly."""
    was_training = model.training
    model.eval()
    correct = 0
    for start in range(0, len(domain.test), EVAL_BATCH):
        images = domain.test.images[start : start + EVAL_BATCH]
        logits = model({domain.key: domain.inputs(images)})[domain.key]
        correct += int((logits.argmax(1) == domain.test.labels[start : start + EVAL_BATCH]).sum())
    model.train(was_training)
    return correct / len(domain.test)


def train_setting(
    setting: Setting,
    domains: dict[str, Domain],
    *,
    epochs: int,
    lr: float,
    model_args: dict[str, int],
    seed: int,
    run: Run,
    resume: dict[str, Any] | None,
    stop: StopSignal | None,
    progress: bool,
) -> dict[str, Any]:
    """Train ``setting`` (from the checkpoint ``resume`` when given) and return its results."""
    device = domains["A"].train.images.device
    channels, size, _ = domains[setting.domains[0]].train.shape
    with torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
        # every setting starts from the same weights: they differ only in data and sharing
        torch.manual_seed(derived_seed(seed, INIT_STREAM))
        model = MultiHeadClassifier(channels, size, setting.domains, **model_args).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)

    pools, streams = {}, {}
    for key in setting.domains:
        labels = domains[key].train.labels
        n = setting.train_size or len(labels)
        stream = DOMAIN_STREAMS[key]
        # one subset per domain and size, whichever setting uses it
        subset = balanced_subset(labels, n, derived_seed(seed, SUBSET_STREAM, n, stream))
        pools[key] = subset.to(device)
        streams[key] = IndexStream(
            len(subset),
            setting.batch_size,
            derived_seed(seed, SHUFFLE_STREAM, setting.index, stream),
            device,
        )
    steps_per_epoch = math.ceil(max(len(p) for p in pools.values()) / setting.batch_size)

    state = TrainingState.restore(model, optimizer, resume)
    history, done_epochs = state.history, len(state.history)
    forget_records(run, lambda r: r.get("setting") != setting.id or r.get("step", 0) <= done_epochs)

    def step_fn(step: int) -> dict[str, float]:
        batches, targets = {}, {}
        for key in setting.domains:
            indices = pools[key][streams[key].batch(step)]
            batches[key] = domains[key].inputs(domains[key].train.images[indices])
            targets[key] = domains[key].train.labels[indices]
        logits = model(batches)
        losses = {key: F.cross_entropy(logits[key], targets[key]) for key in setting.domains}
        optimizer.zero_grad(set_to_none=True)
        sum(losses.values()).backward()
        optimizer.step()
        return {f"loss_{key}": loss for key, loss in losses.items()}

    def epoch_fn(epoch: int, means: dict[str, float]) -> None:
        record: dict[str, Any] = {"epoch": epoch}
        metrics: dict[str, Any] = {"step": epoch, "setting": setting.id}
        for key in setting.domains:
            accuracy = test_accuracy(model, domains[key])
            record[f"train_loss_{key}"] = means[f"loss_{key}"]
            record[f"test_accuracy_{key}"] = accuracy
            metrics[f"train_loss_{key}/{setting.curve}"] = means[f"loss_{key}"]
            metrics[f"test_accuracy_{key}/{setting.curve}"] = accuracy
        history.append(record)
        run.log_metrics(metrics)

    def save_fn(step: int, sums_now: dict[str, torch.Tensor]) -> None:
        run.save_checkpoint(state.checkpoint(step, sums_now, setting=setting.id))

    model.train()
    run_epochs(
        epochs,
        steps_per_epoch,
        state.start_step,
        state.sums,
        step_fn,
        epoch_fn,
        save_fn,
        stop,
        f"{setting.id:<14}",
        progress,
    )
    run.save_torch(f"settings/{setting.id}.pt", model.state_dict())
    last = history[-1]
    return {
        "setting": setting.id,
        "domains": list(setting.domains),
        "train_examples": {key: len(pools[key]) for key in setting.domains},
        "batch_size_per_domain": setting.batch_size,
        "epochs": epochs,
        "steps": epochs * steps_per_epoch,
        "seconds": round(state.seconds, 1),
        "test_accuracy": {key: last[f"test_accuracy_{key}"] for key in setting.domains},
        "history": history,
    }
