import pytest
import torch
from torch import nn

from minimaxlab.errors import MinimaxlabError
from minimaxlab.latent.paths import latent_path_between, least_change_path, path_energy
from minimaxlab.models.mlp import MLPGenerator


class Identity2D(nn.Module):
    latent_dim = 2

    def forward(self, z):
        return z


def test_path_energy_by_hand_on_an_identity_generator():

    a, b = torch.tensor([0.0, 0.0]), torch.tensor([2.0, 0.0])  # distance D = 2
    path = torch.stack([a, (a + b) / 2, b])
    u, image_energy = path_energy(Identity2D(), path, a, b)
    # f = D², D²/2, D² at the three points; each segment is D/2 long:
    # U = ½(D² + D²/2)·D/2 + ½(D²/2 + D²)·D/2 = ¾ D³ = 6; image energy = 2 · (D/2)² = 2
    assert u.item() == pytest.approx(6.0)
    assert image_energy.item() == pytest.approx(2.0)


def trapezoid_energies(generator, path, x_a, x_b) -> tuple[float, float]:
    """(U, image energy) of a path, written out segment by segment in float64."""
    with torch.no_grad():
        images = generator(path).double()
    x_a, x_b, path = x_a.double(), x_b.double(), path.double()
    f = [float((g - x_a).pow(2).sum() + (g - x_b).pow(2).sum()) for g in images]
    u = image_energy = 0.0
    for k in range(len(path) - 1):
        u += 0.5 * (f[k] + f[k + 1]) * float((path[k + 1] - path[k]).norm())
        image_energy += float((images[k + 1] - images[k]).pow(2).sum())
    return u, image_energy


def test_the_optimised_path_keeps_its_ends_and_never_beats_itself_backwards():

    torch.manual_seed(0)
    generator = MLPGenerator(latent_dim=4, widths=(16,)).eval()
    z_a, z_b = torch.randn(4), torch.randn(4)
    with torch.no_grad():
        x_a, x_b = generator(z_a[None])[0], generator(z_b[None])[0]
    result = least_change_path(generator, z_a, z_b, x_a, x_b, points=8, steps=200, lr=0.05)
    assert torch.equal(result.optimised[0], z_a) and torch.equal(result.optimised[-1], z_b)
    assert result.optimised.shape == result.straight.shape == (8, 4)
    assert result.optimised_u < result.straight_u  # a curved G: the straight line is not best
    t = torch.linspace(0, 1, 8)[:, None]
    assert torch.allclose(result.straight, z_a + t * (z_b - z_a), atol=1e-6)
    # The reported numbers are those of the returned paths, recomputed here independently.
    for path, reported_u, reported_image_energy in (
        (result.straight, result.straight_u, result.straight_image_energy),
        (result.optimised, result.optimised_u, result.optimised_image_energy),
    ):
        u, image_energy = trapezoid_energies(generator, path, x_a, x_b)
        assert reported_u == pytest.approx(u, rel=1e-5)
        assert reported_image_energy == pytest.approx(image_energy, rel=1e-5)
    # One wild Adam step (each coordinate moves by about lr = 10) makes the path far longer:
    # the result must be the straight line again, with the straight line's U, not the step's.
    few = least_change_path(generator, z_a, z_b, x_a, x_b, points=8, steps=1, lr=10.0)
    wild = few.straight.clone()
    wild[1:-1] += 10.0
    assert trapezoid_energies(generator, wild, x_a, x_b)[0] > 10 * few.straight_u
    assert torch.equal(few.optimised, few.straight)
    assert few.optimised_u == few.straight_u
    u, _ = trapezoid_energies(generator, few.optimised, x_a, x_b)
    assert few.optimised_u == pytest.approx(u, rel=1e-5) and few.optimised_u <= few.straight_u
    with pytest.raises(MinimaxlabError, match="--points must be at least 3"):
        least_change_path(generator, z_a, z_b, x_a, x_b, points=2)


def test_the_latent_path_between_two_images_inverts_them_then_optimises():

    torch.manual_seed(0)
    generator = MLPGenerator(latent_dim=4, widths=(16,)).eval()
    with torch.no_grad():
        targets = generator(torch.randn(2, 4))
    found = latent_path_between(
        generator, targets, points=5, steps=30, invert_steps=200, restarts=2, seed=1
    )
    assert found.strips.shape == (10, 1, 28, 28)  # the straight path's 5 images, the optimised
    with torch.no_grad():
        assert torch.allclose(found.strips[:5], generator(found.path.straight))
    # the ends are the inverted codes, so their images are close to the targets
    assert max(found.inversion_errors) < 0.1 * targets[0].numel()
    numbers = found.numbers()
    assert numbers["optimised"]["U"] <= numbers["straight"]["U"] == found.path.straight_u
    assert numbers["inversion_errors"] == list(found.inversion_errors)
