"""The BigGAN-style conditional GAN against the SPEC (cgan-fashion): shapes at every block,
conditional batch norm, the projection term, spectral norm."""

import pytest
import torch
import torch.nn.functional as F

from minimaxlab.models.cgan import (
    ConditionalBatchNorm,
    ConditionalGenerator,
    ProjectionDiscriminator,
)


def small_generator():
    torch.manual_seed(0)
    return ConditionalGenerator(latent_dim=8, num_classes=3, embedding_dim=4, channels=4)


def test_generator_shapes_at_every_block():
    generator = small_generator()
    shapes = []
    for block in generator.blocks:
        block.register_forward_hook(lambda m, i, o: shapes.append(tuple(o.shape)))
    images = generator(torch.randn(5, 8), torch.tensor([0, 1, 2, 0, 1]))
    assert shapes == [(5, 8, 14, 14), (5, 4, 28, 28)]  # 16 channels at 7×7 first
    assert images.shape == (5, 1, 28, 28) and images.abs().max() <= 1
    assert generator.chunk == 4 and generator.widths == [16, 8, 4]


def test_discriminator_shapes_at_every_block():
    torch.manual_seed(0)
    discriminator = ProjectionDiscriminator(num_classes=3, channels=4)
    shapes = []
    for block in discriminator.blocks:
        block.register_forward_hook(lambda m, i, o: shapes.append(tuple(o.shape)))
    logits = discriminator(torch.randn(5, 1, 28, 28), torch.tensor([0, 1, 2, 0, 1]))
    assert shapes == [(5, 4, 14, 14), (5, 8, 7, 7), (5, 16, 7, 7)]
    assert logits.shape == (5,)


def test_conditional_batch_norm_depends_on_both_the_z_chunk_and_the_class():
    generator = small_generator().eval()
    seen = []
    generator.blocks[0].norm1.register_forward_hook(lambda m, i, o: seen.append((i[1], o)))
    codes = torch.randn(1, 8)
    moved_first_chunk = codes.clone()
    moved_first_chunk[0, :4] += 1.0  # the chunk of the first block
    moved_second_chunk = codes.clone()
    moved_second_chunk[0, 4:] += 1.0  # the other block's chunk
    with torch.no_grad():
        for z, y in ((codes, 0), (moved_first_chunk, 0), (codes, 1), (moved_second_chunk, 0)):
            generator(z, torch.tensor([y]))
    (c0, _), (c_chunk, _), (c_class, _), (c_other, _) = seen
    assert torch.equal(c0[:, :4], codes[:, :4]) and not torch.equal(c0, c_chunk)
    assert not torch.equal(c0, c_class)  # the class embedding is part of the condition
    assert torch.equal(c0, c_other)  # the first block's norms see only their own chunk
    # with the same input activations, the norm's output changes with chunk and class
    norm = generator.blocks[0].norm1
    x = torch.randn(1, 16, 7, 7)
    outputs = [norm(x, c) for c in (c0, c_chunk, c_class)]
    assert not torch.allclose(outputs[0], outputs[1]) and not torch.allclose(outputs[0], outputs[2])


def test_conditional_batch_norm_is_gain_and_bias_of_the_condition():
    torch.manual_seed(0)
    norm = ConditionalBatchNorm(3, 2).eval()
    x, condition = torch.randn(4, 3, 2, 2), torch.randn(4, 2)
    expected = norm.norm(x) * (1 + norm.gain(condition))[:, :, None, None]
    expected = expected + norm.bias(condition)[:, :, None, None]
    assert torch.allclose(norm(x, condition), expected)


def test_projection_term_equals_the_inner_product_of_embedding_and_features():
    torch.manual_seed(0)
    discriminator = ProjectionDiscriminator(num_classes=3, channels=4).eval()
    images, labels = torch.randn(6, 1, 28, 28), torch.tensor([0, 1, 2, 2, 1, 0])
    with torch.no_grad():
        h = discriminator.features(images)
        embedded = discriminator.embedding(labels)
        expected = discriminator.linear(h).squeeze(1) + (embedded * h).sum(1)
        logits = discriminator(images, labels)
        other = discriminator(images, (labels + 1) % 3)
    assert torch.allclose(logits, expected, atol=1e-5)
    # the class enters only through the projection
    assert torch.allclose(
        logits - other,
        (embedded * h).sum(1) - discriminator.projection(h, (labels + 1) % 3),
        atol=1e-5,
    )


@pytest.mark.parametrize("layer", ["stem", "head"])
def test_spectral_norm_keeps_the_largest_singular_value_near_one(layer):
    generator = small_generator().train()
    for _ in range(30):  # power iterations run in training-mode forwards
        generator(torch.randn(2, 8), torch.tensor([0, 1]))
    weight = getattr(generator, layer).weight
    sigma = torch.linalg.matrix_norm(weight.detach().flatten(1), ord=2)
    original = getattr(generator, layer).parametrizations.weight.original
    assert abs(float(sigma) - 1) < 0.05
    assert torch.linalg.matrix_norm(original.detach().flatten(1), ord=2) != pytest.approx(
        1, abs=0.05
    )


def test_class_weights_mix_the_class_embeddings():
    generator = small_generator().eval()
    weights = torch.tensor([[0.25, 0.75, 0.0]])
    mixed = 0.25 * generator.embedding.weight[0] + 0.75 * generator.embedding.weight[1]
    assert torch.allclose(generator.class_embedding(weights)[0], mixed)
    one_hot = F.one_hot(torch.tensor([2]), 3).float()
    codes = torch.randn(1, 8)
    with torch.no_grad():
        assert torch.allclose(generator(codes, one_hot), generator(codes, torch.tensor([2])))


def test_sample_draws_the_classes_it_is_given_and_random_ones_otherwise():
    generator = small_generator().eval()
    labels = torch.tensor([2, 2, 0])
    a = generator.sample(3, labels=labels, generator=torch.Generator().manual_seed(1))
    b = generator(torch.randn(3, 8, generator=torch.Generator().manual_seed(1)), labels)
    assert torch.allclose(a, b)
    assert generator.sample(4, generator=torch.Generator().manual_seed(1)).shape == (4, 1, 28, 28)
    with pytest.raises(ValueError, match="equal chunks"):
        ConditionalGenerator(latent_dim=9)
