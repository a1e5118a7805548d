"""The cross-domain triplet loss against a loop over triplets."""

import itertools

import pytest
import torch
import torch.nn.functional as F

from minimaxlab.domains.triplet import distances, triplet_loss


def batch(n, seed):
    g = torch.Generator().manual_seed(seed)
    return F.normalize(torch.randn(n, 6, generator=g), dim=1), torch.randint(
        0, 3, (n,), generator=g
    )


def test_batch_all_is_the_mean_over_violating_triplets():
    a, la = batch(7, 0)
    b, lb = batch(9, 1)
    margin = 0.3
    d = torch.cdist(a, b)
    violations, total = [], 0
    for i, j, k in itertools.product(range(7), range(9), range(9)):
        if la[i] == lb[j] and la[i] != lb[k]:
            total += 1
            value = float(d[i, j] - d[i, k] + margin)
            if value > 0:
                violations.append(value)
    loss, active = triplet_loss(a, la, b, lb, margin, "batch-all")
    assert float(loss) == pytest.approx(sum(violations) / len(violations), rel=1e-5)
    assert float(active) == pytest.approx(len(violations) / total)


def test_batch_hard_takes_the_farthest_positive_and_the_nearest_negative():
    a, la = batch(7, 2)
    b, lb = batch(9, 3)
    d = torch.cdist(a, b)
    expected = []
    for i in range(7):
        positives = d[i][lb == la[i]]
        negatives = d[i][lb != la[i]]
        if len(positives) and len(negatives):
            expected.append(max(0.0, float(positives.max() - negatives.min() + 0.2)))
    loss, _ = triplet_loss(a, la, b, lb, 0.2, "batch-hard")
    assert float(loss) == pytest.approx(sum(expected) / len(expected), rel=1e-5)


def test_random_mining_picks_a_real_positive_and_negative_and_is_seeded():
    a, la = batch(7, 4)
    b, lb = batch(9, 5)
    hard, _ = triplet_loss(a, la, b, lb, 0.2, "batch-hard")
    losses = [
        float(triplet_loss(a, la, b, lb, 0.2, "random", torch.Generator().manual_seed(s))[0])
        for s in (0, 0, 1)
    ]
    assert losses[0] == losses[1] and 0 <= losses[0] <= float(hard)


def test_separated_classes_give_zero_loss_and_gradients_flow():
    labels = torch.tensor([0, 1, 2])
    centres = torch.eye(3, requires_grad=True)
    loss, active = triplet_loss(centres, labels, torch.eye(3), labels, 0.2, "batch-all")
    assert float(loss) == 0 and float(active) == 0
    a, la = batch(5, 6)
    a.requires_grad_(True)
    loss, _ = triplet_loss(a, la, a.detach().clone(), la, 0.5, "batch-all")
    loss.backward()
    assert torch.isfinite(a.grad).all() and a.grad.abs().sum() > 0
    assert torch.isfinite(distances(a, a)).all()
