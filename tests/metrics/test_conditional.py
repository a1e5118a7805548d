"""Per-class accuracy and intra-class Fréchet distance, and their floor."""

import pytest
import torch

from minimaxlab.data.images import ImageSet
from minimaxlab.metrics.conditional import (
    evaluate_conditional,
    intra_class_frechet,
    per_class_accuracy,
)
from minimaxlab.metrics.images import frechet_distance


def test_per_class_accuracy_is_the_share_of_each_class_predicted_as_itself():
    labels = torch.tensor([0, 0, 0, 0, 1, 1, 2])
    predictions = torch.tensor([0, 0, 1, 0, 1, 0, 2])
    assert per_class_accuracy(predictions, labels, 4) == [0.75, 0.5, 1.0, None]


def test_intra_class_frechet_compares_each_class_with_its_own_reference():
    draws = torch.Generator().manual_seed(0)
    reference = torch.randn(40, 3, generator=draws)
    reference_labels = torch.arange(40) % 2
    features = reference.clone()
    features[reference_labels == 1] += 5.0  # class 1 far from its reference, class 0 identical
    distances = intra_class_frechet(reference, reference_labels, features, reference_labels, 3)
    assert distances[0] == pytest.approx(0.0, abs=1e-6)
    assert distances[1] == pytest.approx(
        frechet_distance(reference[reference_labels == 1], features[reference_labels == 1])
    )
    assert distances[1] > 70 and distances[2] is None


class ClassFromBrightness(torch.nn.Module):
    """Features: the mean pixel and its square; class: which third of [−1, 1] the mean is in."""

    def features(self, images):
        mean = images.flatten(1).mean(1, keepdim=True)
        return torch.cat([mean, mean**2 + 0.01 * images.flatten(1)[:, :1]], 1)

    def head(self, features):
        mean = features[:, 0]
        return torch.stack([-(mean + 0.5).abs(), -mean.abs(), -(mean - 0.5).abs()], 1)


def brightness_set(n, seed):
    draws = torch.Generator().manual_seed(seed)
    labels = torch.arange(n) % 3
    levels = torch.tensor([-0.6, 0.0, 0.6])[labels]
    images = levels[:, None, None, None] + 0.1 * torch.randn(n, 1, 4, 4, generator=draws)
    pixels = ((images.clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)
    return ImageSet("toy", "train", pixels, labels, ("dark", "grey", "light"), "x")


class Drawing(torch.nn.Module):
    """A conditional 'generator' of the same brightness classes, or of the wrong class."""

    num_classes, latent_dim = 3, 2

    def __init__(self, shift=0):
        super().__init__()
        self.shift = shift

    def sample(self, n, labels=None, generator=None):
        levels = torch.tensor([-0.6, 0.0, 0.6])[(labels + self.shift) % 3]
        return levels[:, None, None, None] + 0.1 * torch.randn(n, 1, 4, 4, generator=generator)


def test_a_perfect_generator_reaches_the_floor_and_a_wrong_one_does_not():
    train, test = brightness_set(90, 0), brightness_set(60, 1)
    good = evaluate_conditional(Drawing(), ClassFromBrightness(), train, test, n=30)
    wrong = evaluate_conditional(Drawing(shift=1), ClassFromBrightness(), train, test, n=30)
    assert good["per_class"] == 10 and good["classes"] == ["dark", "grey", "light"]
    assert good["generated"]["per_class_accuracy"] == 1.0
    assert good["floor"]["per_class_accuracy"] == 1.0
    assert wrong["generated"]["per_class_accuracy"] == 0.0
    floor = good["floor"]["intra_class_frechet_distance"]
    assert good["generated"]["intra_class_frechet_distance"] < 10 * floor + 1e-3
    assert wrong["generated"]["intra_class_frechet_distance"] > 100 * floor
    assert len(good["generated"]["class_frechet_distance"]) == 3
