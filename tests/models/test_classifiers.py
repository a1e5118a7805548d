"""The feature classifier's architecture."""

import pytest
import torch

from minimaxlab.models.classifiers import FeatureClassifier


@pytest.mark.parametrize("size", [8, 28, 32])
def test_the_classifier_fits_any_square_image_size(size):
    model = FeatureClassifier(channels=3, image_size=size, num_classes=10)
    assert model(torch.zeros(2, 3, size, size)).shape == (2, 10)


def test_features_are_the_penultimate_layer_and_the_head_gives_the_logits():
    torch.manual_seed(0)
    model = FeatureClassifier(channels=1, image_size=16, num_classes=4, feature_dim=12).eval()
    x = torch.randn(3, 1, 16, 16)
    features = model.features(x)
    assert features.shape == (3, 12) and (features >= 0).all()  # after a ReLU
    assert torch.equal(model(x), model.head(features))


def test_parameter_count_of_the_feature_classifier_on_28_pixel_grey_images():
    convolutions = (1 * 9 + 1) * 32 + (32 * 9 + 1) * 64 + (64 * 9 + 1) * 64
    features = (64 * 7 * 7 + 1) * 128  # two 2×2 poolings: 28 → 7
    head = (128 + 1) * 10
    model = FeatureClassifier(channels=1, image_size=28, num_classes=10, feature_dim=128)
    assert sum(p.numel() for p in model.parameters()) == convolutions + features + head == 458_570
