"""The pair of image domains: statistics, shared size and channels, normalised inputs."""

import pytest
import torch

from minimaxlab.data.config import ImageDataConfig
from minimaxlab.data.domains import channel_stats, load_pair
from minimaxlab.errors import MinimaxlabError


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
    summary = grey["B"].summary()
    assert summary["data"] == "B: syndigits (grey)" and summary["shape"] == [1, 16, 16]
    assert (summary["train"], summary["test"]) == (20, 10)
    assert summary["checksum"] == grey["B"].train.checksum
