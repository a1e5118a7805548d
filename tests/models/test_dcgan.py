import pytest
import torch
from torch import nn

from minimaxlab.models.dcgan import DCGANDiscriminator, DCGANGenerator


def trainable(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def layer_shapes(model: nn.Module, x: torch.Tensor) -> list[tuple[str, tuple[int, ...]]]:
    shapes = []
    hooks = [
        module.register_forward_hook(
            lambda m, _, out: shapes.append((type(m).__name__, tuple(out.shape)))
        )
        for module in model.modules()
        if not list(module.children())
    ]
    model(x)
    for hook in hooks:
        hook.remove()
    return shapes


def test_parameter_counts_match_the_spec():
    assert trainable(DCGANGenerator()) == 2_305_472
    assert trainable(DCGANDiscriminator()) == 212_865


def test_generator_layers_and_shapes():
    shapes = layer_shapes(DCGANGenerator().eval(), torch.randn(3, 100))
    assert shapes == [
        ("Linear", (3, 12544)),
        ("BatchNorm1d", (3, 12544)),
        ("LeakyReLU", (3, 12544)),
        ("ConvTranspose2d", (3, 128, 7, 7)),
        ("BatchNorm2d", (3, 128, 7, 7)),
        ("LeakyReLU", (3, 128, 7, 7)),
        ("ConvTranspose2d", (3, 64, 14, 14)),
        ("BatchNorm2d", (3, 64, 14, 14)),
        ("LeakyReLU", (3, 64, 14, 14)),
        ("ConvTranspose2d", (3, 1, 28, 28)),
        ("Tanh", (3, 1, 28, 28)),
    ]


def test_discriminator_layers_and_shapes():
    shapes = layer_shapes(DCGANDiscriminator().eval(), torch.randn(3, 1, 28, 28))
    assert shapes == [
        ("Conv2d", (3, 64, 14, 14)),
        ("LeakyReLU", (3, 64, 14, 14)),
        ("Dropout", (3, 64, 14, 14)),
        ("Conv2d", (3, 128, 7, 7)),
        ("LeakyReLU", (3, 128, 7, 7)),
        ("Dropout", (3, 128, 7, 7)),
        ("Flatten", (3, 6272)),
        ("Linear", (3, 1)),
    ]


def test_generator_has_no_bias_and_the_sheets_activations():
    generator = DCGANGenerator()
    assert all(
        getattr(m, "bias", None) is None
        for m in generator.modules()
        if isinstance(m, (nn.Linear, nn.ConvTranspose2d))
    )
    slopes = {m.negative_slope for m in generator.modules() if isinstance(m, nn.LeakyReLU)}
    assert slopes == {0.3}
    dropouts = {m.p for m in DCGANDiscriminator().modules() if isinstance(m, nn.Dropout)}
    assert dropouts == {0.3}


def test_outputs_are_images_in_range_and_one_logit_per_image():
    images = DCGANGenerator().eval()(torch.randn(5, 100) * 10)
    assert images.shape == (5, 1, 28, 28)
    assert images.min() >= -1 and images.max() <= 1
    logits = DCGANDiscriminator()(images)
    assert logits.shape == (5,)


def test_generator_follows_the_generative_contract():
    from minimaxlab.generative import GenerativeModel

    generator = DCGANGenerator(latent_dim=16).eval()
    assert isinstance(generator, GenerativeModel)
    assert generator.latent_dim == 16 and generator.num_classes is None
    images = generator.sample(3, generator=torch.Generator().manual_seed(4))
    codes = torch.randn(3, 16, generator=torch.Generator().manual_seed(4))
    assert images.shape == (3, 1, 28, 28) and not images.requires_grad
    assert torch.allclose(images, generator(codes), atol=1e-6)  # codes drawn on the CPU at once
    with pytest.raises(ValueError, match="no class labels"):
        generator.sample(3, labels=torch.zeros(3, dtype=torch.long))
