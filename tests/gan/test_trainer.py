import json
import math
from dataclasses import replace

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from PIL import Image
from torch import nn

from minimaxlab.data.toy2d import PointSet, toy_distribution
from minimaxlab.errors import MinimaxlabError
from minimaxlab.gan.family import GanIteration, optimizer_step
from minimaxlab.gan.points import NO_IMAGES
from minimaxlab.gan.trainer import GanTrainConfig, GanTrainer, SamplesConfig
from minimaxlab.interrupt import TrainingInterrupted
from minimaxlab.models.dcgan import DCGANDiscriminator, DCGANGenerator
from minimaxlab.models.toy import PointClassifier, PointGenerator
from minimaxlab.runs import Run
from minimaxlab.training.state import TrainingDiverged, TrainingState
from tests.conftest import tiny_images


def make_trainer(
    folder,
    data,
    seed=0,
    epochs=2,
    models=(DCGANGenerator, DCGANDiscriminator),
    family=None,
    **train,
):
    config = GanTrainConfig(epochs=epochs, batch_size=8, log_every=2, **train)
    samples = SamplesConfig(grid_size=2, grid_epochs=[0, epochs], gif=True)
    torch.manual_seed(seed)  # what launch.seed_everything does before the models are built
    run = Run(folder)
    folder.mkdir(exist_ok=True)
    return GanTrainer(
        models[0](),
        models[1](),
        data,
        config,
        samples,
        run,
        seed=seed,
        progress=False,
        family=family,
    )


def full_state(trainer):
    return {
        "generator": trainer.generator.state_dict(),
        "discriminator": trainer.discriminator.state_dict(),
        "g_opt": trainer.generator_optimizer.state_dict()["state"],
        "d_opt": trainer.discriminator_optimizer.state_dict()["state"],
    }


def assert_bitwise_equal(a, b):
    flat_a, flat_b = _flatten(a), _flatten(b)
    assert flat_a.keys() == flat_b.keys()
    for key in flat_a:
        assert torch.equal(flat_a[key], flat_b[key]), key


def _flatten(tree, prefix=""):
    out = {}
    for key, value in tree.items():
        if isinstance(value, dict):
            out.update(_flatten(value, f"{prefix}{key}/"))
        elif isinstance(value, torch.Tensor):
            out[f"{prefix}{key}"] = value
    return out


def test_a_few_steps_train_to_finite_numbers_and_write_figures(tmp_path):
    data = tiny_images(40)
    trainer = make_trainer(tmp_path / "run", data)
    summary = trainer.train()
    assert summary["steps"] == trainer.total_steps == 10  # 40 images / 8 per batch × 2 epochs
    records = [json.loads(line) for line in (tmp_path / "run" / "metrics.jsonl").open()]
    assert [r["step"] for r in records] == [2, 4, 5, 6, 8, 10]  # every 2, and each epoch's end
    for record in records:
        for key in ("d_loss", "g_loss", "d_real", "d_fake", "images_per_s"):
            assert math.isfinite(record[key]), (key, record)
        assert 0 < record["d_real"] < 1 and 0 < record["d_fake"] < 1
    figures = tmp_path / "run" / "figures"
    assert (figures / "samples" / "epoch_000.png").is_file()
    assert (figures / "samples" / "epoch_002.png").is_file()
    assert not (figures / "samples" / "epoch_001.png").exists()
    with Image.open(figures / "progress.gif") as gif:
        assert gif.n_frames == 3  # before training, and after each epoch
    assert torch.isfinite(trainer.sample_grid()).all()


def test_training_moves_the_weights_and_the_generator_reacts(tmp_path):
    data = tiny_images(40)
    trainer = make_trainer(tmp_path / "run", data, epochs=1)
    before = trainer.sample_grid().clone()
    trainer.train()
    assert not torch.equal(before, trainer.sample_grid())


@pytest.mark.parametrize("d_steps,g_steps", [(1, 1), (2, 1), (1, 3)])
def test_resuming_gives_bitwise_identical_weights(tmp_path, d_steps, g_steps):
    data = tiny_images(40)
    straight = make_trainer(tmp_path / "straight", data, d_steps=d_steps, g_steps=g_steps)
    straight.train()

    first = make_trainer(tmp_path / "stopped", data, d_steps=d_steps, g_steps=g_steps)
    stop_at = straight.total_steps // 2 + 1  # in the middle of an epoch
    first.train(max_steps=stop_at)
    assert first.step == stop_at

    resumed = make_trainer(tmp_path / "stopped", data, seed=0, d_steps=d_steps, g_steps=g_steps)
    torch.manual_seed(12345)  # whatever the global RNG holds now, the checkpoint restores it
    resumed.load_state_dict(Run(tmp_path / "stopped").load_checkpoint())
    resumed.train()
    assert resumed.step == straight.step
    assert_bitwise_equal(full_state(straight), full_state(resumed))


