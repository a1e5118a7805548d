import pytest
import torch
import torch.nn.functional as F

from minimaxlab.gan.losses import (
    BCELoss,
    WassersteinGPLoss,
    bce_discriminator_loss,
    gradient_penalty,
    non_saturating_generator_loss,
    saturating_generator_loss,
)


def test_bce_losses_match_binary_cross_entropy_on_probabilities():
    torch.manual_seed(0)
    real, fake = torch.randn(32, dtype=torch.float64), torch.randn(32, dtype=torch.float64)
    p_real, p_fake = torch.sigmoid(real), torch.sigmoid(fake)
    expected_d = F.binary_cross_entropy(p_real, torch.ones_like(p_real)) + F.binary_cross_entropy(
        p_fake, torch.zeros_like(p_fake)
    )
    assert torch.allclose(bce_discriminator_loss(real, fake), expected_d)
    assert torch.allclose(non_saturating_generator_loss(fake), -torch.log(p_fake).mean())
    assert torch.allclose(saturating_generator_loss(fake), torch.log(1 - p_fake).mean())


def test_losses_stay_finite_for_extreme_logits():
    logits = torch.tensor([-200.0, 200.0], requires_grad=True)
    for loss in (
        bce_discriminator_loss(logits, logits),
        non_saturating_generator_loss(logits),
        saturating_generator_loss(logits),
    ):
        (grad,) = torch.autograd.grad(loss, logits)
        assert torch.isfinite(loss) and torch.isfinite(grad).all()


def test_saturating_form_vanishes_where_the_non_saturating_one_does_not():
    # When D confidently rejects a fake (logit −6), the minimax loss gives G almost no gradient.
    logit = torch.tensor([-6.0], requires_grad=True)
    (saturating,) = torch.autograd.grad(saturating_generator_loss(logit), logit)
    (non_saturating,) = torch.autograd.grad(non_saturating_generator_loss(logit), logit)
    assert abs(saturating.item()) < 0.01 < abs(non_saturating.item())
    assert saturating.item() == pytest.approx(-torch.sigmoid(logit).item())


def test_loss_objects_call_the_discriminator_and_report_beliefs():
    def discriminator(x):
        return x.sum(dim=1)

    real, fake = torch.full((4, 2), 3.0), torch.full((4, 2), -3.0)
    loss, real_out, fake_out = BCELoss().discriminator_loss(discriminator, real, fake)
    assert torch.equal(real_out, torch.full((4,), 6.0)) and torch.equal(fake_out, -real_out)
    assert loss.item() == pytest.approx(2 * F.softplus(torch.tensor(-6.0)).item())
    assert BCELoss().belief(real_out).item() == pytest.approx(
        torch.sigmoid(torch.tensor(6.0)).item()
    )
    assert BCELoss(saturating=True).generator_loss(discriminator, fake).item() < 0


def test_gradient_penalty_of_a_linear_critic_is_its_weight_norm_minus_one_squared():
    weight = torch.tensor([3.0, 4.0], dtype=torch.float64)  # ‖w‖ = 5: penalty (5 − 1)² = 16

    def critic(x):
        return x @ weight

    real, fake = torch.randn(6, 2, dtype=torch.float64), torch.randn(6, 2, dtype=torch.float64)
    assert gradient_penalty(critic, real, fake).item() == pytest.approx(16.0)


def test_gradient_penalty_by_hand_with_one_coefficient_per_sample():
    # D(x) = ½‖x‖² has ∇D(x̂) = x̂, so the penalty is mean_i (‖x̂_i‖ − 1)².
    def critic(x):
        return 0.5 * x.flatten(1).pow(2).sum(1)

    real = torch.tensor([[[[2.0, 0.0]]], [[[0.0, 4.0]]]], dtype=torch.float64)  # N×1×1×2
    fake = torch.zeros_like(real)
    epsilon = torch.tensor([0.5, 0.25], dtype=torch.float64)
    # x̂ = (1, 0) and (0, 1): both norms are 1, so the penalty is exactly 0.
    assert gradient_penalty(critic, real, fake, epsilon).item() == pytest.approx(0.0)
    epsilon = torch.tensor([1.0, 1.0], dtype=torch.float64)  # norms 2 and 4: ((1)² + (3)²) / 2
    assert gradient_penalty(critic, real, fake, epsilon).item() == pytest.approx(5.0)


def test_gradient_penalty_of_a_linear_plus_quadratic_critic_in_closed_form():
    # D(x) = wᵀx + ½c‖x‖² has ∇D(x̂) = w + c·x̂, so each norm is ‖w + c·x̂_i‖ by hand.
    generator = torch.Generator().manual_seed(0)
    real = torch.randn(8, 3, 2, 2, generator=generator, dtype=torch.float64)
    fake = torch.randn(8, 3, 2, 2, generator=generator, dtype=torch.float64)
    epsilon = torch.rand(8, generator=generator, dtype=torch.float64)
    w, c = torch.randn(12, generator=generator, dtype=torch.float64), 0.7

    def critic(x):
        flat = x.flatten(1)
        return flat @ w + 0.5 * c * flat.pow(2).sum(1)

    mixed = epsilon[:, None] * real.flatten(1) + (1 - epsilon[:, None]) * fake.flatten(1)
    expected = ((w + c * mixed).norm(dim=1) - 1).pow(2).mean()
    assert gradient_penalty(critic, real, fake, epsilon).item() == pytest.approx(
        expected.item(), rel=1e-12
    )
    # ε weights the real sample: the mirrored mix gives another value on this critic.
    assert gradient_penalty(critic, fake, real, epsilon).item() != pytest.approx(expected.item())


