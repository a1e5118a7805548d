"""GAN losses on discriminator logits.

Each loss is an object with ``discriminator_loss`` and ``generator_loss``; both take the
discriminator itself, so losses that need its gradients (a gradient penalty) fit the same shape.
Every loss returns the scalar to minimise and the discriminator's outputs for logging.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

import torch
import torch.nn.functional as F

Critic = Callable[[torch.Tensor], torch.Tensor]


class GanLoss(Protocol):
    def discriminator_loss(
        self, discriminator: Critic, real: torch.Tensor, fake: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(loss, D's outputs on real, D's outputs on fake)."""
        ...

    def generator_loss(self, discriminator: Critic, fake: torch.Tensor) -> torch.Tensor: ...

    def belief(self, outputs: torch.Tensor) -> torch.Tensor:
        """What D's outputs say, averaged: a probability for BCE, a raw score for a critic."""
        ...


class JointCritic:
    """A discriminator that scores real and fake in one forward over both, concatenated
    (train.speed.joint_discriminator): one larger batch instead of two small ones. The same
    function as two calls only when D has no batch norm; the trainer refuses it otherwise."""

    def __init__(self, critic: Critic) -> None:
        self.critic = critic

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        return self.critic(x)

    def pair(self, real: torch.Tensor, fake: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        outputs = self.critic(torch.cat([real, fake]))
        return outputs[: real.shape[0]], outputs[real.shape[0] :]


def real_and_fake_outputs(
    discriminator: Critic, real: torch.Tensor, fake: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """D's outputs on ``real`` and on ``fake``: one forward when D is a JointCritic, else two."""
    if isinstance(discriminator, JointCritic):
        return discriminator.pair(real, fake)
    return discriminator(real), discriminator(fake)


def bce_discriminator_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    """BCE(D(x), 1) + BCE(D(G(z)), 0) on logits; softplus keeps it finite for any logit."""
    return F.softplus(-real_logits).mean() + F.softplus(fake_logits).mean()


def non_saturating_generator_loss(fake_logits: torch.Tensor) -> torch.Tensor:
    """BCE(D(G(z)), 1) = −log σ(D(G(z))): strong gradients while D still rejects the fakes."""
    return F.softplus(-fake_logits).mean()


def saturating_generator_loss(fake_logits: torch.Tensor) -> torch.Tensor:
    """The minimax form: minimise log(1 − σ(D(G(z)))) = −softplus(D(G(z)))."""
    return -F.softplus(fake_logits).mean()


class BCELoss:
    """The original GAN loss; ``saturating=True`` gives G the minimax form instead."""

    def __init__(self, saturating: bool = False) -> None:
        self.saturating = saturating

    def discriminator_loss(
        self, discriminator: Critic, real: torch.Tensor, fake: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        real_logits, fake_logits = real_and_fake_outputs(discriminator, real, fake)
        return bce_discriminator_loss(real_logits, fake_logits), real_logits, fake_logits

    def generator_loss(self, discriminator: Critic, fake: torch.Tensor) -> torch.Tensor:
        logits = discriminator(fake)
        if self.saturating:
            return saturating_generator_loss(logits)
        return non_saturating_generator_loss(logits)

    def belief(self, outputs: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(outputs).mean()


def gradient_penalty(
    critic: Critic, real: torch.Tensor, fake: torch.Tensor, epsilon: torch.Tensor | None = None
) -> torch.Tensor:
    """E[(‖∇D(x̂)‖₂ − 1)²] at x̂ = ε·real + (1 − ε)·fake, one ε ~ U[0, 1] per sample
    (Gulrajani et al. 2017). The graph is kept so that the penalty trains the critic."""
    if epsilon is None:
        epsilon = torch.rand(real.shape[0], device=real.device, dtype=real.dtype)
    epsilon = epsilon.view(-1, *([1] * (real.dim() - 1)))
    mixed = (epsilon * real + (1 - epsilon) * fake).requires_grad_(True)
    (gradients,) = torch.autograd.grad(critic(mixed).sum(), mixed, create_graph=True)
    norms = gradients.flatten(1).norm(dim=1)
    return ((norms - 1) ** 2).mean()


def latent_smoothness_penalty(
    generator: Callable[[torch.Tensor], torch.Tensor],
    codes: torch.Tensor,
    images: torch.Tensor,
    step: float,
    rng: torch.Generator | None = None,
) -> torch.Tensor:
    """Mean ‖G(z + εu) − G(z)‖² / ε² over random unit directions u: a finite-difference
    estimate of ‖J_G(z) u‖², the squared image change per unit of latent distance. Added to
    G's loss it keeps the generator from changing its images abruptly along latent paths."""
    directions = torch.randn(codes.shape, device=codes.device, dtype=codes.dtype, generator=rng)
    directions = directions / directions.norm(dim=1, keepdim=True)
    moved = generator(codes + step * directions)
    return (moved - images).pow(2).flatten(1).sum(1).mean() / step**2


class WassersteinGPLoss:
    """WGAN-GP: the critic minimises E[D(fake)] − E[D(real)] + λ·penalty; G, −E[D(G(z))]."""

    def __init__(self, gp_weight: float = 10.0) -> None:
        self.gp_weight = gp_weight

    def discriminator_loss(
        self, discriminator: Critic, real: torch.Tensor, fake: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        real_scores, fake_scores = real_and_fake_outputs(discriminator, real, fake)
        penalty = gradient_penalty(discriminator, real, fake)
        loss = fake_scores.mean() - real_scores.mean() + self.gp_weight * penalty
        return loss, real_scores, fake_scores

    def generator_loss(self, discriminator: Critic, fake: torch.Tensor) -> torch.Tensor:
        return -discriminator(fake).mean()

    def belief(self, outputs: torch.Tensor) -> torch.Tensor:
        return outputs.mean()  # a critic's score has no probability reading


def hinge_discriminator_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    """E[max(0, 1 − D(x))] + E[max(0, 1 + D(G(z)))]: the hinge loss of Lim & Ye 2017
    ("Geometric GAN"), as SN-GAN (Miyato et al. 2018) and BigGAN (Brock et al. 2019) train D;
    a logit already past the margin on its side gives no gradient."""
    return F.relu(1 - real_logits).mean() + F.relu(1 + fake_logits).mean()


def hinge_generator_loss(fake_logits: torch.Tensor) -> torch.Tensor:
    """−E[D(G(z))]: G's side of the hinge loss (the same papers)."""
    return -fake_logits.mean()


class HingeLoss:
    """The hinge loss on D's logits (see :func:`hinge_discriminator_loss`)."""

    def discriminator_loss(
        self, discriminator: Critic, real: torch.Tensor, fake: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        real_logits, fake_logits = discriminator(real), discriminator(fake)
        return hinge_discriminator_loss(real_logits, fake_logits), real_logits, fake_logits

    def generator_loss(self, discriminator: Critic, fake: torch.Tensor) -> torch.Tensor:
        return hinge_generator_loss(discriminator(fake))

    def belief(self, outputs: torch.Tensor) -> torch.Tensor:
        return outputs.mean()  # a margin score: above 1 is "surely real", below −1 "surely fake"


LOSS_NAMES = ("non-saturating", "saturating", "wgan-gp")


def make_loss(name: str, gp_weight: float = 10.0) -> GanLoss:
    """The loss called ``name``, one of ``LOSS_NAMES``."""
    if name == "wgan-gp":
        return WassersteinGPLoss(gp_weight)
    if name in ("non-saturating", "saturating"):
        return BCELoss(saturating=name == "saturating")
    raise ValueError(f"unknown GAN loss {name!r}; choose one of {', '.join(LOSS_NAMES)}")
