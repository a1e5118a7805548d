import torch

from minimaxlab.generative import GenerativeModel
from minimaxlab.models.vae import ConvDecoder, ConvEncoder


def test_the_encoder_halves_twice_and_gives_two_heads_of_the_latent_size():
    encoder = ConvEncoder(16)
    first, second = encoder(torch.rand(3, 1, 28, 28))
    assert first.shape == second.shape == (3, 16)
    assert encoder.features[:2](torch.rand(1, 1, 28, 28)).shape == (1, 32, 14, 14)
    assert encoder.features[:4](torch.rand(1, 1, 28, 28)).shape == (1, 64, 7, 7)


def test_the_decoder_mirrors_it_and_is_a_generator_of_mean_images_in_minus_one_one():
    decoder = ConvDecoder(16)
    assert isinstance(decoder, GenerativeModel) and decoder.num_classes is None
    codes = torch.randn(4, 16)
    logits = decoder.logits(codes)
    assert logits.shape == (4, 1, 28, 28)
    assert torch.allclose(decoder(codes), 2 * torch.sigmoid(logits) - 1, atol=1e-6)
    samples = decoder.sample(5, generator=torch.Generator().manual_seed(0))
    assert samples.shape == (5, 1, 28, 28) and samples.abs().max() <= 1
