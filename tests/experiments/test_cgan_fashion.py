"""cgan-fashion: its defaults (shared/SPEC.md), its models, its class-row figure and account,
and a resume that ends bitwise where a straight run ends (the average and the spectral-norm
vectors included)."""

import dataclasses

import pytest
import torch

from minimaxlab.config import resolve_config
from minimaxlab.experiments import EXPERIMENTS, cgan_fashion
from minimaxlab.experiments.cgan_fashion import (
    EXPERIMENT,
    CGANFashionConfig,
    build_models,
    cgan_account,
)
from minimaxlab.generative import GENERATOR, GenerativeModel
from minimaxlab.interrupt import TrainingInterrupted
from minimaxlab.models.ema import AveragedGenerator
from minimaxlab.report.numbers import shown_numbers
from minimaxlab.runs import Run
from tests.experiments.helpers import context_in
from tests.helpers import StopAt


def smoke_config():
    return resolve_config(CGANFashionConfig, "cgan-fashion", "smoke", ["train.epochs=1"])


def test_the_defaults_are_the_spec():
    config = CGANFashionConfig()
    model, train = config.model, config.train
    assert (model.latent_dim, model.embedding_dim, model.ema_decay) == (80, 32, 0.999)
    assert (train.loss, train.d_steps) == ("hinge", 2)
    for optimizer in (train.generator_optimizer, train.discriminator_optimizer):
        assert optimizer.lr == 2e-4 and optimizer.betas == (0.0, 0.999)
    assert config.data.name == "fashion-mnist" and config.samples.grid_size == 10
    assert EXPERIMENTS["cgan-fashion"] is cgan_fashion.EXPERIMENT


def test_build_models_puts_g_inside_its_average():
    torch.manual_seed(0)
    models = build_models(CGANFashionConfig())
    generator = models[GENERATOR]
    assert isinstance(generator, AveragedGenerator) and isinstance(generator, GenerativeModel)
    assert generator.num_classes == 10 and generator.latent_dim == 80
    assert generator.decay == 0.999 and len(generator.trained.blocks) == 2
    images = generator.eval()(torch.randn(2, 80), torch.tensor([3, 4]))
    assert images.shape == (2, 1, 28, 28)
    assert models["discriminator"].eval()(images, torch.tensor([3, 4])).shape == (2,)


def _run(folder, stop=None, resume=False):
    context = dataclasses.replace(context_in(folder), stop=stop, resume=resume)
    torch.manual_seed(0)
    return cgan_fashion.run(smoke_config(), context)


def test_a_stopped_and_resumed_run_ends_bitwise_equal_with_its_average(tmp_path):
    summary = _run(tmp_path / "straight")
    figures = tmp_path / "straight" / "figures"
    assert (figures / "samples" / "classes.png").is_file()
    drawn = {p.name for p in (figures / "interpolation").iterdir()}
    assert drawn == {"same-class-linear.png", "class-mix.png", "class-and-z-linear.png"}
    assert summary["data"]["class_names"] == [str(d) for d in range(10)]
    with pytest.raises(TrainingInterrupted):
        _run(tmp_path / "stopped", stop=StopAt(1))
    _run(tmp_path / "stopped", resume=True)
    straight = Run(tmp_path / "straight").load_checkpoint()["models"][GENERATOR]
    resumed = Run(tmp_path / "stopped").load_checkpoint()["models"][GENERATOR]
    assert straight.keys() == resumed.keys()
    assert any(k.startswith("average.") and k.endswith("_u") for k in straight)  # SN vectors
    assert int(straight["updates"]) == 2  # 64 images / (2 batches of 16): two G steps
    for key in straight:
        assert torch.equal(straight[key], resumed[key]), key
    trained, average = straight["trained.embedding.weight"], straight["average.embedding.weight"]
    assert not torch.equal(trained, average)  # the average lags the trained weights


def test_the_account_quotes_the_conditional_metrics_beside_their_floor():
    numbers = {"per_class_accuracy": 0.875, "intra_class_frechet_distance": 12.5}
    floor = {"per_class_accuracy": 0.9375, "intra_class_frechet_distance": 2.25}
    summary = {
        "parameters": {"generator": 10, "discriminator": 20},
        "data": {"name": "fashion-mnist", "images": 64},
        "epochs": 1,
        "steps": 2,
        "train_time_s": 1.5,
        "evaluation": {
            "n": 100,
            "dataset": "fashion-mnist",
            "classifier": {"test_accuracy": 0.9},
            "generated": {"frechet_distance": 30.0, "precision": 0.5, "recall": 0.25},
            "floor": {"frechet_distance": 1.0, "precision": 0.75, "recall": 0.75},
            "conditional": {"per_class": 10, "generated": numbers, "floor": floor},
        },
    }
    config = CGANFashionConfig().model_dump(mode="json")
    text = " ".join(cgan_account(summary, config))
    assert "0.875" in text and "0.9375" in text and "12.5" in text and "2.25" in text
    assert "moving average" in text and "hinge" in text
    card = [n.text() for n in shown_numbers(summary, EXPERIMENT.key_numbers)]
    assert card == [
        "epochs 1",
        "Fréchet distance 30 (real-data floor 1)",
        "per-class accuracy (samples of the class asked for) 0.875 (real-data floor 0.9375)",
        "intra-class Fréchet distance 12.5 (real-data floor 2.25)",
        "recall 0.25 (real-data floor 0.75)",
    ]
