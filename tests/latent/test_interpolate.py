import pytest
import torch

from minimaxlab.errors import MinimaxlabError
from minimaxlab.latent.interpolate import interpolation_path, pick_endpoints, slerp


def test_linear_path_has_both_ends_and_even_steps():
    a, b = torch.zeros(4), torch.arange(4.0)
    path = interpolation_path(a, b, steps=7, mode="linear")
    assert path.shape == (9, 4)
    assert torch.equal(path[0], a) and torch.allclose(path[-1], b)
    assert torch.allclose(path[1:] - path[:-1], (b - a).expand(8, 4) / 8)


def test_slerp_keeps_the_norm_between_codes_of_equal_norm():
    a, b = torch.tensor([1.0, 0.0]), torch.tensor([0.0, 1.0])
    path = interpolation_path(a, b, steps=3, mode="slerp")
    assert torch.allclose(path.norm(dim=1), torch.ones(5), atol=1e-6)
    assert torch.allclose(path[2], torch.tensor([2**-0.5, 2**-0.5]), atol=1e-6)  # halfway: 45°
    assert torch.allclose(path[[0, -1]], torch.stack([a, b]), atol=1e-6)
    # parallel codes, or a zero code: the straight line
    assert torch.allclose(slerp(a, 2 * a, torch.tensor([0.5])), torch.tensor([[1.5, 0.0]]))
    assert torch.allclose(slerp(0 * a, b, torch.tensor([0.5])), torch.tensor([[0.0, 0.5]]))
    with pytest.raises(MinimaxlabError, match="unknown interpolation mode"):
        interpolation_path(a, b, mode="cubic")


def classify_by_sign(codes):
    """Class 1 when the first coordinate is positive: easy to reason about."""
    return (codes[:, 0] > 0).long()


def test_endpoints_come_from_different_classes_or_the_ones_asked_for():
    names = ("negative", "positive")
    codes = torch.randn(512, 3, generator=torch.Generator().manual_seed(0))
    predicted = classify_by_sign(codes)
    i, j = pick_endpoints(predicted, names)
    a, b, class_a, class_b = codes[i], codes[j], names[predicted[i]], names[predicted[j]]
    assert class_a != class_b and (a[0] > 0) != (b[0] > 0)
    i, j = pick_endpoints(predicted, names, classes=("positive", "0"))
    a, b, class_a, class_b = codes[i], codes[j], names[predicted[i]], names[predicted[j]]
    assert (class_a, class_b) == ("positive", "negative") and a[0] > 0 > b[0]
    with pytest.raises(MinimaxlabError, match="unknown class 'zero'"):
        pick_endpoints(predicted, names, classes=("zero", "positive"))

    with pytest.raises(MinimaxlabError, match="collapsed"):
        pick_endpoints(torch.zeros(512, dtype=torch.long), names)
