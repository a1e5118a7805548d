"""Sample-quality metrics on feature vectors, against references and hand-worked cases."""

import contextlib
import inspect
import math

import numpy as np
import pytest
import scipy.linalg
import torch
import torch.nn.functional as F
from torch import nn

from minimaxlab.errors import MinimaxlabError
from minimaxlab.metrics.images import (
    class_histogram,
    compare_features,
    density_coverage,
    euclidean_distances,
    frechet_distance,
    frechet_distance_from_stats,
    kernel_distance,
    kl_to_uniform,
    precision_recall,
)
from minimaxlab.models.classifiers import FeatureClassifier


def gaussian(n: int, d: int, seed: int, shift: float = 0.0, scale: float = 1.0) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(n, d, generator=generator, dtype=torch.float64) * scale + shift


def correlated_gaussian(n: int, d: int, seed: int) -> torch.Tensor:
    """Samples with a mean and a full covariance that differ from seed to seed."""
    generator = torch.Generator().manual_seed(seed)
    mixing = torch.randn(d, d, generator=generator, dtype=torch.float64)
    mean = torch.randn(d, generator=generator, dtype=torch.float64)
    return torch.randn(n, d, generator=generator, dtype=torch.float64) @ mixing + mean


def column(*values: float) -> torch.Tensor:
    """1-D points as an N×1 feature tensor."""
    return torch.tensor(values, dtype=torch.float64)[:, None]


# --- Fréchet distance ---------------------------------------------------------------------------


def reference_frechet(real: np.ndarray, fake: np.ndarray) -> float:
    """The textbook formula with scipy's sqrtm, as in the original FID code."""
    mu1, mu2 = real.mean(axis=0), fake.mean(axis=0)
    sigma1, sigma2 = np.cov(real, rowvar=False), np.cov(fake, rowvar=False)
    covmean = scipy.linalg.sqrtm(sigma1 @ sigma2).real
    return float(((mu1 - mu2) ** 2).sum() + np.trace(sigma1 + sigma2 - 2 * covmean))


def test_frechet_distance_matches_the_scipy_reference():
    real, fake = correlated_gaussian(500, 8, seed=1), correlated_gaussian(500, 8, seed=2)
    expected = reference_frechet(real.numpy(), fake.numpy())
    assert expected > 1  # the two Gaussians really differ
    assert frechet_distance(real, fake) == pytest.approx(expected, rel=1e-6)


def test_frechet_distance_accepts_float32_and_computes_in_float64():
    real, fake = correlated_gaussian(500, 8, seed=1), correlated_gaussian(500, 8, seed=2)
    # The float32 features, converted exactly to float64, are what the reference sees.
    real32, fake32 = real.float(), fake.float()
    expected = reference_frechet(real32.double().numpy(), fake32.double().numpy())
    assert frechet_distance(real32, fake32) == pytest.approx(expected, rel=1e-6)


def test_frechet_distance_is_zero_for_identical_sets_and_symmetric():
    real, fake = correlated_gaussian(500, 8, seed=1), correlated_gaussian(500, 8, seed=2)
    assert abs(frechet_distance(real, real)) < 1e-8
    assert frechet_distance(real, fake) == pytest.approx(frechet_distance(fake, real), rel=1e-9)


def test_frechet_distance_of_a_shifted_cloud_is_the_squared_shift():
    real = correlated_gaussian(500, 8, seed=1)
    shift = torch.arange(8, dtype=torch.float64) / 4
    # Same covariance, so only the mean term is left: ‖shift‖² = (0² + 1² + … + 7²) / 16.
    assert frechet_distance(real, real + shift) == pytest.approx(140 / 16, abs=1e-8)


def test_frechet_distance_from_stats_of_known_gaussians():
    # N(0, I) against N(1, 4I) in 2-D: ‖μ‖² = 2; Tr(I + 4I − 2·2I) = 2 + 8 − 8 = 2.
    eye = torch.eye(2, dtype=torch.float64)
    assert frechet_distance_from_stats(torch.zeros(2), eye, torch.ones(2), 4 * eye) == (
        pytest.approx(4.0, abs=1e-12)
    )


