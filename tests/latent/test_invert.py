import torch

from minimaxlab.latent.invert import invert
from minimaxlab.models.mlp import MLPGenerator


def test_inverting_the_generators_own_images_recovers_them():
    torch.manual_seed(0)
    generator = MLPGenerator(latent_dim=8, widths=(32, 64)).eval()
    known = torch.randn(2, 8)
    with torch.no_grad():
        targets = generator(known)
    result = invert(generator, targets, restarts=3, steps=400, lr=0.05, seed=1)
    assert result.codes.shape == (2, 3, 8) and result.errors.shape == (2, 3)
    assert result.reconstructions.shape == (2, 3, 1, 28, 28)
    assert result.errors.min(dim=1).values.max() < 1e-3 * targets[0].numel()  # near zero
    assert result.distances.shape == (2, 3, 3)
    assert torch.allclose(result.distances.diagonal(dim1=1, dim2=2), torch.zeros(2, 3))
    # the codes were optimised, the generator was not
    assert not any(p.requires_grad for p in generator.parameters())
    between = (result.codes[:, :, None] - result.codes[:, None]).norm(dim=3)
    assert torch.allclose(result.distances, between, rtol=1e-5, atol=1e-6)
    # agree(tolerance): the farthest pair of starts of an image is within the tolerance
    farthest = result.distances.flatten(1).max(dim=1).values
    assert (farthest > 0).all() and farthest[0] != farthest[1]
    assert result.agree(float(farthest.max())).all()  # the farthest pair on the edge counts
    assert not result.agree(float(farthest.min()) * (1 - 1e-4)).any()  # a hair less: none
    between_the_two = float(farthest.mean())
    assert result.agree(between_the_two).tolist() == (farthest <= between_the_two).tolist()


def test_inversion_is_batched_and_each_start_is_independent():
    torch.manual_seed(0)
    generator = MLPGenerator(latent_dim=4, widths=(16,)).eval()
    targets = torch.rand(3, 1, 28, 28) * 2 - 1
    changed = targets.clone()
    changed[0] = -changed[0]  # another first image; the same starts (same seed and shape)
    first = invert(generator, targets, restarts=2, steps=30, seed=5)
    second = invert(generator, changed, restarts=2, steps=30, seed=5)
    # Adam is elementwise and the loss a sum of per-code terms: image 1 and 2 do not notice
    assert torch.allclose(first.codes[1:], second.codes[1:], atol=1e-6)
    assert not torch.allclose(first.codes[0], second.codes[0])
