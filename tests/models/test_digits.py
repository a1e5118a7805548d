"""The digit CNNs of the domain experiments."""

import pytest
import torch

from minimaxlab.models.digits import DomainEmbedder, MultiHeadClassifier


@pytest.mark.parametrize("size", [28, 32])
def test_models_give_logits_per_domain_and_unit_embeddings(size):
    model = MultiHeadClassifier(1, size, ("A", "B"))
    logits = model({"A": torch.randn(3, 1, size, size), "B": torch.randn(5, 1, size, size)})
    assert logits["A"].shape == (3, 10) and logits["B"].shape == (5, 10)
    embedder = DomainEmbedder({"A": 1, "B": 3}, size, embedding_dim=16)
    out = embedder(torch.randn(4, 3, size, size), "B")
    assert out.shape == (4, 16) and torch.allclose(out.norm(dim=1), torch.ones(4))


def test_the_domains_batches_share_the_trunk_but_not_the_heads():
    torch.manual_seed(0)
    model = MultiHeadClassifier(1, 16, ("A", "B"), feature_dim=8, head_hidden=8, width=4)
    a, b = torch.randn(2, 1, 16, 16), torch.randn(3, 1, 16, 16)
    together = model({"A": a, "B": b})
    assert torch.allclose(together["A"], model({"A": a})["A"], atol=1e-6)
    assert torch.allclose(together["B"], model.heads["B"](model.trunk(b)), atol=1e-6)


def count(model):
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


# The configs' sizes (configs/multitask.yaml, triplet.yaml): 32×32 images, width 16.
SHARED = (16 * 9 + 1) * 32 + (32 * 9 + 1) * 64  # the 16 → 32 → 64 convolutions
REDUCED = 64 * 4 * 4  # three 2×2 poolings: 32 → 4


def test_parameter_counts_of_the_multitask_classifier():
    trunk = (1 * 9 + 1) * 16 + SHARED + (REDUCED + 1) * 128
    head = (128 + 1) * 64 + (64 + 1) * 10
    model = MultiHeadClassifier(1, 32, ("A", "B"), feature_dim=128, head_hidden=64, width=16)
    assert count(model) == trunk + 2 * head == 172_308
    assert count(MultiHeadClassifier(1, 32, ("A",))) == trunk + head == 163_402


def test_parameter_count_of_the_triplet_embedder_with_a_grey_and_a_colour_stem():
    stems = (1 * 9 + 1) * 16 + (3 * 9 + 1) * 16
    model = DomainEmbedder({"A": 1, "B": 3}, 32, embedding_dim=64, width=16)
    assert count(model) == stems + SHARED + (REDUCED + 1) * 64 == 89_344
