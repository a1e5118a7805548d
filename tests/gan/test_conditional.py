"""The conditional family on a hand-built iteration: labels reach G and D, d_steps D updates
then one G update on the reused last fakes, the hinge loss, and the hook after G's step."""

import contextlib

import pytest
import torch
import torch.nn.functional as F

from minimaxlab.errors import MinimaxlabError
from minimaxlab.gan.conditional import ConditionalFamily, judged_as
from minimaxlab.gan.family import GanIteration, RealBatch


class Recording(torch.nn.Module):
    """A conditional linear model that records the labels of every call."""

    def __init__(self, inputs, outputs, classes=3):
        super().__init__()
        self.linear = torch.nn.Linear(inputs, outputs)
        self.embed = torch.nn.Embedding(classes, outputs)
        self.labels = []

    def forward(self, x, labels):
        self.labels.append(labels.clone())
        return self.linear(x) + self.embed(labels)


def iteration(generator, discriminator, batches):
    noise_generator = torch.Generator().manual_seed(0)

    @contextlib.contextmanager
    def frozen():
        discriminator.requires_grad_(False)
        try:
            yield
        finally:
            discriminator.requires_grad_(True)

    critic = lambda x, y: discriminator(x, y).squeeze(1)  # noqa: E731
    return GanIteration(
        real=batches,
        generator=generator,
        discriminator=critic,
        frozen_discriminator=critic,
        generator_optimizer=torch.optim.SGD(generator.parameters(), lr=0.1),
        discriminator_optimizer=torch.optim.SGD(discriminator.parameters(), lr=0.1),
        noise=lambda n: torch.randn(n, 2, generator=noise_generator),
        noise_generator=noise_generator,
        autocast=contextlib.nullcontext,
        freeze_discriminator=frozen,
    )


def labelled_batches():
    draws = torch.Generator().manual_seed(1)
    return [
        RealBatch(torch.randn(4, 2, generator=draws), torch.tensor([0, 1, 2, 0])),
        RealBatch(torch.randn(4, 2, generator=draws), torch.tensor([2, 2, 1, 0])),
    ]


def test_two_d_updates_then_one_g_update_with_the_batches_labels():
    torch.manual_seed(0)
    generator, discriminator = Recording(2, 2), Recording(2, 1)
    hook_calls = []
    family = ConditionalFamily(after_generator_step=lambda: hook_calls.append(1))
    before = [p.clone() for p in generator.parameters()]
    logged = family.train_step(iteration(generator, discriminator, labelled_batches()))
    assert set(logged) == {"d_loss", "g_loss", "d_real", "d_fake"}
    # G made fakes for each batch's classes (the last pair reused by G's update: 2 calls)
    assert [y.tolist() for y in generator.labels] == [[0, 1, 2, 0], [2, 2, 1, 0]]
    # D judged real and fake of batch 1, of batch 2, then the fakes for G's update
    assert [y.tolist() for y in discriminator.labels] == [[0, 1, 2, 0]] * 2 + [[2, 2, 1, 0]] * 3
    assert hook_calls == [1]
    assert any(not torch.equal(a, b) for a, b in zip(before, generator.parameters(), strict=True))


def test_the_logged_losses_are_the_hinge_losses():
    torch.manual_seed(0)
    generator, discriminator = Recording(2, 2), Recording(2, 1)
    batches = labelled_batches()[:1]
    snapshot = (Recording(2, 2), Recording(2, 1))
    snapshot[0].load_state_dict(generator.state_dict())
    snapshot[1].load_state_dict(discriminator.state_dict())
    logged = ConditionalFamily().train_step(iteration(generator, discriminator, batches))
    codes = torch.randn(4, 2, generator=torch.Generator().manual_seed(0))
    real, labels = batches[0].data, batches[0].labels
    d = judged_as(lambda x, y: snapshot[1](x, y).squeeze(1), labels)
    with torch.no_grad():
        expected = F.relu(1 - d(real)).mean() + F.relu(1 + d(snapshot[0](codes, labels))).mean()
    assert float(logged["d_loss"]) == pytest.approx(float(expected), rel=1e-6)
    with torch.no_grad():
        assert float(logged["d_real"]) == pytest.approx(float(d(real).mean()), rel=1e-6)


def test_data_without_labels_is_a_one_line_error():
    generator, discriminator = Recording(2, 2), Recording(2, 1)
    batches = [RealBatch(torch.randn(4, 2), None)]
    with pytest.raises(MinimaxlabError, match="needs class labels"):
        ConditionalFamily().train_step(iteration(generator, discriminator, batches))
