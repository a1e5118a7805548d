import pytest
import torch
from torch import nn

from minimaxlab.models.mlp import ConvGenerator, MLPDiscriminator, MLPGenerator


def linear_shapes(model):
    return [(m.in_features, m.out_features) for m in model.modules() if isinstance(m, nn.Linear)]


def trainable(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def test_parameter_counts_of_the_sheets_networks():
    # G: (100·128 + 128) + (128·256 + 256) + (256·512 + 512) + (512·1024 + 1024)
    #    + (1024·784 + 784) = 12,928 + 33,024 + 131,584 + 525,312 + 803,600
    assert trainable(MLPGenerator()) == 1_506_448
    # D: (784·512 + 512) + (512·256 + 256) + (256 + 1) = 401,920 + 131,328 + 257
    assert trainable(MLPDiscriminator()) == 533_505
    # The convolutional option: Linear(100→1024) 103,424, BN 2,048, Linear(1024→6272)
    # 6,428,800, BN 12,544, ConvT(128→64, 4×4) 131,136, BN 128, ConvT(64→32, 4×4) 32,800,
    # BN 64, Conv(32→1, 3×3) 289.
    assert trainable(ConvGenerator()) == 6_711_233


def test_mlp_generator_and_discriminator_follow_the_sheet():
    generator, discriminator = MLPGenerator(), MLPDiscriminator()
    assert linear_shapes(generator) == [
        (100, 128),
        (128, 256),
        (256, 512),
        (512, 1024),
        (1024, 784),
    ]
    assert linear_shapes(discriminator) == [(784, 512), (512, 256), (256, 1)]
    slopes = {
        m.negative_slope
        for m in [*generator.modules(), *discriminator.modules()]
        if isinstance(m, nn.LeakyReLU)
    }
    assert slopes == {0.2}
    images = generator(torch.randn(3, 100))
    assert images.shape == (3, 1, 28, 28) and images.abs().max() <= 1
    assert discriminator(images).shape == (3,)
    assert not any(isinstance(m, nn.modules.batchnorm._BatchNorm) for m in discriminator.modules())


def test_convolutional_generator_upsamples_7_14_28():
    generator = ConvGenerator().eval()
    shapes = []
    for module in generator.upsample:
        if isinstance(module, (nn.ConvTranspose2d, nn.Conv2d)):
            module.register_forward_hook(lambda m, _, out: shapes.append(tuple(out.shape[1:])))
    images = generator(torch.randn(2, 100))
    assert shapes == [(64, 14, 14), (32, 28, 28), (1, 28, 28)]
    assert images.shape == (2, 1, 28, 28) and images.abs().max() <= 1


@pytest.mark.parametrize("generator_class", [MLPGenerator, ConvGenerator])
def test_generators_follow_the_generative_contract(generator_class):
    from minimaxlab.generative import SAMPLE_BATCH, GenerativeModel

    generator = generator_class(latent_dim=5).eval()
    assert isinstance(generator, GenerativeModel)
    assert generator.latent_dim == 5 and generator.num_classes is None
    # More than one forward pass: still the codes one CPU draw of all of them gives.
    n = SAMPLE_BATCH + 3
    images = generator.sample(n, generator=torch.Generator().manual_seed(2))
    codes = torch.randn(n, 5, generator=torch.Generator().manual_seed(2))
    assert images.shape == (n, 1, 28, 28)
    with torch.no_grad():
        assert torch.allclose(images, generator(codes), atol=1e-5)
    again = generator.sample(n, generator=torch.Generator().manual_seed(2))
    assert torch.allclose(images, again, atol=1e-5)
    with pytest.raises(ValueError, match="no class labels"):
        generator.sample(2, labels=torch.zeros(2, dtype=torch.long))
