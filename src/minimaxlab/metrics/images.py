"""Sample-quality metrics for image generators, computed on feature vectors.

Every metric compares two N×D feature tensors (any float dtype, any device), ``real`` and
``fake``, produced by one fixed feature extractor. The arithmetic runs in float64 on the device
of ``real``: the metrics sum many small terms, and float32 round-off would reach the digits
that are reported.

References:
    Fréchet distance (FID): Heusel et al. 2017, "GANs trained by a two time-scale update rule
    converge to a local Nash equilibrium".
    Kernel distance (KID): Bińkowski et al. 2018, "Demystifying MMD GANs".
    Precision and recall: Kynkäänniemi et al. 2019, "Improved precision and recall metric for
    assessing generative models".
    Density and coverage: Naeem et al. 2020, "Reliable fidelity and diversity metrics for
    generative models".
"""

from __future__ import annotations

import torch

from minimaxlab.errors import MinimaxlabError

# Rows of one distance block: 1024 × 10,000 float64 distances are 82 MB.
DEFAULT_CHUNK_SIZE = 1024


# --- input checks -------------------------------------------------------------------------------


def _features(x: torch.Tensor, name: str) -> torch.Tensor:
    if not isinstance(x, torch.Tensor) or x.ndim != 2:
        got = f"shape {tuple(x.shape)}" if isinstance(x, torch.Tensor) else type(x).__name__
        raise MinimaxlabError(
            f"{name} features must be an N×D tensor, got {got}; pass one row per sample"
        )
    if not torch.isfinite(x).all():
        raise MinimaxlabError(
            f"{name} features contain NaN or infinity; check the samples and the feature extractor"
        )
    return x


