"""The published BigGAN-deep (Brock et al. 2019; 128, 256 or 512 px, 1,000 ImageNet classes)
through the optional extra ``pytorch-pretrained-biggan`` (``pip install -e ".[biggan]"``).

A package rather than our own copy: its 1,000-line model is the one its converted TensorFlow
Hub weights fit, layer names and batch-norm statistics per truncation included; a copy would
have to track that by hand. It loads from a folder holding ``pytorch_model.bin`` and
``config.json``, or by model name (``biggan-deep-256``) where the internet can be reached.
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from minimaxlab.errors import MinimaxlabError
from minimaxlab.generative import SamplesWithClasses
from minimaxlab.latent.interpolate import class_index

EXTRA = 'pip install -e ".[biggan]"'
FILES = ("pytorch_model.bin", "config.json")
NAMES = ("biggan-deep-128", "biggan-deep-256", "biggan-deep-512")


class PublishedBigGAN(SamplesWithClasses, nn.Module):
    """The package's BigGAN through the generative contract: (z, class indices or class
    weights) → images in [−1, 1]. With truncation ψ ∈ (0, 1] the codes are scaled by ψ and its
    batch norms take the statistics stored for ψ, as the package's own sampler does: codes
    are drawn from N(0, I) truncated at ``code_bound`` = 2, then times ψ."""

    code_bound = 2.0

    def __init__(self, model: nn.Module, truncation: float = 1.0) -> None:
        super().__init__()
        if not 0.0 < truncation <= 1.0:
            raise MinimaxlabError(f"BigGAN's --truncation must lie in (0, 1] (got {truncation})")
        self.model, self.truncation = model, truncation
        self.latent_dim: int = model.config.z_dim
        self.num_classes: int = model.config.num_classes

    def forward(self, codes: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        weights = labels if labels.is_floating_point() else F.one_hot(labels, self.num_classes)
        return self.model(self.truncation * codes, weights.float(), self.truncation)


def _package() -> Any:
    try:
        return importlib.import_module("pytorch_pretrained_biggan")
    except ImportError:
        raise MinimaxlabError(
            f"--biggan needs the optional extra pytorch-pretrained-biggan: {EXTRA}"
        ) from None


def _from_folder(package: Any, folder: Path) -> nn.Module:
    missing = [name for name in FILES if not (folder / name).is_file()]
    if missing:
        raise MinimaxlabError(
            f"{folder} has no {' or '.join(missing)}; give a folder with pytorch_model.bin and "
            f"config.json of a BigGAN-deep, or a model name ({', '.join(NAMES)})"
        )
    try:
        config = package.BigGANConfig.from_json_file(str(folder / "config.json"))
        model = package.BigGAN(config)
    except (ValueError, TypeError, KeyError, IndexError, AttributeError) as err:
        raise MinimaxlabError(
            f"{folder / 'config.json'} is not a BigGAN config ({type(err).__name__}); give the "
            "config.json that came with the weights"
        ) from None
    try:
        weights = torch.load(folder / "pytorch_model.bin", map_location="cpu", weights_only=True)
        model.load_state_dict(weights)
    except Exception as err:  # unpickling and shape errors alike: the files do not fit
        first = (str(err).strip().splitlines() or [""])[0][:120]
        raise MinimaxlabError(
            f"the weights in {folder / 'pytorch_model.bin'} do not fit its config.json ({first}); "
            "give the two files of one BigGAN-deep"
        ) from None
    return model


def _by_name(package: Any, name: str) -> nn.Module:
    try:
        return package.BigGAN.from_pretrained(name)
    except Exception as err:  # the package reports a failed download in many ways
        raise MinimaxlabError(
            f"could not download {name} ({type(err).__name__}); without the internet give a "
            "folder holding its pytorch_model.bin and config.json"
        ) from None


def load_biggan(
    source: str | os.PathLike, truncation: float | None = None, device: torch.device | str = "cpu"
) -> PublishedBigGAN:
    """BigGAN from a folder or by model name, in eval mode on ``device``; ψ = ``truncation``
    (1 when None)."""
    package = _package()
    folder = Path(source)
    if str(source) in NAMES and not folder.exists():
        model = _by_name(package, str(source))
    elif folder.is_dir():
        model = _from_folder(package, folder)
    else:
        raise MinimaxlabError(
            f"--biggan {source}: no such folder and no model name; give a folder with "
            f"pytorch_model.bin and config.json, or one of {', '.join(NAMES)}"
        )
    return PublishedBigGAN(model, 1.0 if truncation is None else truncation).to(device).eval()


def imagenet_class(name: str, num_classes: int) -> int:
    """An ImageNet class by index, or by name through WordNet (the package's
    ``one_hot_from_names``, which needs nltk and its WordNet data)."""
    if name.lstrip("-").isdigit():
        return class_index(name, [str(i) for i in range(num_classes)])
    try:
        from_names = importlib.import_module("pytorch_pretrained_biggan.utils").one_hot_from_names
        one_hot = from_names(name)
    except (ImportError, LookupError):
        raise MinimaxlabError(
            f"ImageNet class names such as {name!r} need nltk's WordNet (pip install nltk; "
            f"python -m nltk.downloader wordnet); or give the class's index, 0 to {num_classes - 1}"
        ) from None
    if one_hot is None:
        raise MinimaxlabError(f"unknown ImageNet class {name!r}; give another name or an index")
    return class_index(str(int(one_hot[0].argmax())), [str(i) for i in range(num_classes)])
