import pytest
import torch

from minimaxlab.generative import GenerativeModel
from minimaxlab.models.toy import PointGenerator


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
