"""One setting of the multitask experiment: a trunk and a head per domain, trained on one
domain alone or on both at once (each batch holds ``batch_size`` images of each domain), through
the generic training loop (``training/loop.py``): resumable at any step, one record per epoch."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F
from pydantic import PositiveFloat, PositiveInt

from minimaxlab.config import StrictModel
from minimaxlab.data.batches import IndexStream
from minimaxlab.data.domains import EVAL_BATCH, Domain
from minimaxlab.interrupt import StopSignal
from minimaxlab.models.digits import MultiHeadClassifier
from minimaxlab.reproducibility import derived_seed
from minimaxlab.runs import Run
from minimaxlab.training.loop import Schedule, TrainingLoop
from minimaxlab.training.state import TrainingState

INIT_STREAM, SUBSET_STREAM, SHUFFLE_STREAM = 1, 2, 3
DOMAIN_STREAMS = {"A": 0, "B": 1}


class MultitaskTrainConfig(StrictModel):
    epochs: PositiveInt = 20
    batch_size: PositiveInt = 128  # a domain alone
    multitask_batch_size: PositiveInt = 64  # per domain: batches of 64 + 64
    lr: PositiveFloat = 1e-3  # Adam
    small_train_size: PositiveInt = 500  # training examples per domain in the small settings


@dataclass(frozen=True)
class Setting:
    """What is trained: on which domains, with how many examples each, in what batches."""

    id: str  # "alone-A", "multitask-500", …: its key in the sweep and its weights' file name
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


class SettingBatches:
    """A setting's training batches: per domain, a pool of example indices (a balanced subset
    when the setting has few examples) and a shuffled stream over it. An epoch is one pass over
    the larger pool; the batch of a step depends only on (seed, setting, step)."""

    def __init__(self, setting: Setting, domains: dict[str, Domain], seed: int) -> None:
        self.domains = domains
        self.pools: dict[str, torch.Tensor] = {}
        self.streams: dict[str, IndexStream] = {}
        for key in setting.domains:
            labels, device = domains[key].train.labels, domains[key].train.images.device
            n = setting.train_size or len(labels)
            stream = DOMAIN_STREAMS[key]
            # one subset per domain and size, whichever setting uses it
            subset = balanced_subset(labels, n, derived_seed(seed, SUBSET_STREAM, n, stream))
            self.pools[key] = subset.to(device)
            shuffle_seed = derived_seed(seed, SHUFFLE_STREAM, setting.index, stream)
            self.streams[key] = IndexStream(len(subset), setting.batch_size, shuffle_seed, device)
        largest = max(len(pool) for pool in self.pools.values())
        self.steps_per_epoch = math.ceil(largest / setting.batch_size)

    def batch(self, step: int) -> tuple[dict[str, torch.Tensor], dict[str, torch.Tensor]]:
        """Step ``step``'s normalised images and their labels, per domain."""
        inputs, labels = {}, {}
        for key, pool in self.pools.items():
            domain = self.domains[key]
            indices = pool[self.streams[key].batch(step)]
            inputs[key] = domain.inputs(domain.train.images[indices])
            labels[key] = domain.train.labels[indices]
        return inputs, labels


def initial_model(
    setting: Setting, domains: dict[str, Domain], model_args: dict[str, int], seed: int
) -> MultiHeadClassifier:
    """The untrained model of ``setting``, seeded apart from the caller's random streams."""
    device = domains["A"].train.images.device
    channels, size, _ = domains[setting.domains[0]].train.shape
    with torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
        # every setting starts from the same weights: they differ only in data and sharing
        torch.manual_seed(derived_seed(seed, INIT_STREAM))
        return MultiHeadClassifier(channels, size, setting.domains, **model_args).to(device)


def train_setting(
    setting: Setting,
    domains: dict[str, Domain],
    train: MultitaskTrainConfig,
    *,
    model_args: dict[str, int],
    seed: int,
    run: Run,
    stop: StopSignal | None,
    progress: bool,
) -> dict[str, Any]:
    """Train ``setting`` (continuing the run's checkpoint of it, if there is one), save its
    weights as ``settings/<id>.pt`` and return its results (plain JSON values)."""
    model = initial_model(setting, domains, model_args, seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=train.lr)
    batches = SettingBatches(setting, domains, seed)

    def step(i: int) -> dict[str, torch.Tensor]:
        inputs, labels = batches.batch(i)
        logits = model(inputs)
        losses = {key: F.cross_entropy(logits[key], labels[key]) for key in setting.domains}
        optimizer.zero_grad(set_to_none=True)
        sum(losses.values()).backward()
        optimizer.step()
        return {f"train_loss_{key}/{setting.curve}": loss for key, loss in losses.items()}

    def measure() -> dict[str, float]:
        return {
            f"test_accuracy_{key}/{setting.curve}": test_accuracy(model, domains[key])
            for key in setting.domains
        }

    per_epoch = batches.steps_per_epoch
    schedule = Schedule(train.epochs * per_epoch, log_every=per_epoch, steps_per_epoch=per_epoch)
    state = TrainingState({"model": model}, {"adam": optimizer})
    loop = TrainingLoop(
        run,
        state,
        step,
        schedule,
        key=setting.id,
        stop=stop,
        progress=progress,
        description=f"{setting.id:<14}",
        measure=measure,
    )
    loop.restore()
    model.train()
    loop.train()
    run.save_torch(f"settings/{setting.id}.pt", model.state_dict())
    return setting_result(setting, loop, batches)


def setting_result(setting: Setting, loop: TrainingLoop, batches: SettingBatches) -> dict[str, Any]:
    """A trained setting's sizes, time, final test accuracy and its per-epoch history."""
    line = f"/{setting.curve}"
    history = [
        {"epoch": int(record["epoch"])}
        | {name.removesuffix(line): v for name, v in record.items() if name.endswith(line)}
        for record in loop.history
    ]
    steps, per_epoch = loop.schedule.steps, batches.steps_per_epoch
    return {
        "setting": setting.id,
        "domains": list(setting.domains),
        "train_examples": {key: len(batches.pools[key]) for key in setting.domains},
        "batch_size_per_domain": setting.batch_size,
        "epochs": steps // per_epoch,
        "steps": steps,
        "seconds": round(loop.seconds, 1),
        "test_accuracy": {k: history[-1][f"test_accuracy_{k}"] for k in setting.domains},
        "history": history,
    }
