import numpy as np
import pytest
import scipy.stats
import torch

from minimaxlab.data.toy2d import ToyDistribution, toy_distribution
from minimaxlab.metrics.toy import (
    energy_distance,
    evaluate_points,
    mode_statistics,
    paper_mode_statistics,
)

RING = toy_distribution("ring8")  # σ 0.02: high quality within 0.06 of a centre
GRID = toy_distribution("grid25")  # σ 0.05, centres on the even integers of [−4, 4]²
PACGAN_RING = toy_distribution("pacgan-ring8")  # unit circle, σ 0.01: within 0.03


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
    # The V-statistic of one distribution is E‖X−X'‖(1/n + 1/m) = 2√π / 800 ≈ 0.0044 above
    # zero on average (N(0, I) in 2-D): near zero, never below it.
    assert 0 <= same < 0.02 and shifted > 0.3
    # against the closed form for two point masses: 2|a−b| − 0 − 0
    a, b = torch.zeros(5, 2), torch.full((5, 2), 3.0)
    assert abs(energy_distance(a, b) - 2 * 3 * 2**0.5) < 1e-9


def test_evaluate_points_adds_the_energy_distance():
    g = torch.Generator().manual_seed(1)
    result = evaluate_points(RING.sample(500, g), RING, RING.sample(500, g))
    assert result["modes_covered"] == 8 and abs(result["energy_distance"]) < 0.02


# --- the 3σ rule against its reference formula, in float64 --------------------------------------


def reference_mode_statistics(points: np.ndarray, centres: np.ndarray, sigma: float) -> dict:
    """The rule written out in numpy float64: nearest centre (the first on a tie), high quality
    at distance ≤ 3σ, a mode covered by ≥ 1% of all samples."""
    distances = np.sqrt(((points[:, None, :] - centres[None]) ** 2).sum(axis=2))
    nearest = distances.argmin(axis=1)
    high_quality = distances.min(axis=1) <= 3 * sigma
    per_mode = np.bincount(nearest[high_quality], minlength=len(centres))
    return {
        "modes_covered": int((per_mode >= 0.01 * len(points)).sum()),
        "n_modes": len(centres),
        "high_quality_fraction": float(high_quality.mean()),
        "high_quality_per_mode": per_mode.tolist(),
    }


def test_the_3_sigma_rule_runs_in_float64_on_the_boundary():
    # 3σ = 3 · 0.05 = 0.15000000000000002 in float64. At the centre (0, 0):
    # 0.15 in float32 is 0.15000000596…, outside; in float32 arithmetic, where 3σ rounds to the
    # same float32, it would count as inside.
    assert mode_statistics(torch.tensor([[0.15, 0.0]]), GRID)["high_quality_fraction"] == 0.0
    on_the_edge = torch.tensor([[3 * GRID.sigma, 0.0]], dtype=torch.float64)  # exactly 3σ
    just_outside = torch.nextafter(on_the_edge, torch.ones_like(on_the_edge))
    assert mode_statistics(on_the_edge, GRID)["high_quality_fraction"] == 1.0
    assert mode_statistics(just_outside, GRID)["high_quality_fraction"] == 0.0


def test_mode_statistics_match_the_reference_on_boundary_points_and_ties():
    g = torch.Generator().manual_seed(3)
    modes = torch.randint(GRID.n_modes, (400,), generator=g)
    angles = 2 * torch.pi * torch.rand(400, generator=g)
    # distances within float32 round-off of 3σ, either side
    radius = 3 * GRID.sigma * (1 + 1e-7 * torch.randn(400, generator=g, dtype=torch.float64))
    offsets = radius[:, None] * torch.stack((angles.cos(), angles.sin()), 1).double()
    points = (GRID.centres[modes].double() + offsets).float()  # samples arrive as float32
    expected = reference_mode_statistics(
        points.double().numpy(), GRID.centres.double().numpy(), 0.05
    )
    assert mode_statistics(points, GRID) == expected
    in_float32 = GRID.distances_to_modes(points).min(dim=1).values <= 3 * GRID.sigma
    assert int(in_float32.sum()) != sum(expected["high_quality_per_mode"])  # the data can tell

    # Two overlapping modes: (1, 0) is 1 from both, and goes to the first, as argmin does.
    pair = ToyDistribution("pair", 1.0, torch.tensor([[0.0, 0.0], [2.0, 0.0]]))
    points = torch.tensor([[1.0, 0.0], [1.0, 0.0], [1.5, 0.0], [3.0, 0.0], [5.0, 0.0]])
    expected = reference_mode_statistics(
        points.double().numpy(), pair.centres.double().numpy(), 1.0
    )
    # the tie twice to mode 0; 1.5, 3 and 5 (3σ from (2, 0), on the edge) to mode 1
    assert expected["high_quality_per_mode"] == [2, 3]
    assert mode_statistics(points, pair) == expected


# --- the energy distance against its reference formulas -----------------------------------------


