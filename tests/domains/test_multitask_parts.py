"""Parts of the domain experiments: subsets, models, the pair of domains and its checks."""

import pytest
import torch

from minimaxlab.data.config import ImageDataConfig
from minimaxlab.data.domains import channel_stats, load_pair
from minimaxlab.domains.multitask import balanced_subset
from minimaxlab.errors import MinimaxlabError
from minimaxlab.models.digits import DomainEmbedder, MultiHeadClassifier


def test_balanced_subset_is_seeded_sorted_and_as_even_as_it_can_be():
    labels = torch.tensor([0] * 50 + [1] * 30 + [2] * 4)
    subset = balanced_subset(labels, 21, seed=5)
    assert len(subset) == 21 and torch.equal(subset, subset.sort().values)
    assert len(set(subset.tolist())) == 21
    counts = torch.bincount(labels[subset], minlength=3).tolist()
    assert counts == [9, 8, 4] or counts == [8, 9, 4]  # class 2 has only 4
    assert torch.equal(subset, balanced_subset(labels, 21, seed=5))
    assert not torch.equal(subset, balanced_subset(labels, 21, seed=6))
    assert torch.equal(balanced_subset(labels, 100, seed=0), torch.arange(84))


@pytest.mark.parametrize("size", [28, 32])
def test_models_give_logits_per_domain_and_unit_embeddings(size):
    model = MultiHeadClassifier(1, size, ("A", "B"))
    logits = model({"A": torch.randn(3, 1, size, size), "B": torch.randn(5, 1, size, size)})
    assert logits["A"].shape == (3, 10) and logits["B"].shape == (5, 10)
    embedder = DomainEmbedder({"A": 1, "B": 3}, size, embedding_dim=16)
    out = embedder(torch.randn(4, 3, size, size), "B")
    assert out.shape == (4, 16) and torch.allclose(out.norm(dim=1), torch.ones(4))


def test_channel_stats():
    images = torch.stack([torch.zeros(2, 4, 4), torch.full((2, 4, 4), 255.0)]).to(torch.uint8)
    mean, std = channel_stats(images)
    assert mean.shape == (1, 2, 1, 1) and torch.allclose(mean, torch.full_like(mean, 0.5))
    assert torch.allclose(std, torch.full_like(std, 0.5))


def test_the_pair_must_share_a_size_and_for_one_trunk_a_channel_count():
    a = ImageDataConfig(name="digits", image_size=16, limit=20)
    b = ImageDataConfig(name="syndigits", image_size=16, limit=20)
    cpu = torch.device("cpu")
    pair = load_pair(a, b, 10, cpu, same_channels=False)
    assert pair["A"].train.shape == (1, 16, 16) and pair["B"].train.shape == (3, 16, 16)
    assert len(pair["B"].test) == 10 and pair["B"].label == "B: syndigits"
    with pytest.raises(MinimaxlabError, match="set domain_b.grey=true"):
        load_pair(a, b, 10, cpu, same_channels=True)
    grey = load_pair(a, b.model_copy(update={"grey": True}), 10, cpu, same_channels=True)
    assert grey["B"].train.shape == (1, 16, 16) and grey["B"].label == "B: syndigits (grey)"
    with pytest.raises(MinimaxlabError, match="to one size"):
        load_pair(a, b.model_copy(update={"image_size": 20}), 10, cpu, same_channels=False)
    inputs = grey["B"].inputs(grey["B"].train.images)
    assert abs(float(inputs.mean())) < 1e-4 and abs(float(inputs.std()) - 1) < 0.05
