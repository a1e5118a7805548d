import torch

from minimaxlab.data.toy2d import toy_distribution
from minimaxlab.metrics.toy import energy_distance, evaluate_points, mode_statistics

RING = toy_distribution("ring8")  # σ 0.02: high quality within 0.06 of a centre


def test_points_on_every_mode_cover_all_and_are_all_high_quality():
    points = RING.centres.repeat(10, 1) + 0.01  # 80 points, 0.014 from their centres
    stats = mode_statistics(points, RING)
    assert stats["modes_covered"] == 8 and stats["high_quality_fraction"] == 1.0
    assert stats["high_quality_per_mode"] == [10] * 8


def test_one_mode_only_is_one_covered_mode():
    points = RING.centres[3].repeat(50, 1)
    stats = mode_statistics(points, RING)
    assert stats["modes_covered"] == 1 and stats["high_quality_fraction"] == 1.0


def test_points_far_from_every_mode_are_not_high_quality_and_cover_nothing():
    points = torch.zeros(40, 2)  # the ring's centre: 2 from every mode
    stats = mode_statistics(points, RING)
    assert stats["modes_covered"] == 0 and stats["high_quality_fraction"] == 0.0


def test_a_mode_needs_one_percent_of_all_samples():
    # 1,000 samples: 9 high-quality ones at mode 0 (0.9%) do not cover it, 10 (1%) do
    far = torch.zeros(991, 2)
    nine = torch.cat((RING.centres[0].repeat(9, 1), far))
    assert mode_statistics(nine, RING)["modes_covered"] == 0
    ten = torch.cat((RING.centres[0].repeat(10, 1), far[:990]))
    assert mode_statistics(ten, RING)["modes_covered"] == 1


def test_the_3_sigma_boundary():
    inside = RING.centres[:1] + torch.tensor([[0.059, 0.0]])
    outside = RING.centres[:1] + torch.tensor([[0.061, 0.0]])
    assert mode_statistics(inside, RING)["high_quality_fraction"] == 1.0
    assert mode_statistics(outside, RING)["high_quality_fraction"] == 0.0


def test_energy_distance_is_near_zero_for_one_distribution_and_grows_with_a_shift():
    g = torch.Generator().manual_seed(0)
    x, y = torch.randn(800, 2, generator=g), torch.randn(800, 2, generator=g)
    same = energy_distance(x, y)
    shifted = energy_distance(x, y + torch.tensor([1.0, 0.0]))
    assert abs(same) < 0.01 and shifted > 0.3
    # against the closed form for two point masses: 2|a−b| − 0 − 0
    a, b = torch.zeros(5, 2), torch.full((5, 2), 3.0)
    assert abs(energy_distance(a, b) - 2 * 3 * 2**0.5) < 1e-9


def test_evaluate_points_adds_the_energy_distance():
    g = torch.Generator().manual_seed(1)
    result = evaluate_points(RING.sample(500, g), RING, RING.sample(500, g))
    assert result["modes_covered"] == 8 and abs(result["energy_distance"]) < 0.02