# --- Kernel distance ----------------------------------------------------------------------------


def reference_mmd2(x: np.ndarray, y: np.ndarray) -> float:
    """The unbiased MMD² with k(a, b) = (aᵀb / d + 1)³, one pair of samples at a time."""
    m, d = x.shape

    def k(a, b):
        return (a @ b / d + 1) ** 3

    xx = sum(k(x[i], x[j]) for i in range(m) for j in range(m) if i != j) / (m * (m - 1))
    yy = sum(k(y[i], y[j]) for i in range(m) for j in range(m) if i != j) / (m * (m - 1))
    xy = sum(k(x[i], y[j]) for i in range(m) for j in range(m)) / (m * m)
    return xx + yy - 2 * xy


def test_kernel_distance_on_the_whole_set_matches_the_direct_sum():
    real, fake = gaussian(60, 5, seed=1), gaussian(60, 5, seed=2, shift=0.5)
    mean, std = kernel_distance(real, fake, subsets=1, subset_size=60)
    # The single subset is a permutation of the whole set, and MMD² ignores the order.
    assert mean == pytest.approx(reference_mmd2(real.numpy(), fake.numpy()), rel=1e-9)
    assert std == 0.0


def test_kernel_distance_is_near_zero_for_one_distribution_and_positive_for_a_shift():
    real, same = gaussian(500, 8, seed=1), gaussian(500, 8, seed=2)
    shifted = gaussian(500, 8, seed=3, shift=0.5)

    def kid(fake):
        generator = torch.Generator().manual_seed(0)
        return kernel_distance(real, fake, subsets=10, subset_size=200, generator=generator)

    same_mean, _ = kid(same)
    shifted_mean, shifted_std = kid(shifted)
    assert shifted_mean > 5 * shifted_std > 0
    assert abs(same_mean) < 0.05 * shifted_mean


def test_kernel_distance_is_reproducible_with_a_seeded_generator():
    real, fake = gaussian(300, 4, seed=1), gaussian(300, 4, seed=2, shift=0.3)

    def kid(seed):
        generator = torch.Generator().manual_seed(seed)
        return kernel_distance(real, fake, subsets=5, subset_size=50, generator=generator)

    assert kid(7) == kid(7)
    assert kid(7) != kid(8)  # the generator really chooses the subsets


# --- Precision, recall, density and coverage: hand-worked cases ---------------------------------

# Real points 0, 1, 2, 3 on a line; fakes 0.5 and 0.75 near the real ones, 5 and 5.5 far away.
REAL = column(0, 1, 2, 3)
FAKE = column(0.5, 0.75, 5, 5.5)


def test_precision_and_recall_by_hand():
    # k = 1. Real radii (distance to the nearest other real point): 1, 1, 1, 1.
    # Fake radii: 0.5 → 0.25 (to 0.75), 0.75 → 0.25, 5 → 0.5 (to 5.5), 5.5 → 0.5.
    # Precision: 0.5 and 0.75 lie within 1 of a real point; 5 and 5.5 are 2 and 2.5 from 3,
    #   outside every real ball → 2 / 4.
    # Recall: real 1 is 0.25 from fake 0.75, exactly on that ball's edge, which is outside (the
    #   test is strict, as in prdc); real 0 is 0.5 from the nearest fake (radius 0.25), 2 is 1.25
    #   from 0.75, 3 is 2 from 5 (radius 0.5) → 0 / 4.
    assert precision_recall(REAL, FAKE, k=1) == (0.5, 0.0)


def test_density_and_coverage_by_hand():
    # k = 2. Real radii (distance to the second-nearest other real point): 0 → 2 (to 2),
    # 1 → 1 (0 and 2 are both 1 away), 2 → 1, 3 → 2 (to 1).
    # Real balls holding each fake: 0.5 is in 0's (0.5 < 2) and 1's (0.5 < 1): 2 balls;
    #   0.75 likewise (0.75 < 2, 0.25 < 1): 2; 5 is 2 from real 3, exactly on the edge of its
    #   ball of radius 2, so outside (strict, as in prdc): 0; 5.5: 0.
    # Density = (2 + 2 + 0 + 0) / (k · M) = 4 / (2 · 4) = 0.5.
    # Coverage: real 0 holds 0.5, 1 holds 0.75; real 3's nearest fake is on its edge; real 2
    #   (radius 1) is 1.25 from the nearest fake → 2 / 4.
    assert density_coverage(REAL, FAKE, k=2) == (0.5, 0.5)


