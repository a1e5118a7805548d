"""One β-VAE training through the generic loop: it lowers D + β·R, a stop resumes to the bit,
and a nan is a TrainingDiverged."""

import math

import pytest
import torch

from minimaxlab.atomic import make_folder
from minimaxlab.interrupt import TrainingInterrupted
from minimaxlab.models.vae import ConvDecoder, ConvEncoder
from minimaxlab.runs import Run
from minimaxlab.training.state import TrainingDiverged
from minimaxlab.vae.train import Steps, VaeObjective, train_vae, unit_images
from tests.conftest import tiny_images
from tests.helpers import StopAt

STEPS = Steps(epochs=3, batch_size=16, lr=1e-3, log_every=3)  # 48 images: 9 steps


def models():
    torch.manual_seed(0)
    return {"encoder": ConvEncoder(4), "generator": ConvDecoder(4)}


def train(folder, objective, stop=None, trained=None):
    trained = trained or models()
    loop = train_vae(
        Run(make_folder(folder)),
        trained,
        tiny_images(),
        objective,
        STEPS,
        seed=1,
        key="k",
        checkpoint="models/k.pt",
        stop=stop,
    )
    return loop, trained


@pytest.mark.parametrize("encoder", ["gaussian", "echo"])
def test_a_stopped_training_resumes_to_the_bit(encoder, tmp_path):
    objective = VaeObjective(encoder, beta=1.0, clip=0.8, depth=5)
    straight, straight_models = train(tmp_path / "straight", objective)
    assert straight.step == 9
    losses = [r["loss/k"] for r in straight.history]
    assert losses[-1] < losses[0]
    with pytest.raises(TrainingInterrupted):
        train(tmp_path / "resumed", objective, stop=StopAt(4))
    resumed, resumed_models = train(tmp_path / "resumed", objective)
    assert resumed.history == straight.history
    for name, model in straight_models.items():
        theirs = resumed_models[name].state_dict()
        assert all(torch.equal(v, theirs[k]) for k, v in model.state_dict().items())


def test_a_nan_loss_is_a_training_diverged(tmp_path, monkeypatch):
    def nan_terms(self, *args):
        zero = torch.zeros((), requires_grad=True)
        return zero * math.nan, zero

    monkeypatch.setattr(VaeObjective, "terms", nan_terms)
    with pytest.raises(TrainingDiverged, match="diverged"):
        train(tmp_path / "run", VaeObjective("gaussian", beta=1.0))


def test_images_reach_the_likelihood_in_zero_one():
    data = tiny_images(4)
    images = unit_images(data, torch.arange(4))
    assert images.min() == 0 and images.max() == 1 and images.dtype == torch.float32