class StopAfter:
    """Stands in for StopSignal: as if Ctrl-C arrived during step ``step``."""

    def __init__(self, trainer, step):
        self.trainer, self.step = trainer, step

    @property
    def requested(self):
        return self.trainer.step >= self.step


def test_a_stop_request_saves_a_checkpoint_that_resumes_exactly(tmp_path):
    data = tiny_images(40)
    straight = make_trainer(tmp_path / "straight", data)
    straight.train()

    stopped = make_trainer(tmp_path / "stopped", data)
    with pytest.raises(TrainingInterrupted) as info:
        stopped.train(stop=StopAfter(stopped, 3))
    assert info.value.step == 3
    checkpoint = Run(tmp_path / "stopped").load_checkpoint()
    assert checkpoint["step"] == 3

    resumed = make_trainer(tmp_path / "stopped", data)
    resumed.load_state_dict(checkpoint)
    resumed.train()
    assert_bitwise_equal(full_state(straight), full_state(resumed))


def test_resume_drops_metrics_logged_after_the_checkpoint(tmp_path):
    data = tiny_images(40)
    trainer = make_trainer(tmp_path / "run", data)
    trainer.train(max_steps=5)  # checkpoint at step 5 (the end of epoch 1)
    run = Run(tmp_path / "run")
    run.log_metrics({"step": 7, "d_loss": 1.0})  # as if killed before the next checkpoint
    resumed = make_trainer(tmp_path / "run", data)
    resumed.load_state_dict(run.load_checkpoint())
    assert max(r["step"] for r in run.metrics()) == 5


def test_a_checkpoint_of_other_settings_is_refused(tmp_path):
    data = tiny_images(40)
    make_trainer(tmp_path / "run", data).train(max_steps=2)
    checkpoint = Run(tmp_path / "run").load_checkpoint()
    other = make_trainer(tmp_path / "other", tiny_images(80))
    with pytest.raises(MinimaxlabError, match="steps per epoch"):
        other.load_state_dict(checkpoint)


def test_too_little_data_for_one_batch_is_a_clear_error(tmp_path):
    with pytest.raises(MinimaxlabError, match="fewer than train.batch_size"):
        make_trainer(tmp_path / "run", tiny_images(5))


@pytest.mark.parametrize(
    ("loss", "d_steps", "generator"), [("wgan-gp", 5, "mlp"), ("non-saturating", 1, "conv")]
)
def test_mlp_gan_and_wgan_gp_train_a_few_steps(tmp_path, loss, d_steps, generator):
    from minimaxlab.experiments.gan_mnist import MLPGanConfig, build_models

    config = MLPGanConfig(model={"generator": generator})
    models = build_models(config)
    train = GanTrainConfig(epochs=1, batch_size=8, log_every=1, loss=loss, d_steps=d_steps)
    (tmp_path / "run").mkdir()
    trainer = GanTrainer(
        models["generator"],
        models["discriminator"],
        tiny_images(80),
        train,
        SamplesConfig(grid_size=2, grid_epochs=[1]),
        Run(tmp_path / "run"),
        seed=0,
        progress=False,
    )
    before = [p.clone() for p in trainer.discriminator.parameters()]
    trainer.train()
    assert trainer.step == 10 // d_steps
    records = [json.loads(line) for line in (tmp_path / "run" / "metrics.jsonl").open()]
    assert all(math.isfinite(r[k]) for r in records for k in ("d_loss", "g_loss", "d_real"))
    after = list(trainer.discriminator.parameters())
    assert any(not torch.equal(a, b) for a, b in zip(before, after, strict=True))
    if loss == "wgan-gp":  # a critic's raw scores, not probabilities
        assert any(not 0 < r["d_real"] < 1 for r in records)


def test_the_smoothness_penalty_trains_and_still_resumes_exactly(tmp_path):
    data = tiny_images(40)
    straight = make_trainer(tmp_path / "straight", data, smoothness_weight=1.0)
    straight.train()
    assert all(torch.isfinite(p).all() for p in straight.generator.parameters())
    plain = make_trainer(tmp_path / "plain", data)
    plain.train()
    assert not torch.equal(  # the penalty changes what G learns
        next(straight.generator.parameters()), next(plain.generator.parameters())
    )
    stopped = make_trainer(tmp_path / "stopped", data, smoothness_weight=1.0)
    stopped.train(max_steps=6)
    resumed = make_trainer(tmp_path / "stopped", data, smoothness_weight=1.0)
    resumed.load_state_dict(Run(tmp_path / "stopped").load_checkpoint())
    resumed.train()
    assert_bitwise_equal(full_state(straight), full_state(resumed))


