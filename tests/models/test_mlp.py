import torch
from torch import nn

from minimaxlab.models.mlp import ConvGenerator, MLPDiscriminator, MLPGenerator


def linear_shapes(model):
    return [(m.in_features, m.out_features) for m in model.modules() if isinstance(m, nn.Linear)]


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
