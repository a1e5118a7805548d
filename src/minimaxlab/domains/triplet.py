"""A joint embedding of two domains by a cross-domain triplet loss: an anchor of one domain,
a positive (same class) and a negative (another class) of the other, in both directions;
trained through the generic training loop (``training/loop.py``), resumable at any step."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, Literal

import torch
import torch.nn.functional as F
from pydantic import PositiveFloat, PositiveInt

from minimaxlab.config import StrictModel
from minimaxlab.data.batches import IndexStream
from minimaxlab.data.domains import Domain
from minimaxlab.domains.retrieval import embed, precision_at_k
from minimaxlab.interrupt import StopSignal
from minimaxlab.models.digits import DomainEmbedder
from minimaxlab.reproducibility import derived_seed
from minimaxlab.runs import Run
from minimaxlab.training.loop import Schedule, TrainingLoop
from minimaxlab.training.state import TrainingState

Mining = Literal["batch-all", "batch-hard", "random"]
SHUFFLE_STREAM, MINING_STREAM = 11, 12
MONITOR_K = 10


class TripletTrainConfig(StrictModel):
    epochs: PositiveInt = 20  # an epoch is one pass over the larger domain
    batch_size: PositiveInt = 128  # per domain
    lr: PositiveFloat = 1e-3  # Adam
    margin: PositiveFloat = 0.2  # on distances between unit vectors (0 to 2)
    # How positives and negatives are picked in a batch. batch-hard (hardest p and n per
    # anchor) collapsed every embedding to one point from scratch in the quick profile.
    mining: Mining = "batch-all"
    monitor: PositiveInt = 500  # test images per domain for the per-epoch precision@10


def distances(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Euclidean distances between unit vectors (N×M), with a gradient even at distance 0."""
    return (2 - 2 * a @ b.T).clamp_min(1e-12).sqrt()


def triplet_loss(
    anchors: torch.Tensor,
    anchor_labels: torch.Tensor,
    others: torch.Tensor,
    other_labels: torch.Tensor,
    margin: float,
    mining: Mining,
    generator: torch.Generator | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """The triplet loss max(0, d(a, p) − d(a, n) + margin), anchors a from one domain, p and n
    from ``others``: over every triplet of the batch that violates the margin ("batch-all"),
    or per anchor with the farthest positive and nearest negative ("batch-hard") or a random
    one of each ("random", drawn from the CPU ``generator``). Also returns the fraction of the
    triplets that violate the margin. Anchors without a positive or a negative are left out."""
    d = distances(anchors, others)
    same = anchor_labels[:, None] == other_labels[None, :]
    usable = same.any(1) & (~same).any(1)
    if mining == "batch-all":
        # every (anchor, positive, negative) of the batch; the mean over those that violate
        # the margin, so that the many easy triplets do not dilute the gradient
        violation = F.relu(d[:, :, None] - d[:, None, :] + margin)
        valid = same[:, :, None] & ~same[:, None, :]
        active = (violation > 0) & valid
        count = active.sum()
        loss = (violation * active).sum() / count.clamp_min(1)
        return loss, count / valid.sum().clamp_min(1)
    if mining == "batch-hard":
        positive = d.masked_fill(~same, -math.inf).amax(1)
        negative = d.masked_fill(same, math.inf).amin(1)
    else:
        scores = torch.rand(d.shape, generator=generator).to(d.device)
        rows = torch.arange(len(d), device=d.device)
        positive = d[rows, scores.masked_fill(~same, -1).argmax(1)]
        negative = d[rows, scores.masked_fill(same, -1).argmax(1)]
    losses = F.relu(positive - negative + margin)[usable]
    if len(losses) == 0:
        zero = anchors.sum() * 0
        return zero, zero.detach()
    return losses.mean(), (losses > 0).float().mean()


def monitor_precision(
    model: DomainEmbedder, domains: dict[str, Domain], n: int
) -> dict[str, float]:
    """precision@10 both ways on the first ``n`` test images of each domain (for the curves)."""
    a, b = domains["A"], domains["B"]
    ea, eb = embed(model, a, a.test.images[:n]), embed(model, b, b.test.images[:n])
    la, lb = a.test.labels[:n], b.test.labels[:n]
    return {
        f"precision_at_{MONITOR_K}/A→B": precision_at_k(ea, la, eb, lb, [MONITOR_K])[MONITOR_K],
        f"precision_at_{MONITOR_K}/B→A": precision_at_k(eb, lb, ea, la, [MONITOR_K])[MONITOR_K],
    }


def train_embedding(
    model: DomainEmbedder,
    domains: dict[str, Domain],
    train: TripletTrainConfig,
    *,
    seed: int,
    run: Run,
    stop: StopSignal | None,
    progress: bool,
) -> dict[str, Any]:
    """Adam on the two-way cross-domain triplet loss, ``train.batch_size`` images of each
    domain per step, continuing the run's checkpoint if there is one; an epoch is one pass over
    the larger domain. Returns the steps, the seconds and the per-epoch history."""
    optimizer = torch.optim.Adam(model.parameters(), lr=train.lr)
    step = triplet_step(model, optimizer, domains, train, seed)
    per_epoch = math.ceil(max(len(d.train) for d in domains.values()) / train.batch_size)
    loop = TrainingLoop(
        run,
        TrainingState({"embedder": model}, {"adam": optimizer}),
        step,
        Schedule(train.epochs * per_epoch, log_every=per_epoch, steps_per_epoch=per_epoch),
        stop=stop,
        progress=progress,
        description="triplet",
        measure=lambda: monitor_precision(model, domains, train.monitor),
    )
    loop.restore()
    model.train()
    loop.train()
    return {
        "steps": loop.schedule.steps,
        "seconds": round(loop.seconds, 1),
        "history": loop.history,
    }


def triplet_step(
    model: DomainEmbedder,
    optimizer: torch.optim.Optimizer,
    domains: dict[str, Domain],
    train: TripletTrainConfig,
    seed: int,
) -> Callable[[int], dict[str, torch.Tensor]]:
    """One update on step ``i``'s batches: its loss and the fraction of active triplets."""
    device = domains["A"].train.images.device
    streams = {
        key: IndexStream(
            len(d.train), train.batch_size, derived_seed(seed, SHUFFLE_STREAM, i), device
        )
        for i, (key, d) in enumerate(domains.items())
    }

    def step(i: int) -> dict[str, torch.Tensor]:
        embedded, labels = {}, {}
        for key, domain in domains.items():
            indices = streams[key].batch(i)
            embedded[key] = model(domain.inputs(domain.train.images[indices]), key)
            labels[key] = domain.train.labels[indices]
        generator = torch.Generator().manual_seed(derived_seed(seed, MINING_STREAM, i))
        loss_ab, active_ab = triplet_loss(
            embedded["A"],
            labels["A"],
            embedded["B"],
            labels["B"],
            train.margin,
            train.mining,
            generator,
        )
        loss_ba, active_ba = triplet_loss(
            embedded["B"],
            labels["B"],
            embedded["A"],
            labels["A"],
            train.margin,
            train.mining,
            generator,
        )
        loss = (loss_ab + loss_ba) / 2
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        return {"triplet_loss": loss, "active_triplets": (active_ab + active_ba) / 2}

    return step
