"""Metrics for samples of 2-D toy data (shared/SPEC.md, "Evaluation"): modes covered, the
fraction of high-quality samples, and the energy distance to fresh real data; and the papers'
mode-collapse metrics (modes captured, reverse KL of the mode histogram) for mode-bench."""

from __future__ import annotations

from typing import Any

import torch

from minimaxlab.data.toy2d import ToyDistribution
from minimaxlab.metrics.images import euclidean_distances
from minimaxlab.reproducibility import derived_seed

QUALITY_SIGMAS = 3.0  # a sample is high quality within 3σ of its nearest mode
COVERAGE_FRACTION = 0.01  # a mode is covered by at least 1% of the samples, all high quality


def _nearest_modes(
    samples: torch.Tensor, distribution: ToyDistribution
) -> tuple[torch.Tensor, torch.Tensor]:
    """Each sample's nearest mode and whether it is high quality (within 3σ of that mode).
    Distances and the 3σ test run in float64, so a point's verdict does not depend on float32
    round-off."""
    distances = distribution.distances_to_modes(samples.double())
    nearest_distance, nearest = distances.min(dim=1)
    return nearest, nearest_distance <= QUALITY_SIGMAS * distribution.sigma


def mode_statistics(samples: torch.Tensor, distribution: ToyDistribution) -> dict[str, Any]:
    """Modes covered and the high-quality fraction of ``samples`` (n×2).

    A sample is high quality when it lies within 3σ of its nearest mode; a mode is covered
    when at least 1% of all samples are high-quality samples nearest to it.
    """
    nearest, high_quality = _nearest_modes(samples, distribution)
    per_mode = torch.bincount(nearest[high_quality], minlength=distribution.n_modes)
    n = samples.shape[0]
    covered = per_mode >= COVERAGE_FRACTION * n
    return {
        "modes_covered": int(covered.sum()),
        "n_modes": distribution.n_modes,
        "high_quality_fraction": float(high_quality.double().mean()) if n else 0.0,
        "high_quality_per_mode": per_mode.tolist(),
    }


def paper_mode_statistics(samples: torch.Tensor, distribution: ToyDistribution) -> dict[str, Any]:
    """The mode-collapse metrics of VEEGAN (Srivastava et al. 2017) and PacGAN (Lin et al.
    2018, Table 1) on ``samples`` (n×2, n ≥ 1), beside the lab's stricter coverage rule.

    - ``modes_captured``: modes nearest to at least one high-quality sample (within 3σ);
    - ``modes_covered``: the lab's rule, modes with at least 1% of the samples high quality
      and nearest to them (:func:`mode_statistics`);
    - ``high_quality_fraction``: the share of samples within 3σ of their nearest mode;
    - ``reverse_kl``: KL(p ‖ uniform) = Σ p_k log(K p_k) for the histogram p of every sample's
      nearest mode (0 when the samples spread evenly, log K when they all sit on one mode);
      empty modes add nothing, so it stays finite under collapse;
    - ``mode_histogram``: p, the share of samples nearest to each mode.
    """
    nearest, high_quality = _nearest_modes(samples, distribution)
    k = distribution.n_modes
    captured = torch.bincount(nearest[high_quality], minlength=k) >= 1
    histogram = torch.bincount(nearest, minlength=k).double() / samples.shape[0]
    occupied = histogram[histogram > 0]
    return {
        "modes_captured": int(captured.sum()),
        "modes_covered": mode_statistics(samples, distribution)["modes_covered"],
        "n_modes": k,
        "high_quality_fraction": float(high_quality.double().mean()),
        "reverse_kl": float((occupied * (occupied * k).log()).sum()),
        "mode_histogram": histogram.tolist(),
    }


def _distance_sum(x: torch.Tensor, y: torch.Tensor, chunk: int = 2048) -> torch.Tensor:
    """Σ‖x_i − y_j‖ over all pairs, exact distances (a point's own is 0), a block of rows at a
    time to bound memory."""
    return sum(euclidean_distances(x[i : i + chunk], y).sum() for i in range(0, x.shape[0], chunk))


def energy_distance(x: torch.Tensor, y: torch.Tensor) -> float:
    """The energy distance 2E‖X−Y‖ − E‖X−X'‖ − E‖Y−Y'‖ (Székely & Rizzo 2013), no kernel or
    bandwidth to choose: ≥ 0 for any two samples, and 0 when they are the same points.

    The V-statistic (dcor's and scipy's estimator): each mean runs over all pairs, a point's own
    distance (exactly 0) included. The U-statistic, which leaves the diagonal out, is unbiased
    but goes negative when the samples are alike (−2E‖X−X'‖/n for y = x)."""
    x, y = x.double(), y.double()
    n, m = x.shape[0], y.shape[0]
    between = _distance_sum(x, y) / (n * m)
    within_x = _distance_sum(x, x) / (n * n)
    within_y = _distance_sum(y, y) / (m * m)
    # ≥ 0 in exact arithmetic; only round-off could take it a hair below, when x ≈ y.
    return max(float(2 * between - within_x - within_y), 0.0)


def evaluate_points(
    samples: torch.Tensor, distribution: ToyDistribution, real: torch.Tensor
) -> dict[str, Any]:
    """Mode statistics of ``samples`` and their energy distance to fresh ``real`` points."""
    return {
        **mode_statistics(samples, distribution),
        "energy_distance": energy_distance(samples.cpu(), real.cpu()),
    }


def real_floor(distribution: ToyDistribution, real: torch.Tensor, seed: int) -> dict[str, Any]:
    """Fresh real points scored like generated ones against ``real``: what a perfect
    generator would reach (a fixed sub-stream of ``seed``)."""
    draw = torch.Generator().manual_seed(derived_seed(seed, 12))
    return evaluate_points(distribution.sample(real.shape[0], draw), distribution, real)
