import pytest
import torch
import torch.nn.functional as F

from minimaxlab.gan.losses import (
    BCELoss,
    bce_discriminator_loss,
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
