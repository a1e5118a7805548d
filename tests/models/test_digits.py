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
