"""Retrieval and k-NN measures against brute-force references."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from minimaxlab.domains.retrieval import knn_accuracy, nearest, precision_at_k, precision_ceiling


def points(n, seed):
    g = torch.Generator().manual_seed(seed)
    return F.normalize(torch.randn(n, 5, generator=g), dim=1), torch.randint(
        0, 4, (n,), generator=g
    )


def brute_force(queries, query_labels, gallery, gallery_labels, k):
    d = torch.cdist(queries, gallery).numpy()
    order = np.argsort(d, axis=1, kind="stable")[:, :k]
    return gallery_labels.numpy()[order], query_labels.numpy()


def test_nearest_is_the_smallest_euclidean_distance():
    q, _ = points(30, 0)
    g, _ = points(50, 1)
    expected = np.argsort(torch.cdist(q, g).numpy(), axis=1)[:, :4]
    assert np.array_equal(nearest(q, g, 4).numpy(), expected)


def test_precision_at_k_matches_a_brute_force_count():
    q, ql = points(40, 2)
    g, gl = points(60, 3)
    got = precision_at_k(q, ql, g, gl, [1, 5, 20])
    for k in (1, 5, 20):
        neighbour_labels, labels = brute_force(q, ql, g, gl, k)
        assert got[k] == pytest.approx((neighbour_labels == labels[:, None]).mean())


def test_knn_majority_vote_with_ties_to_the_nearest():
    q, ql = points(40, 4)
    g, gl = points(60, 5)
    got = knn_accuracy(q, ql, g, gl, [1, 4], num_classes=4)
    neighbour_labels, labels = brute_force(q, ql, g, gl, 4)
    assert got[1] == pytest.approx((neighbour_labels[:, 0] == labels).mean())
    predictions = []
    for row in neighbour_labels:
        counts = np.bincount(row, minlength=4)
        tied = np.flatnonzero(counts == counts.max())
        predictions.append(row[0] if row[0] in tied else tied[0])
    assert got[4] == pytest.approx((np.array(predictions) == labels).mean())


def test_a_perfect_embedding_scores_one_and_the_ceiling_limits_large_k():
    labels = torch.arange(4).repeat_interleave(3)  # 3 per class
    embedding = F.one_hot(labels, 5).float() + 0.01 * points(12, 6)[0].abs()
    embedding = F.normalize(embedding, dim=1)
    assert precision_at_k(embedding, labels, embedding, labels, [1, 3]) == {1: 1.0, 3: 1.0}
    assert knn_accuracy(embedding, labels, embedding, labels, [3], num_classes=4)[3] == 1.0
    ceiling = precision_ceiling(labels, labels, [3, 6, 100], num_classes=4)
    assert ceiling == {3: 1.0, 6: 0.5, 100: 0.25}
    assert precision_at_k(embedding, labels, embedding, labels, [6])[6] == 0.5
