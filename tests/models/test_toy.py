"""The 2-D models of gan-2d and nce-sampler: layer sizes, parameter counts, the Fourier lift."""

import math

import pytest
import torch
from torch import nn

from minimaxlab.generative import GenerativeModel
from minimaxlab.models.toy import FourierFeatures, PointClassifier, PointGenerator


def trainable(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def linear_shapes(model: nn.Module) -> list[tuple[int, int]]:
    return [(m.in_features, m.out_features) for m in model.modules() if isinstance(m, nn.Linear)]


def test_gan_2d_generator_and_discriminator_at_the_configured_widths():
    # shared/SPEC.md gan-2d: G noise 2 → hidden → 2, D 2 → hidden → 1; configs: hidden 128, 128.
    generator, discriminator = PointGenerator(2, (128, 128)), PointClassifier((128, 128))
    assert linear_shapes(generator) == [(2, 128), (128, 128), (128, 2)]
    assert linear_shapes(discriminator) == [(2, 128), (128, 128), (128, 1)]
    # G: (2·128 + 128) + (128·128 + 128) + (128·2 + 2) = 384 + 16,512 + 258
    assert trainable(generator) == 17_154
    # D: 384 + 16,512 + (128·1 + 1)
    assert trainable(discriminator) == 17_025
    assert {type(m) for m in generator.modules() if not list(m.children())} == {nn.Linear, nn.ReLU}
    points = generator(torch.randn(5, 2))
    assert points.shape == (5, 2) and discriminator(points).shape == (5,)


def test_the_nce_classifier_lifts_points_by_fixed_fourier_features():
    # configs/nce-sampler.yaml: 64 features of scale 1 → 2 + 2·64 = 130 inputs to the MLP.
    torch.manual_seed(0)
    classifier = PointClassifier((128, 128), fourier_features=64, fourier_scale=1.0)
    assert linear_shapes(classifier) == [(130, 128), (128, 128), (128, 1)]
    # (130·128 + 128) + (128·128 + 128) + (128 + 1); the frequencies are fixed, not trained
    assert trainable(classifier) == 33_409
    assert "net.0.frequencies" in classifier.state_dict()  # saved with the model all the same


def test_fourier_features_are_the_point_and_its_sines_and_cosines():
    torch.manual_seed(0)
    lift = FourierFeatures(3, scale=2.0)
    x = torch.tensor([[0.5, -1.0], [0.0, 0.0]])
    features = lift(x)
    assert features.shape == (2, lift.out_features) == (2, 8)
    b = lift.frequencies
    torch.manual_seed(0)
    assert torch.equal(b, 2.0 * torch.randn(3, 2))  # entries N(0, scale²), scale 2
    angle = 2 * math.pi * (x[0] @ b[1])
    assert torch.allclose(features[0, :2], x[0])
    assert torch.isclose(features[0, 2 + 1], torch.sin(angle), atol=1e-6)
    assert torch.isclose(features[0, 5 + 1], torch.cos(angle), atol=1e-6)
    assert torch.equal(features[1], torch.tensor([0.0, 0, 0, 0, 0, 1, 1, 1]))  # the origin


def test_point_generator_follows_the_generative_contract():
    generator = PointGenerator(latent_dim=3, hidden=(8,))
    assert isinstance(generator, GenerativeModel)
    assert generator.latent_dim == 3 and generator.num_classes is None
    points = generator.sample(7, generator=torch.Generator().manual_seed(0))
    codes = torch.randn(7, 3, generator=torch.Generator().manual_seed(0))
    assert points.shape == (7, 2)
    with torch.no_grad():
        assert torch.equal(points, generator(codes))
    with pytest.raises(ValueError, match="no class labels"):
        generator.sample(2, labels=torch.zeros(2, dtype=torch.long))