def test_hand_worked_case_in_two_dimensions():
    # Real: the corners of a unit square; with k = 1 each radius is 1 (the side).
    real = torch.tensor([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    # Fakes: the centre (0.71 from every corner) and a point 3 above the square's top edge,
    # 3 from (0, 1); each fake's radius is the distance to the other: √(0.5² + 3.5²) ≈ 3.54.
    fake = torch.tensor([[0.5, 0.5], [0.0, 4.0]])
    # Precision: only the centre lies in a real ball → 1/2. Recall: the centre's ball of
    # radius 3.54 holds all four corners → 1.
    assert precision_recall(real, fake, k=1) == (0.5, 1.0)
    # Density: the centre is in all 4 real balls, the far point in none → 4 / (1 · 2) = 2.
    # Coverage: every corner's ball holds the centre → 1.
    assert density_coverage(real, fake, k=1) == (2.0, 1.0)


# --- ... and on larger samples ------------------------------------------------------------------


def test_two_samples_of_one_distribution_score_well():
    real, fake = gaussian(1000, 8, seed=1), gaussian(1000, 8, seed=2)
    precision, recall = precision_recall(real, fake)
    density, coverage = density_coverage(real, fake)
    assert precision > 0.6 and recall > 0.6
    assert density == pytest.approx(1.0, abs=0.3)
    assert coverage > 0.8


def test_mode_collapse_keeps_precision_but_loses_recall_and_coverage():
    real = gaussian(1000, 8, seed=1)
    # Every fake is a tiny perturbation of one real sample.
    fake = real[0] + 0.01 * gaussian(1000, 8, seed=2)
    precision, recall = precision_recall(real, fake)
    _, coverage = density_coverage(real, fake)
    assert precision > 0.9
    assert recall < 0.01
    assert coverage < 0.05


def test_a_shifted_distribution_loses_precision_and_recall():
    real, fake = gaussian(1000, 8, seed=1), gaussian(1000, 8, seed=2, shift=2.0)
    same_precision, same_recall = precision_recall(real, gaussian(1000, 8, seed=3))
    precision, recall = precision_recall(real, fake)
    assert precision < same_precision / 2 and recall < same_recall / 2


def test_chunking_does_not_change_the_results():
    real, fake = gaussian(150, 6, seed=1), gaussian(130, 6, seed=2, shift=0.3)
    # 7 does not divide 150 or 130, so the last chunk is a short one.
    assert precision_recall(real, fake, chunk_size=7) == precision_recall(real, fake)
    assert density_coverage(real, fake, chunk_size=7) == density_coverage(real, fake)


# --- ... against the reference formula, on ties and points on the boundary ---------------------


def test_distances_are_exact_and_a_samples_own_is_zero():
    x = gaussian(300, 7, seed=1)  # > 25 rows: where cdist's matrix-product mode would start
    distances = euclidean_distances(x, x)
    assert torch.equal(distances.diagonal(), torch.zeros(300, dtype=torch.float64))
    explicit = (x[:, None] - x[None]).pow(2).sum(2).sqrt()
    assert torch.allclose(distances, explicit, rtol=1e-15, atol=0)


def reference_prdc(real: np.ndarray, fake: np.ndarray, k: int, strict: bool = True) -> dict:
    """prdc's formulas (clovaai/generative-evaluation-prdc, prdc.py) on distances from explicit
    differences; ``strict=False`` is the ≤ variant the lab used before."""

    def distances(a, b):
        return np.sqrt(((a[:, None, :] - b[None]) ** 2).sum(axis=2))

    def inside(d, radii):
        return d < radii if strict else d <= radii

    real_radii = np.sort(distances(real, real), axis=1)[:, k]  # column 0: the sample itself
    fake_radii = np.sort(distances(fake, fake), axis=1)[:, k]
    real_fake = distances(real, fake)  # real rows × fake columns, as in prdc
    return {
        "precision": inside(real_fake, real_radii[:, None]).any(axis=0).mean(),
        "recall": inside(real_fake, fake_radii[None, :]).any(axis=1).mean(),
        "density": inside(real_fake, real_radii[:, None]).sum(axis=0).mean() / k,
        "coverage": inside(real_fake.min(axis=1), real_radii).mean(),
    }


def lab_prdc(real: torch.Tensor, fake: torch.Tensor, k: int) -> dict:
    precision, recall = precision_recall(real, fake, k=k, chunk_size=16)
    density, coverage = density_coverage(real, fake, k=k, chunk_size=16)
    return {"precision": precision, "recall": recall, "density": density, "coverage": coverage}


def integer_points(n: int, seed: int, high: int = 4) -> torch.Tensor:
    """Points of a small integer grid in 3-D: repeated points, equal distances everywhere, and
    fakes exactly on the edge of balls; every distance is exact in both computations."""
    generator = torch.Generator().manual_seed(seed)
    return torch.randint(high, (n, 3), generator=generator).double()


@pytest.mark.parametrize("k", [1, 2, 3, 5])
def test_nearest_neighbour_metrics_match_the_reference_on_ties_and_edges(k):
    real, fake = integer_points(60, seed=1), integer_points(50, seed=2)
    expected = reference_prdc(real.numpy(), fake.numpy(), k)
    assert lab_prdc(real, fake, k) == pytest.approx(expected, rel=1e-15, abs=0)
    # The data has points exactly on an edge: the ≤ rule would give other numbers.
    assert reference_prdc(real.numpy(), fake.numpy(), k, strict=False) != expected


def test_nearest_neighbour_metrics_match_the_reference_on_continuous_features():
    real, fake = gaussian(200, 6, seed=1), gaussian(150, 6, seed=2, shift=0.3)
    for k in (3, 5):
        expected = reference_prdc(real.numpy(), fake.numpy(), k)
        assert lab_prdc(real, fake, k) == pytest.approx(expected, rel=1e-12)


def test_the_default_k_is_3_for_precision_recall_and_5_for_density_coverage():
    real, fake = integer_points(60, seed=1), integer_points(50, seed=2)
    assert inspect.signature(precision_recall).parameters["k"].default == 3
    assert inspect.signature(density_coverage).parameters["k"].default == 5
    assert precision_recall(real, fake) == precision_recall(real, fake, k=3)
    assert density_coverage(real, fake) == density_coverage(real, fake, k=5)
    results = compare_features(real, fake, generator=torch.Generator().manual_seed(0))
    three, five = (
        reference_prdc(real.numpy(), fake.numpy(), 3),
        reference_prdc(real.numpy(), fake.numpy(), 5),
    )
    assert (results["precision"], results["recall"]) == (three["precision"], three["recall"])
    assert (results["density"], results["coverage"]) == (five["density"], five["coverage"])
    assert three != reference_prdc(real.numpy(), fake.numpy(), 2)  # k really matters here


# --- ... and against the field's own packages, on the same features ----------------------------


class LabFeatures(nn.Module):
    """The lab's feature extractor (FeatureClassifier.features) in the form torchmetrics takes
    as ``feature=``; float64 output, so both sides compute on the very same numbers."""

    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.classifier = FeatureClassifier(feature_dim=8).eval()
        self.num_features = 8  # spares torchmetrics its probe with a dummy image

    @torch.no_grad()
    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.classifier.features(images).double()


@pytest.fixture(scope="module")
def image_features():
    """(feature module, real images, fake images, real features, fake features)."""
    extractor = LabFeatures()
    generator = torch.Generator().manual_seed(0)
    real = torch.rand(300, 1, 28, 28, generator=generator) * 2 - 1
    noise = torch.rand(300, 1, 28, 28, generator=generator) * 2 - 1
    fake = F.avg_pool2d(noise, 3, stride=1, padding=1)  # smoothed noise: the features differ
    return extractor, real, fake, extractor(real), extractor(fake)


def test_frechet_distance_matches_torchmetrics_with_the_lab_feature_module(image_features):
    fid_module = pytest.importorskip("torchmetrics.image.fid")
    extractor, real, fake, real_features, fake_features = image_features
    fid = fid_module.FrechetInceptionDistance(feature=extractor)
    fid.update(real, real=True)
    fid.update(fake, real=False)
    expected = float(fid.compute())
    assert expected > 1e-3  # the two sets differ
    assert frechet_distance(real_features, fake_features) == pytest.approx(expected, rel=1e-6)


@pytest.mark.filterwarnings("ignore:Metric `Kernel Inception Distance` will save")
def test_kernel_distance_matches_torchmetrics_on_the_same_subsets(image_features):
    kid_module = pytest.importorskip("torchmetrics.image.kid")
    extractor, real, fake, real_features, fake_features = image_features
    kid = kid_module.KernelInceptionDistance(feature=extractor, subsets=10, subset_size=200)
    kid.update(real, real=True)
    kid.update(fake, real=False)
    # torchmetrics draws each subset with torch.randperm from the global generator, real rows
    # first, then fake: the lab's draws from a generator with the same seed are the same rows.
    torch.manual_seed(7)
    expected_mean, expected_std = (float(v) for v in kid.compute())
    mean, std = kernel_distance(
        real_features,
        fake_features,
        subsets=10,
        subset_size=200,
        generator=torch.Generator().manual_seed(7),
    )
    assert expected_mean > 5 * expected_std > 0
    assert mean == pytest.approx(expected_mean, rel=1e-9)
    assert std == pytest.approx(expected_std, rel=1e-9)


@pytest.mark.parametrize("k", [3, 5])
def test_nearest_neighbour_metrics_match_prdc(image_features, k, capsys):
    prdc = pytest.importorskip("prdc")
    _, _, _, real_features, fake_features = image_features
    for real, fake in (
        (real_features, fake_features),
        (integer_points(60, seed=1), integer_points(50, seed=2)),  # ties and edges
    ):
        expected = prdc.compute_prdc(real.numpy(), fake.numpy(), nearest_k=k)
        assert lab_prdc(real, fake, k) == pytest.approx(expected, rel=1e-12)
    capsys.readouterr()  # prdc prints the sample counts


# --- Class balance ------------------------------------------------------------------------------


def test_class_histogram_counts_fractions():
    histogram = class_histogram(torch.tensor([0, 2, 2, 2]), num_classes=4)
    assert torch.equal(histogram, torch.tensor([0.25, 0.0, 0.75, 0.0], dtype=torch.float64))


def test_kl_to_uniform_is_zero_for_balanced_classes_and_log_k_for_one_class():
    balanced = class_histogram(torch.arange(10).repeat(3), num_classes=10)
    collapsed = class_histogram(torch.full((30,), 4), num_classes=10)
    assert kl_to_uniform(balanced) == pytest.approx(0.0, abs=1e-12)
    assert kl_to_uniform(collapsed) == pytest.approx(math.log(10), rel=1e-12)


def test_kl_to_uniform_by_hand_for_two_classes():
    # h = (3/4, 1/4), K = 2: 3/4 · log(3/2) + 1/4 · log(1/2) ≈ 0.3041 − 0.1733 = 0.1308 nats.
    histogram = class_histogram(torch.tensor([1, 1, 1, 0]), num_classes=2)
    expected = 0.75 * math.log(1.5) + 0.25 * math.log(0.5)
    assert kl_to_uniform(histogram) == pytest.approx(expected, rel=1e-12)
    assert expected == pytest.approx(0.1308, abs=1e-4)


# --- Everything at once -------------------------------------------------------------------------


def test_compare_features_reports_every_metric():
    real, fake = gaussian(120, 4, seed=1), gaussian(120, 4, seed=2, shift=0.2)
    predictions = torch.tensor([0, 1, 2] * 40)
    results = compare_features(
        real, fake, predictions, num_classes=3, generator=torch.Generator().manual_seed(0)
    )
    assert results["frechet_distance"] == pytest.approx(frechet_distance(real, fake), rel=1e-12)
    kid = kernel_distance(real, fake, generator=torch.Generator().manual_seed(0))
    assert (results["kid_mean"], results["kid_std"]) == kid
    assert (results["precision"], results["recall"]) == precision_recall(real, fake)
    assert (results["density"], results["coverage"]) == density_coverage(real, fake)
    assert results["class_histogram"] == pytest.approx([1 / 3, 1 / 3, 1 / 3])
    assert results["class_kl_to_uniform"] == pytest.approx(0.0, abs=1e-12)


def test_compare_features_without_predictions_has_no_class_keys():
    real, fake = gaussian(100, 4, seed=1), gaussian(100, 4, seed=2)
    results = compare_features(real, fake)
    assert set(results) == {
        "frechet_distance",
        "kid_mean",
        "kid_std",
        "precision",
        "recall",
        "density",
        "coverage",
    }
    assert all(isinstance(value, float) for value in results.values())


# --- Input errors -------------------------------------------------------------------------------


@contextlib.contextmanager
def raises_one_line(match: str):
    """pytest.raises for a MinimaxlabError whose message is a single line."""
    with pytest.raises(MinimaxlabError, match=match) as info:
        yield
    assert "\n" not in str(info.value)


METRICS = [frechet_distance, kernel_distance, precision_recall, density_coverage]


@pytest.mark.parametrize("metric", METRICS)
def test_feature_dimensions_must_match(metric):
    with raises_one_line("different dimensions \\(8 and 6\\)"):
        metric(gaussian(20, 8, seed=1), gaussian(20, 6, seed=2))


@pytest.mark.parametrize("metric", METRICS)
def test_features_must_be_a_matrix(metric):
    with raises_one_line("must be an N×D tensor"):
        metric(torch.zeros(20), gaussian(20, 8, seed=2))


@pytest.mark.parametrize("metric", METRICS)
def test_features_must_be_finite(metric):
    fake = gaussian(20, 8, seed=2)
    fake[3, 1] = float("nan")
    with raises_one_line("fake features contain NaN"):
        metric(gaussian(20, 8, seed=1), fake)


@pytest.mark.parametrize("metric", [precision_recall, density_coverage])
def test_k_must_be_smaller_than_the_number_of_samples(metric):
    with raises_one_line("k=4 needs at least 5 real samples, got 4"):
        metric(gaussian(4, 2, seed=1), gaussian(10, 2, seed=2), k=4)


def test_precision_recall_needs_more_than_k_fake_samples():
    with raises_one_line("k=3 needs at least 4 fake samples, got 3"):
        precision_recall(gaussian(10, 2, seed=1), gaussian(3, 2, seed=2), k=3)


def test_a_covariance_needs_two_samples():
    with raises_one_line("a covariance needs at least 2 fake samples, got 1"):
        frechet_distance(gaussian(10, 2, seed=1), gaussian(1, 2, seed=2))


def test_frechet_statistics_must_have_one_dimension():
    with raises_one_line("Fréchet statistics must be"):
        frechet_distance_from_stats(torch.zeros(3), torch.eye(3), torch.zeros(2), torch.eye(2))


def test_class_predictions_are_checked():
    with raises_one_line("must lie in 0..2, got values from 0 to 3"):
        class_histogram(torch.tensor([0, 3]), num_classes=3)
    with raises_one_line("1-D integer tensor of class indices"):
        class_histogram(torch.rand(5, 3), num_classes=3)
    with raises_one_line("non-negative fractions that sum to 1"):
        kl_to_uniform(torch.tensor([0.5, 0.6]))
    with raises_one_line("4 fake predictions for 10 fake samples"):
        real, fake = gaussian(10, 2, seed=1), gaussian(10, 2, seed=2)
        compare_features(real, fake, torch.zeros(4, dtype=torch.long), num_classes=2)
