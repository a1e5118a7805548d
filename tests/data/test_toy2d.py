import math

import pytest
import torch

from minimaxlab.data.toy2d import PointSet, toy_distribution
from minimaxlab.errors import MinimaxlabError


@pytest.mark.parametrize(
    "name,n_modes,sigma", [("moons", 2, 0.05), ("ring8", 8, 0.02), ("grid25", 25, 0.05)]
)
def test_samples_lie_near_their_modes_and_follow_the_seed(name, n_modes, sigma):
    distribution = toy_distribution(name)
    points = distribution.sample(4000, torch.Generator().manual_seed(3))
    again = distribution.sample(4000, torch.Generator().manual_seed(3))
    assert points.shape == (4000, 2) and torch.equal(points, again)
    assert distribution.n_modes == n_modes and distribution.sigma == sigma
    nearest = distribution.distances_to_modes(points).min(dim=1).values
    # Gaussian noise σ: in 2-D, P(r > 4σ) = e^-8; along a curve (moons), P(|x| > 4σ) ≈ 6e-5
    assert (nearest > 4 * sigma).float().mean() < 1e-3
    # balanced modes
    counts = torch.bincount(
        distribution.distances_to_modes(points).argmin(dim=1), minlength=n_modes
    )
    assert counts.min() > 0.6 * 4000 / n_modes


def test_mode_geometry_matches_the_spec():
    ring = toy_distribution("ring8").centres
    assert torch.allclose(ring.norm(dim=1), torch.full((8,), 2.0))
    grid = toy_distribution("grid25").centres
    assert sorted(set(grid[:, 0].tolist())) == [-4.0, -2.0, 0.0, 2.0, 4.0]
    moons = toy_distribution("moons")
    # the moons' points: upper half circle about the first centre, lower about the second
    arc = torch.tensor([[math.cos(a), math.sin(a)] for a in (0.1, 1.5, 3.0)]) * moons.radius
    on_upper = moons.centres[0] + arc
    assert torch.allclose(moons.distances_to_modes(on_upper)[:, 0], torch.zeros(3), atol=1e-5)


def test_distance_to_a_half_circle_from_the_open_side_is_to_its_nearer_end():
    moons = toy_distribution("moons")
    centre, radius = moons.centres[0], moons.radius
    below = centre + torch.tensor([[radius + 0.3, -0.4]])  # under the upper moon's right end
    expected = torch.tensor([0.3, -0.4]).norm()
    assert torch.allclose(moons.distances_to_modes(below)[0, 0], expected, atol=1e-5)


def test_point_set_batches_by_index():
    points = torch.arange(10.0).view(5, 2)
    data = PointSet("x", points)
    assert len(data) == 5 and torch.equal(data.gan_batch(torch.tensor([4, 0])), points[[4, 0]])


def test_unknown_name_is_a_one_line_error():
    with pytest.raises(MinimaxlabError, match="choose one of moons, ring8, grid25"):
        toy_distribution("spiral")


def test_the_pacgan_ring_and_grid_are_the_papers():
    # Lin et al. 2018, Table 1: 8 modes on the unit circle (σ 0.01); 25 at {−4, −2, 0, 2, 4}²
    # (σ 0.05, the same grid as grid25), while gan-2d's ring8 keeps radius 2 and σ 0.02
    ring = toy_distribution("pacgan-ring8")
    assert ring.sigma == 0.01 and torch.allclose(ring.centres.norm(dim=1), torch.ones(8))
    assert torch.allclose(ring.centres[2], torch.tensor([0.0, 1.0]), atol=1e-6)
    grid = toy_distribution("pacgan-grid25")
    assert grid.sigma == 0.05 and torch.equal(grid.centres, toy_distribution("grid25").centres)
    assert toy_distribution("ring8").sigma == 0.02
