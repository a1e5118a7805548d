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


def test_class_mix_is_a_convex_mix_of_two_one_hot_vectors():
    from minimaxlab.latent.interpolate import class_mix

    weights = class_mix(1, 3, 4, 5)
    assert torch.allclose(weights[0], torch.tensor([0.0, 1, 0, 0]))
    assert torch.allclose(weights[2], torch.tensor([0.0, 0.5, 0, 0.5]))
    assert torch.allclose(weights[-1], torch.tensor([0.0, 0, 0, 1]))
    assert torch.allclose(weights.sum(1), torch.ones(5))


def test_the_three_conditional_paths():
    from minimaxlab.latent.interpolate import conditional_path

    codes = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    z, classes = conditional_path("same-class", codes, (0, 2), 3, steps=1)
    assert torch.allclose(z[1], torch.tensor([0.5, 0.5])) and torch.equal(classes[2], classes[0])
    z, classes = conditional_path("class-mix", codes, (0, 2), 3, steps=1)
    assert torch.equal(z[2], codes[0]) and torch.allclose(classes[1], torch.tensor([0.5, 0, 0.5]))
    z, classes = conditional_path("class-and-z", codes, (0, 2), 3, steps=1, mode="slerp")
    assert torch.allclose(z[2], codes[1]) and torch.allclose(z[1].norm(), torch.tensor(1.0))
    assert torch.allclose(classes[2], torch.tensor([0.0, 0, 1]))


def test_class_index_names_what_is_wrong():
    from minimaxlab.latent.interpolate import class_index

    assert class_index("b", ("a", "b")) == 1 and class_index("0", ("a", "b")) == 0
    with pytest.raises(MinimaxlabError, match="out of range: there are 2 classes"):
        class_index("2", ("a", "b"))
    with pytest.raises(MinimaxlabError, match="unknown class 'c'"):
        class_index("c", ("a", "b"))