# ---- checkpoints: the shared TrainingState, old files, divergence --------------------------
def test_the_checkpoint_is_a_training_state_with_the_trainers_counters(tmp_path):
    trainer = make_trainer(tmp_path / "run", tiny_images(40))
    trainer.train(max_steps=3)
    saved = Run(tmp_path / "run").load_checkpoint()  # weights_only: tensors and plain values
    assert saved["format"] == 2 and saved["step"] == 3 and saved["steps_per_epoch"] == 5
    assert set(saved["models"]) == set(saved["optimizers"]) == {"generator", "discriminator"}
    assert set(saved["generators"]) == {"noise"} and {"python", "numpy", "torch"} <= set(
        saved["rng"]
    )
    assert saved["last_record"]["step"] == 3 and torch.equal(
        saved["fixed_noise"], trainer.fixed_noise
    )


def test_a_checkpoint_of_another_loop_is_refused(tmp_path):
    trainer = make_trainer(tmp_path / "run", tiny_images(40))
    other = TrainingState(models={"generator": trainer.generator}).state_dict()
    with pytest.raises(MinimaxlabError, match="not written by the GAN trainer"):
        trainer.load_state_dict(other)


def format_1(state):
    """What main's trainer wrote before TrainingState (format 1), holding the same state."""
    numpy = state["rng"]["numpy"]
    legacy_numpy = (
        numpy["kind"],
        numpy["key"].numpy().astype(np.uint32),
        numpy["position"],
        numpy["has_gauss"],
        numpy["gauss"],
    )
    return {
        "format": 1,
        "step": state["step"],
        "epoch": state["epoch"],
        "steps_per_epoch": state["steps_per_epoch"],
        "elapsed_s": state["elapsed_s"],
        "models": state["models"],
        "optimizers": state["optimizers"],
        "rng": {
            "python": state["rng"]["python"],
            "numpy": legacy_numpy,
            "torch": state["rng"]["torch"],
        },
        "noise_rng": state["generators"]["noise"],
        "fixed_noise": state["fixed_noise"],
    }


def test_a_format_1_checkpoint_still_loads_and_resumes_exactly(tmp_path):
    data = tiny_images(40)
    straight = make_trainer(tmp_path / "straight", data)
    straight.train()
    stopped = make_trainer(tmp_path / "stopped", data)
    stopped.train(max_steps=6)
    run = Run(tmp_path / "stopped")
    torch.save(format_1(run.load_checkpoint()), run.checkpoint_path)  # pickles NumPy arrays
    old = run.load_checkpoint()
    assert old["format"] == 1 and isinstance(old["rng"]["numpy"][1], np.ndarray)

    resumed = make_trainer(tmp_path / "stopped", data)
    torch.manual_seed(12345)  # the old checkpoint's RNG state is restored all the same
    resumed.load_state_dict(old)
    resumed.train()
    assert_bitwise_equal(full_state(straight), full_state(resumed))
    assert run.load_checkpoint()["format"] == 2  # and it is written in today's format


def test_a_nan_loss_stops_the_run_and_keeps_the_last_finite_checkpoint(tmp_path, monkeypatch):
    trainer = make_trainer(tmp_path / "run", tiny_images(40))  # 5 steps an epoch, records every 2
    iteration = trainer.iteration

    def poisoned(batches):
        if trainer.step == 5:  # the first step after epoch 1's checkpoint
            with torch.no_grad():
                next(trainer.discriminator.parameters()).fill_(float("nan"))
        iteration(batches)

    monkeypatch.setattr(trainer, "iteration", poisoned)
    with pytest.raises(TrainingDiverged) as info:
        trainer.train()
    message = str(info.value)
    assert "\n" not in message and "diverged by step 6" in message and "checkpoint.pt" in message
    run = Run(tmp_path / "run")
    saved = run.load_checkpoint()
    assert saved["step"] == 5
    assert all(torch.isfinite(w).all() for w in saved["models"]["discriminator"].values())
    assert max(r["step"] for r in run.metrics()) == 5  # the diverged means were not written


# ---- families: labelled batches, and a conditional GAN the trainer was not written for ---------
class ConditionalGenerator(nn.Module):
    """z and a learned class embedding → a 28×28 image in [−1, 1]."""

    num_classes = 2

    def __init__(self, latent_dim=8):
        super().__init__()
        self.latent_dim = latent_dim
        self.embed = nn.Embedding(self.num_classes, 4)
        self.net = nn.Sequential(nn.Linear(latent_dim + 4, 32), nn.ReLU(), nn.Linear(32, 784))

    def forward(self, codes, labels):
        images = self.net(torch.cat((codes, self.embed(labels)), dim=1)).tanh()
        return images.view(-1, 1, 28, 28)


