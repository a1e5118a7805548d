"""The quantities of the plane: I(x; z) through the aggregate posterior against the exact value
for a linear-Gaussian encoder on Gaussian data, I ≤ R there, active units, and D/R/ELBO of a
tiny VAE."""

import math

import torch

from minimaxlab.models.vae import ConvDecoder, ConvEncoder
from minimaxlab.vae.posterior import gaussian_kl
from minimaxlab.vae.quantities import (
    active_units,
    aggregate_information,
    encode_all,
    expected_codes,
    rate_distortion,
)

F64 = torch.float64


def linear_gaussian(n=2000, seed=0):
    """x ~ N(0, Σx), q(z|x) = N(A x, diag σ²): posteriors of n samples, and the exact I and R."""
    a = torch.tensor([[1.0, 0.5], [0.0, 0.8]], dtype=F64)
    cov_x = torch.diag(torch.tensor([2.0, 0.5], dtype=F64))
    sigma = torch.tensor([0.5, 0.7], dtype=F64)
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 2, generator=g, dtype=F64) @ cov_x.sqrt()
    signal = a @ cov_x @ a.T
    # I = ½ log det(I + Σe⁻¹ A Σx Aᵀ): Cov z = A Σx Aᵀ + Σe against Cov(z|x) = Σe
    exact_i = 0.5 * torch.logdet(torch.eye(2, dtype=F64) + torch.diag(sigma**-2) @ signal)
    # R = E_x KL[N(Ax, Σe) ‖ N(0, I)] = ½ (tr A Σx Aᵀ + Σσ² − k − Σ log σ²)
    exact_r = 0.5 * (signal.trace() + (sigma**2).sum() - 2 - (sigma**2).log().sum())
    return x @ a.T, sigma.log().expand(n, 2), float(exact_i), float(exact_r)


def test_the_aggregate_posterior_estimate_of_i_matches_the_linear_gaussian_value():
    mean, log_scale, exact_i, _ = linear_gaussian()
    estimate = aggregate_information(mean, log_scale, torch.Generator().manual_seed(1))
    assert abs(estimate - exact_i) < 0.03, (estimate, exact_i)


def test_i_is_at_most_the_rate_in_the_linear_gaussian_case():
    mean, log_scale, exact_i, exact_r = linear_gaussian()
    estimate = aggregate_information(mean, log_scale, torch.Generator().manual_seed(1))
    rate = float(gaussian_kl(mean, log_scale).mean())
    assert exact_i < exact_r and estimate < rate
    assert abs(rate - exact_r) < 0.15  # the sample's rate is near the exact one
    assert exact_r - exact_i > 0.2  # a gap the test can see: the prior is not q(z)


def test_i_of_the_aggregate_over_n_points_is_at_most_log_n():
    mean = torch.arange(10.0).repeat(2, 1).T * 100  # far apart: z tells the point
    estimate = aggregate_information(mean, torch.zeros(10, 2), torch.Generator().manual_seed(0))
    assert math.log(10) - 1e-6 < estimate <= math.log(10) + 1e-6


def test_active_units_count_coordinates_whose_mean_varies_over_x():
    codes = torch.stack(
        [torch.linspace(-1, 1, 50), torch.full((50,), 3.0), 0.05 * torch.randn(50)], 1
    )
    assert active_units(codes) == 1


def test_rate_distortion_of_a_tiny_vae_states_the_plane_and_its_bounds():
    torch.manual_seed(0)
    encoder, decoder = ConvEncoder(4), ConvDecoder(4)
    images = torch.rand(30, 1, 28, 28)
    for kind in ("gaussian", "echo"):
        q = encode_all(encoder, images, kind, clip=0.7, depth=6, batch=8)
        assert expected_codes(q).shape == (30, 4)
        numbers = rate_distortion(q, decoder, images, "bernoulli", 0.1, torch.Generator(), 8)
        assert math.isclose(numbers["elbo"], -(numbers["distortion"] + numbers["rate"]))
        if kind == "gaussian":  # x uniform on 30 images
            assert 0 <= numbers["information"] <= math.log(30) + 1e-9
        assert numbers["distortion"] > 0 and 0 <= numbers["active_units"] <= 4
    assert numbers["information"] == numbers["rate"]  # echo: exact
    assert numbers["rate"] >= -4 * math.log(0.7)  # S ≤ clip: at least that rate