def reference_energy_distance(x: np.ndarray, y: np.ndarray) -> float:
    """2E‖X−Y‖ − E‖X−X'‖ − E‖Y−Y'‖ over all pairs (the V-statistic, as dcor computes it), from
    explicit differences."""

    def mean_distance(a, b):
        return np.sqrt(((a[:, None, :] - b[None]) ** 2).sum(axis=2)).mean()

    return 2 * mean_distance(x, y) - mean_distance(x, x) - mean_distance(y, y)


def test_energy_distance_matches_the_reference_on_data_with_ties():
    g = torch.Generator().manual_seed(4)
    # integer points in a 4×4 patch: many repeated points and many equal distances
    x = torch.randint(4, (300, 2), generator=g).float()
    y = torch.randint(5, (200, 2), generator=g).float()
    expected = reference_energy_distance(x.double().numpy(), y.double().numpy())
    assert expected > 0.01
    assert energy_distance(x, y) == pytest.approx(expected, rel=1e-12)
    x, y = torch.randn(300, 3, generator=g), torch.randn(250, 3, generator=g) + 0.1
    expected = reference_energy_distance(x.double().numpy(), y.double().numpy())
    assert energy_distance(x, y) == pytest.approx(expected, rel=1e-12)


def test_energy_distance_in_one_dimension_is_scipys_squared():
    # scipy.stats.energy_distance is the square root of the same V-statistic.
    g = torch.Generator().manual_seed(5)
    u, v = torch.randn(400, generator=g), 0.5 + 2 * torch.randn(300, generator=g)
    expected = scipy.stats.energy_distance(u.double().numpy(), v.double().numpy()) ** 2
    assert energy_distance(u[:, None], v[:, None]) == pytest.approx(expected, rel=1e-9)


def test_energy_distance_is_exactly_zero_for_the_same_points_and_never_negative():
    g = torch.Generator().manual_seed(6)
    x = torch.randn(500, 2, generator=g)  # > 25 rows: where cdist's matrix-product mode starts
    assert energy_distance(x, x) == 0.0
    assert 0 <= energy_distance(x, x.flip(0)) < 1e-12  # the same points in another order
    for seed in range(20):  # samples of one distribution, the case where a U-statistic dips < 0
        g = torch.Generator().manual_seed(seed)
        assert (
            energy_distance(torch.randn(30, 2, generator=g), torch.randn(30, 2, generator=g)) >= 0
        )


def test_papers_metrics_of_samples_all_on_one_mode():
    stats = paper_mode_statistics(PACGAN_RING.centres[5].repeat(2500, 1), PACGAN_RING)
    assert stats["modes_captured"] == 1 and stats["modes_covered"] == 1
    assert stats["high_quality_fraction"] == 1.0
    assert stats["reverse_kl"] == pytest.approx(np.log(8), abs=1e-12)  # KL(δ ‖ uniform) = log K
    assert stats["mode_histogram"] == [0.0] * 5 + [1.0] + [0.0] * 2


def test_papers_metrics_of_samples_spread_evenly_over_the_modes():
    stats = paper_mode_statistics(GRID.centres.repeat(100, 1) + 0.01, GRID)
    assert stats["modes_captured"] == 25 and stats["modes_covered"] == 25
    assert stats["high_quality_fraction"] == 1.0 and stats["n_modes"] == 25
    assert stats["reverse_kl"] == pytest.approx(0.0, abs=1e-12)


def test_papers_metrics_at_the_3_sigma_boundary():
    # σ 0.01: a sample 0.0299 from its mode is high quality and captures it; 0.0301 is not
    inside = PACGAN_RING.centres[:1] + torch.tensor([[0.0299, 0.0]])
    outside = PACGAN_RING.centres[:1] + torch.tensor([[0.0301, 0.0]])
    assert paper_mode_statistics(inside, PACGAN_RING)["modes_captured"] == 1
    assert paper_mode_statistics(inside, PACGAN_RING)["high_quality_fraction"] == 1.0
    far = paper_mode_statistics(outside, PACGAN_RING)
    assert far["modes_captured"] == 0 and far["high_quality_fraction"] == 0.0
    # the histogram counts every sample's nearest mode, high quality or not
    assert far["mode_histogram"][0] == 1.0 and far["reverse_kl"] == pytest.approx(np.log(8))


def test_one_high_quality_sample_captures_a_mode_but_does_not_cover_it():
    # 1,000 samples: 990 on mode 0, one on each of modes 1–7 (0.1%), two far from every mode
    points = torch.cat(
        (
            PACGAN_RING.centres[0].repeat(991, 1),
            PACGAN_RING.centres[1:],
            torch.zeros(2, 2),
        )
    )
    stats = paper_mode_statistics(points, PACGAN_RING)
    assert stats["modes_captured"] == 8 and stats["modes_covered"] == 1
    assert stats["high_quality_fraction"] == pytest.approx(998 / 1000)
    histogram = np.array(stats["mode_histogram"])
    assert histogram.sum() == pytest.approx(1.0)
    expected = float((histogram[histogram > 0] * np.log(8 * histogram[histogram > 0])).sum())
    assert stats["reverse_kl"] == pytest.approx(expected, rel=1e-12)
