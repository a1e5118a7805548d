import json
import math

import pytest
import torch
from PIL import Image

from minimaxlab.errors import MinimaxlabError
from minimaxlab.gan.trainer import GanTrainConfig, GanTrainer, SamplesConfig
from minimaxlab.interrupt import TrainingInterrupted
from minimaxlab.models.dcgan import DCGANDiscriminator, DCGANGenerator
from minimaxlab.runs import Run
from tests.conftest import tiny_images


def make_trainer(folder, data, seed=0, epochs=2, **train):
    config = GanTrainConfig(epochs=epochs, batch_size=8, log_every=2, **train)
    samples = SamplesConfig(grid_size=2, grid_epochs=[0, epochs], gif=True)
    torch.manual_seed(seed)  # what launch.seed_everything does before the models are built
    run = Run(folder)
    folder.mkdir(exist_ok=True)
    return GanTrainer(
        DCGANGenerator(),
        DCGANDiscriminator(),
        data,
        config,
        samples,
        run,
        seed=seed,
        progress=False,
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
