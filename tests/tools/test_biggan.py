"""`sample --biggan` and `interpolate --biggan` on a tiny random BigGAN saved by the test (no
network), and the one-line errors for a missing extra, missing files and a mismatched config."""

import json
import sys

import pytest
import torch
from PIL import Image

from tests.helpers import invoke

biggan = pytest.importorskip("pytorch_pretrained_biggan")

CONFIG = {
    "output_dim": 32,
    "z_dim": 8,
    "class_embed_dim": 8,
    "channel_width": 4,  # at least 3: the last convolution's first three channels are RGB
    "num_classes": 5,
    # (upsample, in, out) × channel_width: 4 → 8 → 16 → 32 px, halving the channels
    "layers": [[False, 16, 16], [True, 16, 8], [True, 8, 4], [True, 4, 2], [False, 2, 1]],
    "attention_layer_position": 2,
    "eps": 1e-4,
    "n_stats": 51,
}


@pytest.fixture
def tiny_biggan(tmp_path):
    folder = tmp_path / "biggan-tiny"
    folder.mkdir()
    torch.manual_seed(0)
    model = biggan.BigGAN(biggan.BigGANConfig.from_dict(CONFIG))
    with torch.no_grad():  # the package leaves its last batch norm's weights uninitialised
        model.generator.bn.weight.fill_(1.0)
        model.generator.bn.bias.zero_()
    torch.save(model.state_dict(), folder / "pytorch_model.bin")
    (folder / "config.json").write_text(json.dumps(CONFIG))
    return folder


def test_the_tiny_model_is_32_pixels_and_loads_through_the_contract(tiny_biggan):
    from minimaxlab.tools.biggan import load_biggan

    model = load_biggan(tiny_biggan, truncation=0.5)
    assert (model.latent_dim, model.num_classes, model.truncation) == (8, 5, 0.5)
    images = model.sample(3, labels=torch.tensor([0, 4, 2]), generator=torch.Generator())
    assert images.shape == (3, 3, 32, 32) and images.abs().max() <= 1
    weights = torch.zeros(1, 5)
    weights[0, 1] = 1.0
    codes = torch.randn(1, 8)
    with torch.no_grad():
        assert torch.allclose(model(codes, weights), model(codes, torch.tensor([1])))


def test_sample_writes_one_class_or_random_classes(tiny_biggan, tmp_path):
    for args in (["--class", "3"], []):
        out = tmp_path / f"s{len(args)}.png"
        result = invoke("sample", "--biggan", tiny_biggan, "--n", 4, "--out", out, *args)
        assert result.exit_code == 0, result.output
        with Image.open(out) as image:
            assert image.width == image.height > 64  # a 2×2 grid of 32 px images


def test_interpolate_writes_the_three_kinds(tiny_biggan, tmp_path):
    out = tmp_path / "strips"
    args = ["--classes", "0,1", "4,2", "--truncation", 0.4, "--steps", 2, "--out", out]
    result = invoke("interpolate", "--biggan", tiny_biggan, *args)
    assert result.exit_code == 0, result.output
    names = {p.name for p in out.iterdir()}
    assert names == {"same-class-linear.png", "class-mix.png", "class-and-z-linear.png"}


@pytest.mark.parametrize(
    ("setup", "args", "message"),
    [
        ("missing-weights", [], "has no pytorch_model.bin"),
        ("other-shape", [], "do not fit its config.json"),
        ("fine", ["--class", "5"], "class 5 is out of range: there are 5 classes"),
        ("fine", ["--truncation", "1.5"], "BigGAN's --truncation must lie in (0, 1]"),
        ("fine", ["--class", "tabby cat"], "ImageNet class names such as 'tabby cat' need"),
        ("nowhere", [], "no such folder and no model name"),
    ],
)
def test_errors_are_one_line(tiny_biggan, tmp_path, monkeypatch, setup, args, message):
    monkeypatch.setitem(sys.modules, "nltk", None)  # names need nltk: absent here
    folder = tiny_biggan
    if setup == "missing-weights":
        (folder / "pytorch_model.bin").unlink()
    elif setup == "other-shape":
        (folder / "config.json").write_text(json.dumps({**CONFIG, "num_classes": 7}))
    elif setup == "nowhere":
        folder = tmp_path / "absent"
    result = invoke("sample", "--biggan", folder, "--out", tmp_path / "x.png", *args)
    assert result.exit_code == 2 and message in result.output, result.output
    assert len(result.output.strip().splitlines()) == 1 and not (tmp_path / "x.png").exists()


def test_a_missing_extra_names_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "pytorch_pretrained_biggan", None)
    result = invoke("interpolate", "--biggan", tmp_path, "--classes", 0, 1, "--out", tmp_path)
    assert result.exit_code == 2 and 'pip install -e ".[biggan]"' in result.output


def test_a_run_and_biggan_together_or_neither_is_an_error(tmp_path):
    result = invoke("sample", "--out", tmp_path / "x.png")
    assert result.exit_code == 2 and "either a run folder or --biggan" in result.output
