"""A joint embedding of two domains by a cross-domain triplet loss: an anchor of one domain,
a positive (same class) and a negative (another class) of the other, in both directions."""

from __future__ import annotations

import math
from typing import Any, Literal

import torch
import torch.nn.functional as F

from minimaxlab.data.batches import IndexStream
from minimaxlab.data.domains import Domain
from minimaxlab.domains.loop import TrainingState, run_epochs
from minimaxlab.domains.retrieval import embed, precision_at_k
from minimaxlab.interrupt import StopSignal
from minimaxlab.models.digits import DomainEmbedder
from minimaxlab.reproducibility import derived_seed
from minimaxlab.runs import Run

Mining = Literal["batch-all", "batch-hard", "random"]
SHUFFLE_STREAM, MINING_STREAM = 11, 12
MONITOR_K = 10


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
    *,
    epochs: int,
    batch_size: int,
    lr: float,
    margin: float,
    mining: Mining,
    monitor: int,
    seed: int,
    run: Run,
    resume: dict[str, Any] | None,
    stop: StopSignal | None,
    progress: bool,
) -> dict[str, Any]:
    """Adam on the two-way cross-domain triplet loss, ``batch_size`` images of each domain per
    step; an epoch is one pass over the larger domain. Returns the per-epoch history."""
    device = domains["A"].train.images.device
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    streams = {
        key: IndexStream(len(d.train), batch_size, derived_seed(seed, SHUFFLE_STREAM, i), device)
        for i, (key, d) in enumerate(domains.items())
    }
    steps_per_epoch = math.ceil(max(len(d.train) for d in domains.values()) / batch_size)
    state = TrainingState.restore(model, optimizer, resume)
    history = state.history
    run.truncate_metrics(len(history))

    def step_fn(step: int) -> dict[str, float]:
        embedded, labels = {}, {}
        for key, domain in domains.items():
            indices = streams[key].batch(step)
            embedded[key] = model(domain.inputs(domain.train.images[indices]), key)
            labels[key] = domain.train.labels[indices]
        generator = torch.Generator().manual_seed(derived_seed(seed, MINING_STREAM, step))
        loss_ab, active_ab = triplet_loss(
            embedded["A"], labels["A"], embedded["B"], labels["B"], margin, mining, generator
        )
        loss_ba, active_ba = triplet_loss(
            embedded["B"], labels["B"], embedded["A"], labels["A"], margin, mining, generator
        )
        loss = (loss_ab + loss_ba) / 2
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        return {"triplet_loss": loss, "active_triplets": (active_ab + active_ba) / 2}

    def epoch_fn(epoch: int, means: dict[str, float]) -> None:
        record = {"epoch": epoch, **means, **monitor_precision(model, domains, monitor)}
        history.append(record)
        run.log_metrics({"step": epoch, **{k: v for k, v in record.items() if k != "epoch"}})

    def save_fn(step: int, sums_now: dict[str, torch.Tensor]) -> None:
        run.save_checkpoint(state.checkpoint(step, sums_now))

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
        "triplet",
        progress,
    )
    return {
        "steps": epochs * steps_per_epoch,
        "seconds": round(state.seconds, 1),
        "history": history,
    }
