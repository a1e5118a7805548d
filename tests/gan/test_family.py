"""The default GAN family on a hand-built iteration: the plain GAN update, d_steps/g_steps, the
reuse of the last fake batch, and when it asks for float32."""

import contextlib
import copy

import pytest
import torch
import torch.nn.functional as F

from minimaxlab.gan.family import GanIteration, LossFamily, RealBatch
from minimaxlab.gan.losses import make_loss
from minimaxlab.models.toy import PointClassifier, PointGenerator


class Counting(torch.nn.Module):
    """``model`` that counts its forward passes."""

    def __init__(self, model):
        super().__init__()
        self.model, self.calls = model, 0

    def forward(self, *inputs):
        self.calls += 1
        return self.model(*inputs)


def tiny_models(seed=0):
    torch.manual_seed(seed)
    return PointGenerator(2, [8]), PointClassifier([8])


def iteration_of(generator, discriminator, batches, noise_seed=0):
    """What the trainer would hand the family, in one process, eagerly, in float32."""
    noise_generator = torch.Generator().manual_seed(noise_seed)

    @contextlib.contextmanager
    def frozen():
        discriminator.requires_grad_(False)
        try:
            yield
        finally:
            discriminator.requires_grad_(True)

    return GanIteration(
        real=[RealBatch(batch, None) for batch in batches],
        generator=generator,
        discriminator=discriminator,
        frozen_discriminator=discriminator,
        generator_optimizer=torch.optim.Adam(generator.parameters(), lr=1e-2),
        discriminator_optimizer=torch.optim.Adam(discriminator.parameters(), lr=1e-2),
        noise=lambda n: torch.randn(n, 2, generator=noise_generator),
        noise_generator=noise_generator,
        autocast=contextlib.nullcontext,
        freeze_discriminator=frozen,
    )


def real_batches(count, rows=16):
    return list(torch.randn(count, rows, 2, generator=torch.Generator().manual_seed(7)))


def test_one_step_is_the_plain_gan_update():
    generator, discriminator = tiny_models()
    reference_g, reference_d = copy.deepcopy(generator), copy.deepcopy(discriminator)
    (real,) = real_batches(1)
    logged = LossFamily(make_loss("non-saturating")).train_step(
        iteration_of(generator, discriminator, [real])
    )

    # the course's loop: D on real and detached fakes, then G through the frozen D
    g_opt = torch.optim.Adam(reference_g.parameters(), lr=1e-2)
    d_opt = torch.optim.Adam(reference_d.parameters(), lr=1e-2)
    fake = reference_g(torch.randn(16, 2, generator=torch.Generator().manual_seed(0)))
    real_logits, fake_logits = reference_d(real), reference_d(fake.detach())
    d_loss = F.softplus(-real_logits).mean() + F.softplus(fake_logits).mean()
    d_opt.zero_grad()
    d_loss.backward()
    d_opt.step()
    reference_d.requires_grad_(False)
    g_loss = F.softplus(-reference_d(fake)).mean()
    g_opt.zero_grad()
    g_loss.backward()
    g_opt.step()

    for mine, theirs in ((generator, reference_g), (discriminator, reference_d)):
        for a, b in zip(mine.parameters(), theirs.parameters(), strict=True):
            assert torch.equal(a, b)
    assert set(logged) == {"d_loss", "g_loss", "d_real", "d_fake"}
    assert all(v.dim() == 0 and not v.requires_grad for v in logged.values())
    assert torch.equal(logged["d_loss"], d_loss.detach())
    assert torch.equal(logged["g_loss"], g_loss.detach())
    assert torch.equal(logged["d_real"], torch.sigmoid(real_logits).mean().detach())
    assert all(p.requires_grad for p in discriminator.parameters())  # D unfrozen afterwards


@pytest.mark.parametrize(("d_steps", "g_steps"), [(1, 1), (3, 1), (1, 3), (3, 2)])
def test_d_steps_and_g_steps_count_updates_and_reuse_the_last_fake_batch(d_steps, g_steps):
    generator, discriminator = tiny_models()
    counting = Counting(generator)
    iteration = iteration_of(counting, discriminator, real_batches(d_steps))
    steps = {"generator": 0, "discriminator": 0}
    for name in steps:
        getattr(iteration, f"{name}_optimizer").register_step_post_hook(
            lambda *_, name=name: steps.__setitem__(name, steps[name] + 1)
        )
    frozen_during_g = []
    iteration.generator_optimizer.register_step_pre_hook(
        lambda *_: frozen_during_g.append(
            not any(p.requires_grad for p in discriminator.parameters())
        )
    )
    LossFamily(make_loss("non-saturating"), g_steps=g_steps).train_step(iteration)
    assert steps == {"generator": g_steps, "discriminator": d_steps}
    assert counting.calls == d_steps + g_steps - 1  # G's first update reuses D's last fakes
    assert frozen_during_g == [True] * g_steps


def test_the_smoothness_penalty_changes_g_and_draws_from_the_noise_stream():
    (real,) = real_batches(1)
    plain_g, plain_d = tiny_models()
    plain = iteration_of(plain_g, plain_d, [real])
    LossFamily(make_loss("non-saturating")).train_step(plain)
    smooth_g, smooth_d = tiny_models()
    smooth = iteration_of(smooth_g, smooth_d, [real])
    LossFamily(make_loss("non-saturating"), smoothness_weight=1.0).train_step(smooth)
    assert torch.equal(
        next(plain_d.parameters()), next(smooth_d.parameters())
    )  # D's update is the same
    assert not torch.equal(plain_g.net[0].weight, smooth_g.net[0].weight)
    # the penalty's random directions came from the checkpointed stream
    assert not torch.equal(plain.noise_generator.get_state(), smooth.noise_generator.get_state())


def test_float32_is_asked_for_second_derivatives_and_small_image_differences():
    assert not LossFamily(make_loss("non-saturating")).needs_float32
    assert not LossFamily(make_loss("saturating")).needs_float32
    assert LossFamily(make_loss("wgan-gp")).needs_float32  # the gradient penalty
    assert LossFamily(make_loss("non-saturating"), smoothness_weight=0.5).needs_float32


def test_after_generator_step_follows_every_g_update():
    generator, discriminator = tiny_models()
    iteration = iteration_of(generator, discriminator, real_batches(2))
    order = []
    iteration.generator_optimizer.register_step_post_hook(lambda *_: order.append("G"))
    family = LossFamily(
        make_loss("non-saturating"), g_steps=3, after_generator_step=lambda: order.append("avg")
    )
    family.train_step(iteration)
    assert order == ["G", "avg"] * 3