def _pair(real: torch.Tensor, fake: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Both feature sets checked, in float64, on the device of ``real``."""
    real, fake = _features(real, "real"), _features(fake, "fake")
    if real.shape[1] != fake.shape[1]:
        raise MinimaxlabError(
            f"real and fake features have different dimensions ({real.shape[1]} and "
            f"{fake.shape[1]}); compute both with the same feature extractor"
        )
    return real.to(torch.float64), fake.to(real.device, torch.float64)


def _require(x: torch.Tensor, minimum: int, name: str, why: str) -> None:
    if x.shape[0] < minimum:
        raise MinimaxlabError(
            f"{why} needs at least {minimum} {name} samples, got {x.shape[0]}; use more samples"
        )


def _check_k(k: int, chunk_size: int) -> None:
    if k < 1:
        raise MinimaxlabError(f"k must be at least 1, got {k}")
    if chunk_size < 1:
        raise MinimaxlabError(f"chunk_size must be at least 1, got {chunk_size}")


# --- Fréchet distance ---------------------------------------------------------------------------


def _psd_sqrt(matrix: torch.Tensor) -> torch.Tensor:
    """The symmetric square root of a symmetric PSD matrix; round-off negatives count as 0."""
    eigenvalues, eigenvectors = torch.linalg.eigh(matrix)
    return (eigenvectors * eigenvalues.clamp(min=0).sqrt()) @ eigenvectors.T


def frechet_distance_from_stats(
    mu1: torch.Tensor, sigma1: torch.Tensor, mu2: torch.Tensor, sigma2: torch.Tensor
) -> float:
    """‖μ1 − μ2‖² + Tr(Σ1 + Σ2 − 2(Σ1 Σ2)^{1/2}): the Fréchet (2-Wasserstein) distance between
    two Gaussians, as used by FID (Heusel et al. 2017).

    Tr((Σ1 Σ2)^{1/2}) is the sum of the square roots of the eigenvalues of Σ1 Σ2, which are those
    of the symmetric PSD matrix √Σ1 Σ2 √Σ1 (AB and BA share eigenvalues; take A = √Σ1). ``eigh``
    on that matrix gives real eigenvalues, so there is none of ``scipy.linalg.sqrtm``'s complex
    noise to discard. Round-off can leave the result a hair below 0 for identical statistics.
    """
    device = torch.as_tensor(mu1).device
    mu1, sigma1, mu2, sigma2 = (
        torch.as_tensor(s).to(device, torch.float64) for s in (mu1, sigma1, mu2, sigma2)
    )
    d = mu1.shape[0] if mu1.ndim == 1 else -1
    if d < 1 or mu2.shape != (d,) or sigma1.shape != (d, d) or sigma2.shape != (d, d):
        raise MinimaxlabError(
            f"Fréchet statistics must be two D-vectors and two D×D matrices of one D, got shapes "
            f"{tuple(mu1.shape)}, {tuple(sigma1.shape)}, {tuple(mu2.shape)}, "
            f"{tuple(sigma2.shape)}; compute both from features of one extractor"
        )
    sqrt_sigma1 = _psd_sqrt(sigma1)
    middle = sqrt_sigma1 @ sigma2 @ sqrt_sigma1
    # Symmetrise away round-off so eigvalsh sees exactly the matrix it assumes.
    eigenvalues = torch.linalg.eigvalsh((middle + middle.T) / 2).clamp(min=0)
    difference = mu1 - mu2
    distance = difference @ difference + sigma1.trace() + sigma2.trace()
    return float(distance - 2 * eigenvalues.sqrt().sum())


def frechet_distance(real: torch.Tensor, fake: torch.Tensor) -> float:
    """FID on features (Heusel et al. 2017): the Fréchet distance between Gaussians fitted to
    ``real`` and ``fake`` (means and unbiased, N − 1, covariances)."""
    real, fake = _pair(real, fake)
    _require(real, 2, "real", "a covariance")
    _require(fake, 2, "fake", "a covariance")
    return frechet_distance_from_stats(
        real.mean(dim=0), torch.cov(real.T), fake.mean(dim=0), torch.cov(fake.T)
    )


# --- Kernel distance ----------------------------------------------------------------------------


def _polynomial_kernel(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """k(x, y) = (xᵀy / d + 1)³, the kernel of KID."""
    return (x @ y.T / x.shape[1] + 1) ** 3


def _unbiased_mmd2(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """The unbiased MMD² estimate for two samples of equal size m."""
    m = x.shape[0]
    k_xx, k_yy = _polynomial_kernel(x, x), _polynomial_kernel(y, y)
    # Unbiased: the within-set means leave out the diagonal, k(x_i, x_i).
    within = k_xx.sum() - k_xx.diagonal().sum() + k_yy.sum() - k_yy.diagonal().sum()
    return within / (m * (m - 1)) - 2 * _polynomial_kernel(x, y).mean()


def _draw(n: int, size: int, generator: torch.Generator | None) -> torch.Tensor:
    """``size`` distinct row indices out of ``n``."""
    device = generator.device if generator is not None else "cpu"
    return torch.randperm(n, generator=generator, device=device)[:size]


def kernel_distance(
    real: torch.Tensor,
    fake: torch.Tensor,
    subsets: int = 100,
    subset_size: int = 1000,
    generator: torch.Generator | None = None,
) -> tuple[float, float]:
    """KID (Bińkowski et al. 2018): the unbiased MMD² with kernel (xᵀy / d + 1)³, averaged over
    ``subsets`` random subsets of min(subset_size, N_real, N_fake) rows of each set, drawn without
    replacement with ``generator`` (seed it for reproducible results).

    Returns (mean, std) over the subsets; the std is the population one, so one subset gives 0.
    The estimate is unbiased, so it can be slightly negative when the sets match.
    """
    real, fake = _pair(real, fake)
    if subsets < 1:
        raise MinimaxlabError(f"subsets must be at least 1, got {subsets}")
    if subset_size < 2:
        raise MinimaxlabError(f"subset_size must be at least 2, got {subset_size}")
    _require(real, 2, "real", "the kernel distance")
    _require(fake, 2, "fake", "the kernel distance")
    size = min(subset_size, real.shape[0], fake.shape[0])
    estimates = []
    for _ in range(subsets):
        real_rows = _draw(real.shape[0], size, generator).to(real.device)
        fake_rows = _draw(fake.shape[0], size, generator).to(real.device)
        estimates.append(_unbiased_mmd2(real[real_rows], fake[fake_rows]))
    values = torch.stack(estimates)
    return float(values.mean()), float(values.std(correction=0))


# --- Nearest-neighbour metrics ------------------------------------------------------------------


def euclidean_distances(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Euclidean distances between the rows of ``a`` and ``b``.

    The direct formula rather than ‖a‖² + ‖b‖² − 2aᵀb: each distance is then accurate, does not
    depend on which block it is computed in, equal differences give equal distances (ties stay
    ties), and a sample's distance to itself is exactly 0.
    """
    return torch.cdist(a, b, compute_mode="donot_use_mm_for_euclid_dist")


def _knn_radii(x: torch.Tensor, k: int, chunk_size: int) -> torch.Tensor:
    """Each row's distance to its k-th nearest neighbour among the other rows of ``x``."""
    radii = [
        # k + 1: the smallest distance in each row is the sample's own 0.
        euclidean_distances(block, x).kthvalue(k + 1, dim=1).values
        for block in x.split(chunk_size)
    ]
    return torch.cat(radii)


def precision_recall(
    real: torch.Tensor, fake: torch.Tensor, k: int = 3, chunk_size: int = DEFAULT_CHUNK_SIZE
) -> tuple[float, float]:
    """Improved precision and recall (Kynkäänniemi et al. 2019).

    Each sample gets a ball whose radius is the distance to its k-th nearest neighbour in its own
    set. Precision is the fraction of fake samples inside at least one real ball (fidelity);
    recall is the fraction of real samples inside at least one fake ball (diversity). "Inside"
    is strict (distance < radius), as in the reference code (clovaai/generative-evaluation-prdc),
    so a point exactly on a ball's edge is outside it. Distances are computed ``chunk_size`` rows
    at a time, so memory grows with chunk_size × N, not N².
    """
    real, fake = _pair(real, fake)
    _check_k(k, chunk_size)
    _require(real, k + 1, "real", f"k={k}")
    _require(fake, k + 1, "fake", f"k={k}")
    real_radii = _knn_radii(real, k, chunk_size)
    fake_radii = _knn_radii(fake, k, chunk_size)
    fake_in_real_ball = []
    real_in_fake_ball = torch.zeros(real.shape[0], dtype=torch.bool, device=real.device)
    for block, block_radii in zip(
        fake.split(chunk_size), fake_radii.split(chunk_size), strict=True
    ):
        distances = euclidean_distances(block, real)  # block rows × real rows
        fake_in_real_ball.append((distances < real_radii).any(dim=1))
        real_in_fake_ball |= (distances < block_radii[:, None]).any(dim=0)
    precision = torch.cat(fake_in_real_ball).double().mean()
    return float(precision), float(real_in_fake_ball.double().mean())


def density_coverage(
    real: torch.Tensor, fake: torch.Tensor, k: int = 5, chunk_size: int = DEFAULT_CHUNK_SIZE
) -> tuple[float, float]:
    """Density and coverage (Naeem et al. 2020), both from balls around the real samples only.

    Each real sample's radius is the distance to its k-th nearest real neighbour.
    Density = (1 / kM) Σ_j Σ_i 1[‖f_j − r_i‖ < radius_i] over the M fakes: about 1 when the fakes
    follow the real distribution, above 1 when they crowd into dense regions. Coverage is the
    fraction of real samples whose ball holds at least one fake. Strict ``<`` at the radius, as
    in the reference code (clovaai/generative-evaluation-prdc).
    """
    real, fake = _pair(real, fake)
    _check_k(k, chunk_size)
    _require(real, k + 1, "real", f"k={k}")
    _require(fake, 1, "fake", "density and coverage")
    real_radii = _knn_radii(real, k, chunk_size)
    ball_hits = 0  # (fake, real ball containing it) pairs: an exact integer whatever the chunks
    covered = torch.zeros(real.shape[0], dtype=torch.bool, device=real.device)
    for block in fake.split(chunk_size):
        inside = euclidean_distances(block, real) < real_radii  # block rows × real rows
        ball_hits += int(inside.sum())
        covered |= inside.any(dim=0)
    density = ball_hits / (k * fake.shape[0])
    return density, float(covered.double().mean())


# --- Class balance ------------------------------------------------------------------------------


def class_histogram(predictions: torch.Tensor, num_classes: int) -> torch.Tensor:
    """The fraction of samples predicted as each class (float64, on the CPU, sums to 1).

    ``predictions`` are class indices, one per sample: take the argmax of a classifier's logits.
    """
    if num_classes < 1:
        raise MinimaxlabError(f"num_classes must be at least 1, got {num_classes}")
    if (
        not isinstance(predictions, torch.Tensor)
        or predictions.ndim != 1
        or predictions.is_floating_point()
        or predictions.is_complex()
        or predictions.dtype == torch.bool
    ):
        raise MinimaxlabError(
            "predictions must be a 1-D integer tensor of class indices; "
            "take the argmax of the classifier's logits"
        )
    if predictions.numel() == 0:
        raise MinimaxlabError("predictions are empty; classify at least one sample")
    low, high = int(predictions.min()), int(predictions.max())
    if low < 0 or high >= num_classes:
        raise MinimaxlabError(
            f"predictions must lie in 0..{num_classes - 1}, got values from {low} to {high}; "
            "check num_classes"
        )
    counts = torch.bincount(predictions.cpu().long(), minlength=num_classes).double()
    return counts / counts.sum()


def kl_to_uniform(histogram: torch.Tensor) -> float:
    """KL(h ‖ uniform) = Σ_c h_c log(h_c K) in nats, with 0 · log 0 = 0: 0 for perfectly
    balanced classes, log K when every sample falls in one class."""
    h = torch.as_tensor(histogram, dtype=torch.float64)
    if h.ndim != 1 or h.numel() == 0:
        raise MinimaxlabError(f"a histogram must be a non-empty 1-D tensor, got {tuple(h.shape)}")
    if (h < 0).any() or abs(float(h.sum()) - 1) > 1e-6:
        raise MinimaxlabError(
            "a histogram must hold non-negative fractions that sum to 1; use class_histogram"
        )
    # xlogy(0, ·) = 0: a class that is never predicted adds nothing.
    return float(torch.special.xlogy(h, h * h.numel()).sum())


# --- All at once --------------------------------------------------------------------------------


def compare_features(
    real: torch.Tensor,
    fake: torch.Tensor,
    fake_predictions: torch.Tensor | None = None,
    num_classes: int | None = None,
    generator: torch.Generator | None = None,
) -> dict[str, float | list[float]]:
    """Every metric above for one pair of feature sets, with the default settings.

    Keys: frechet_distance, kid_mean, kid_std, precision, recall, density, coverage; with
    ``fake_predictions`` (class indices of the fake samples) also class_kl_to_uniform and
    class_histogram (a list of fractions). ``generator`` draws the KID subsets.
    """
    real, fake = _pair(real, fake)  # once, rather than in every metric
    results: dict[str, float | list[float]] = {}
    if fake_predictions is not None:  # checked first: a mistake here should not wait for the rest
        if num_classes is None:
            raise MinimaxlabError("fake_predictions were given without num_classes; pass both")
        histogram = class_histogram(fake_predictions, num_classes)
        if len(fake_predictions) != fake.shape[0]:
            raise MinimaxlabError(
                f"there are {len(fake_predictions)} fake predictions for {fake.shape[0]} fake "
                "samples; classify exactly the samples whose features are compared"
            )
    results["frechet_distance"] = frechet_distance(real, fake)
    results["kid_mean"], results["kid_std"] = kernel_distance(real, fake, generator=generator)
    results["precision"], results["recall"] = precision_recall(real, fake)
    results["density"], results["coverage"] = density_coverage(real, fake)
    if fake_predictions is not None:
        results["class_kl_to_uniform"] = kl_to_uniform(histogram)
        results["class_histogram"] = histogram.tolist()
    return results
