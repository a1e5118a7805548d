"""Measuring a joint embedding: cross-domain retrieval precision@k and k-nearest-neighbour
classification of one domain by the labelled examples of another."""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F

from minimaxlab.data.domains import EVAL_BATCH, Domain
from minimaxlab.models.digits import DomainEmbedder


@torch.no_grad()
def embed(model: DomainEmbedder, domain: Domain, images: torch.Tensor) -> torch.Tensor:
    """Unit-length embeddings of ``domain``'s uint8 ``images``, in batches, in eval mode."""
    was_training = model.training
    model.eval()
    parts = [
        model(domain.inputs(images[start : start + EVAL_BATCH]), domain.key)
        for start in range(0, len(images), EVAL_BATCH)
    ]
    model.train(was_training)
    return torch.cat(parts)


@torch.no_grad()
def nearest(queries: torch.Tensor, gallery: torch.Tensor, k: int) -> torch.Tensor:
    """Indices (N×k) of each query's ``k`` most similar gallery items, most similar first
    (unit vectors: the largest dot product is the smallest Euclidean distance)."""
    k = min(k, len(gallery))
    return torch.cat(
        [(chunk @ gallery.T).topk(k, dim=1).indices for chunk in queries.split(EVAL_BATCH)]
    )


def precision_at_k(
    queries: torch.Tensor,
    query_labels: torch.Tensor,
    gallery: torch.Tensor,
    gallery_labels: torch.Tensor,
    ks: Sequence[int],
) -> dict[int, float]:
    """For each k: the fraction of the k retrieved items that have the query's class, averaged
    over the queries."""
    hits = gallery_labels[nearest(queries, gallery, max(ks))] == query_labels[:, None]
    return {k: float(hits[:, :k].float().mean()) for k in ks}


def knn_accuracy(
    queries: torch.Tensor,
    query_labels: torch.Tensor,
    gallery: torch.Tensor,
    gallery_labels: torch.Tensor,
    ks: Sequence[int],
    num_classes: int = 10,
) -> dict[int, float]:
    """For each k: accuracy of labelling each query by the majority class of its k nearest
    gallery items (a tie goes to the class of the nearest)."""
    neighbour_labels = gallery_labels[nearest(queries, gallery, max(ks))]
    nearest_vote = 0.5 * F.one_hot(neighbour_labels[:, 0], num_classes)
    result = {}
    for k in ks:
        votes = F.one_hot(neighbour_labels[:, :k], num_classes).sum(1) + nearest_vote
        result[k] = float((votes.argmax(1) == query_labels).float().mean())
    return result


def precision_ceiling(
    query_labels: torch.Tensor,
    gallery_labels: torch.Tensor,
    ks: Sequence[int],
    num_classes: int = 10,
) -> dict[int, float]:
    """The best precision@k possible: no query can retrieve more items of its class than the
    gallery holds (it matters when k approaches a class's size)."""
    in_class = torch.bincount(gallery_labels, minlength=num_classes)[query_labels].float()
    result = {}
    for k in ks:
        retrieved = min(k, len(gallery_labels))  # as in precision_at_k
        result[k] = float((in_class.clamp(max=retrieved) / retrieved).mean())
    return result
