import pytest
import torch
from torch import nn

from minimaxlab.latent.labels import WithLabels, conditioned, nearest_end
from minimaxlab.models.mlp import MLPGenerator


class ClassOffset(nn.Module):
    """A conditional generator: the code shifted by its class."""

    latent_dim = 2
    num_classes = 3

    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter(torch.ones(1))

    def forward(self, codes, labels):
        return self.scale * codes + labels[:, None]


def test_a_conditional_generator_gets_its_labels_bound_and_an_unconditional_none():
    model = ClassOffset()
    bound = conditioned(model, torch.tensor([0, 2]))
    assert isinstance(bound, WithLabels) and bound.latent_dim == 2
    assert torch.equal(bound(torch.zeros(2, 2)), torch.tensor([[0.0, 0.0], [2.0, 2.0]]))
    assert list(bound.parameters()) == list(model.parameters())  # it optimises the same model
    with pytest.raises(ValueError, match="3 codes for 2 labels"):
        bound(torch.zeros(3, 2))
    with pytest.raises(ValueError, match="needs a class label"):
        conditioned(model, None)
    unconditional = MLPGenerator(latent_dim=2, widths=(4,))
    assert conditioned(unconditional, torch.tensor([1, 2])) is unconditional


def test_each_point_of_a_path_takes_the_class_of_the_nearer_end():
    ends = torch.tensor([4, 7])
    assert nearest_end(ends, 5).tolist() == [4, 4, 4, 7, 7]  # the midpoint: the start's
    assert nearest_end(ends, 4).tolist() == [4, 4, 7, 7]
    assert nearest_end(None, 5) is None