class ProjectionDiscriminator(nn.Module):
    """An image and its class → a logit ψ(h) + ⟨embed(y), h⟩ (Miyato & Koyama, 2018)."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Flatten(), nn.Linear(784, 16), nn.LeakyReLU(0.2))
        self.head = nn.Linear(16, 1)
        self.embed = nn.Embedding(2, 16)

    def forward(self, images, labels):
        h = self.features(images)
        return self.head(h).squeeze(1) + (self.embed(labels) * h).sum(1)


class HingeFamily:
    """A conditional family of its own: hinge losses, fakes of each real batch's classes."""

    needs_float32 = True

    def __init__(self):
        self.seen = []  # every real batch the trainer handed in

    def train_step(self, iteration: GanIteration):
        for batch in iteration.real:
            self.seen.append(batch)
            fake = iteration.generator(iteration.noise(len(batch.labels)), batch.labels)
            with iteration.autocast():
                real_logits = iteration.discriminator(batch.data, batch.labels)
                fake_logits = iteration.discriminator(fake.detach(), batch.labels)
                d_loss = F.relu(1 - real_logits).mean() + F.relu(1 + fake_logits).mean()
            optimizer_step(iteration.discriminator_optimizer, d_loss)
        with iteration.freeze_discriminator():
            g_loss = -iteration.frozen_discriminator(fake, batch.labels).mean()
            optimizer_step(iteration.generator_optimizer, g_loss)
        return {"d_loss": d_loss.detach(), "g_loss": g_loss.detach()}


def labelled_images(n):
    """tiny_images whose first pixel spells the class, so a test can see images and labels
    travel together."""
    data = tiny_images(n)
    images = data.images.clone()
    images[:, 0, 0, 0] = data.labels.to(torch.uint8) * 255
    return replace(data, images=images)


def conditional_trainer(folder, data, family):
    models = (ConditionalGenerator, ProjectionDiscriminator)
    return make_trainer(folder, data, models=models, family=family, d_steps=2)


def test_a_conditional_family_trains_checkpoints_and_resumes_exactly(tmp_path):
    data = labelled_images(48)  # 3 iterations of 2 batches of 8 per epoch
    family = HingeFamily()
    straight = conditional_trainer(tmp_path / "straight", data, family)
    before = [p.detach().clone() for p in straight.generator.parameters()]
    summary = straight.train()
    assert summary["steps"] == 6 and set(summary["final"]) == {"d_loss", "g_loss"}
    assert len(family.seen) == 12
    for batch in family.seen:  # each batch arrives with its own images' labels
        assert torch.equal((batch.data[:, 0, 0, 0] > 0).long(), batch.labels)
    assert torch.cat([b.labels for b in family.seen]).unique().tolist() == [0, 1]
    after = straight.generator.parameters()
    assert any(not torch.equal(a, b) for a, b in zip(before, after, strict=True))  # G learned
    assert straight.fixed_labels.tolist() == [0, 0, 1, 1]  # the grid shows a row per class
    assert (tmp_path / "straight" / "figures" / "samples" / "epoch_002.png").is_file()
    records = list(Run(tmp_path / "straight").metrics())
    assert all(math.isfinite(r["d_loss"]) and math.isfinite(r["g_loss"]) for r in records)

    stopped = conditional_trainer(tmp_path / "stopped", data, HingeFamily())
    stopped.train(max_steps=4)  # in the middle of epoch 2
    resumed = conditional_trainer(tmp_path / "stopped", data, HingeFamily())
    torch.manual_seed(12345)
    resumed.load_state_dict(Run(tmp_path / "stopped").load_checkpoint())
    resumed.train()
    assert_bitwise_equal(full_state(straight), full_state(resumed))


def test_data_without_classes_hands_the_family_no_labels(tmp_path):
    points = toy_distribution("ring8").sample(32, torch.Generator().manual_seed(0))

    class Recording:
        needs_float32 = True

        def __init__(self):
            self.labels = []

        def train_step(self, iteration):
            self.labels += [batch.labels for batch in iteration.real]
            return {"real_rows": torch.tensor(float(len(iteration.real[0].data)))}

    family = Recording()
    trainer = GanTrainer(
        PointGenerator(),
        PointClassifier(),
        PointSet("ring8", points),
        GanTrainConfig(epochs=1, batch_size=8, log_every=2),
        NO_IMAGES,
        Run(tmp_path),
        seed=0,
        progress=False,
        family=family,
    )
    summary = trainer.train()
    assert family.labels == [None] * 4 and summary["final"] == {"real_rows": 8.0}