def per_sample_penalty(critic, real, fake, epsilon):
    """The penalty one sample at a time, each gradient from its own autograd call."""
    terms = []
    for r, f, e in zip(real, fake, epsilon, strict=True):
        point = (e * r + (1 - e) * f).detach().requires_grad_(True)
        (gradient,) = torch.autograd.grad(critic(point[None]).sum(), point)
        terms.append((gradient.flatten().norm() - 1) ** 2)
    return torch.stack(terms).mean()


def test_gradient_penalty_of_a_nonlinear_critic_matches_a_per_sample_computation():
    torch.manual_seed(0)
    critic = torch.nn.Sequential(
        torch.nn.Flatten(), torch.nn.Linear(8, 16), torch.nn.Tanh(), torch.nn.Linear(16, 1)
    ).double()

    def score(x):
        return critic(x).squeeze(1)

    real, fake = torch.randn(6, 2, 2, 2).double(), torch.randn(6, 2, 2, 2).double()
    torch.manual_seed(1)
    penalty = gradient_penalty(score, real, fake)  # ε drawn inside: U[0, 1], one per sample
    torch.manual_seed(1)
    epsilon = torch.rand(6, dtype=torch.float64)
    expected = per_sample_penalty(score, real, fake, epsilon)
    assert expected.item() > 1e-3
    assert penalty.item() == pytest.approx(expected.item(), rel=1e-12)


def test_the_gradient_penalty_trains_the_critic():
    # D(x) = wᵀx: the penalty is (‖w‖ − 1)², whose gradient in w is 2(‖w‖ − 1)·w/‖w‖.
    weight = torch.tensor([3.0, 4.0], dtype=torch.float64, requires_grad=True)
    real, fake = torch.randn(5, 2, dtype=torch.float64), torch.randn(5, 2, dtype=torch.float64)
    penalty = gradient_penalty(lambda x: x @ weight, real, fake)
    (gradient,) = torch.autograd.grad(penalty, weight)
    expected = 2 * (5 - 1) * torch.tensor([3.0, 4.0], dtype=torch.float64) / 5
    assert torch.allclose(gradient, expected, rtol=1e-12, atol=0)


def test_each_sample_gets_its_own_interpolation_coefficient():
    seen = []

    def critic(x):
        seen.append(x.detach())
        return x.flatten(1).sum(1)

    torch.manual_seed(0)
    real, fake = torch.ones(64, 1, 4, 4), torch.zeros(64, 1, 4, 4)
    gradient_penalty(critic, real, fake)
    (mixed,) = seen
    per_sample = mixed.flatten(1)
    assert torch.allclose(per_sample, per_sample[:, :1].expand_as(per_sample))  # one ε per image
    coefficients = per_sample[:, 0]
    assert coefficients.unique().numel() == 64 and 0 <= coefficients.min() < coefficients.max() <= 1


def test_wasserstein_losses_have_the_critics_signs():
    def critic(x):
        return x.flatten(1).sum(1)  # gradient norm √2 for 1×1×2 inputs

    real, fake = torch.full((3, 1, 1, 2), 2.0), torch.full((3, 1, 1, 2), -1.0)
    loss, real_out, _ = WassersteinGPLoss(gp_weight=10.0).discriminator_loss(critic, real, fake)
    penalty = (2**0.5 - 1) ** 2
    assert loss.item() == pytest.approx(-2.0 - 4.0 + 10.0 * penalty, rel=1e-6)
    assert WassersteinGPLoss().generator_loss(critic, fake).item() == pytest.approx(2.0)
    assert WassersteinGPLoss().belief(real_out).item() == pytest.approx(4.0)


def test_latent_smoothness_of_a_linear_generator_is_the_squared_gain():
    from minimaxlab.gan.losses import latent_smoothness_penalty

    def generator(z):
        return 2.0 * z  # every unit step in latent space moves the image by 2

    codes = torch.randn(16, 5, dtype=torch.float64)
    for step in (0.01, 1.0):
        penalty = latent_smoothness_penalty(generator, codes, generator(codes), step)
        assert penalty.item() == pytest.approx(4.0)


def test_hinge_losses_follow_their_formulas():
    from minimaxlab.gan.losses import HingeLoss, hinge_discriminator_loss, hinge_generator_loss

    real, fake = torch.tensor([2.0, 0.5, -1.0]), torch.tensor([-2.0, 0.0, 1.0])
    # real: max(0, 1 − x) = 0, 0.5, 2; fake: max(0, 1 + x) = 0, 1, 2
    assert float(hinge_discriminator_loss(real, fake)) == pytest.approx(2.5 / 3 + 3 / 3)
    assert float(hinge_generator_loss(fake)) == pytest.approx(1 / 3)
    loss, real_out, _ = HingeLoss().discriminator_loss(lambda x: x, real, fake)
    assert torch.equal(real_out, real) and float(loss) == pytest.approx(2.5 / 3 + 1)
    assert float(HingeLoss().generator_loss(lambda x: x, fake)) == pytest.approx(1 / 3)
    assert float(HingeLoss().belief(real)) == pytest.approx(0.5)
