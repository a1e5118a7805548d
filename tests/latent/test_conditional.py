"""The three interpolations of a conditional generator: their paths, figures and errors."""

import pytest
import torch
from torch import nn

from minimaxlab.errors import MinimaxlabError
from minimaxlab.generative import draw_codes
from minimaxlab.latent.conditional import (
    code_threshold,
    interpolation_strips,
    require_classes,
    save_strips,
)

CLASSES = 4


class WithClassWeights(nn.Module):
    """(z, classes or class weights) → a 1×28×28 image: the class embedding added to z."""

    latent_dim, num_classes = 4, CLASSES

    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(CLASSES, 4)
        self.net = nn.Linear(4, 28 * 28)

    def forward(self, codes, labels):
        embedded = labels @ self.embed.weight if labels.is_floating_point() else self.embed(labels)
        return torch.tanh(self.net(codes + embedded)).view(-1, 1, 28, 28)


@torch.no_grad()
def test_the_strips_follow_the_three_paths():
    torch.manual_seed(0)
    model = WithClassWeights()
    strips = interpolation_strips(model, [(0, 3)], steps=1, seed=5)
    codes = draw_codes(model, 2, torch.Generator().manual_seed(5))
    names = ("same-class-linear", "class-mix", "class-and-z-linear")
    same, mix, both = (strips[k][0] for k in names)
    assert all(strip.shape == (3, 1, 28, 28) for strip in (same, mix, both))
    midpoint = model(codes.mean(0, keepdim=True), torch.tensor([0]))[0]
    assert torch.allclose(same[1], midpoint, atol=1e-6)
    halfway = torch.zeros(1, CLASSES)
    halfway[0, [0, 3]] = 0.5
    assert torch.allclose(mix[1], model(codes[:1], halfway)[0])
    assert torch.allclose(mix[0], model(codes[:1], torch.tensor([0]))[0], atol=1e-6)
    assert torch.allclose(both[2], model(codes[1:], torch.tensor([3]))[0], atol=1e-6)


def test_a_row_per_pair_in_each_figure(tmp_path):
    torch.manual_seed(0)
    strips = interpolation_strips(WithClassWeights(), [(0, 1), (2, 3)], steps=2, mode="slerp")
    assert all(len(rows) == 2 for rows in strips.values())
    paths = save_strips(strips, [("a", "b"), ("c", "d")], tmp_path)
    names = {"same-class-slerp.png", "class-mix.png", "class-and-z-slerp.png"}
    assert {p.name for p in paths} == names and all(p.is_file() for p in paths)


def test_unconditional_models_and_code_bounds():
    unconditional = nn.Linear(2, 2)
    with pytest.raises(MinimaxlabError, match="--class needs a class-conditional generator"):
        require_classes(unconditional, "--class")
    assert require_classes(WithClassWeights(), "--classes") == CLASSES
    assert code_threshold(WithClassWeights(), 0.5) == 0.5
    bounded = WithClassWeights()
    bounded.code_bound = 2.0
    assert code_threshold(bounded, 0.5) == 2.0
