"""GANs on 2-D points: one setting trained, resumed and reloaded in its own folder, and judged."""

import torch

from minimaxlab.data.toy2d import PointSet, toy_distribution
from minimaxlab.gan.points import (
    PointGanModelConfig,
    Setting,
    generate_points,
    judge_point_gan,
    judging_noise,
    load_point_gan,
    point_gan_models,
    train_point_gan,
)
from minimaxlab.gan.trainer import GanTrainConfig

TINY = PointGanModelConfig(generator_hidden=[8], discriminator_hidden=[8])


def ring_points(n=64):
    return PointSet("ring8", toy_distribution("ring8").sample(n, torch.Generator().manual_seed(0)))


def test_a_few_gan_steps_on_tiny_data_train_resume_and_reload(tmp_path):
    data = ring_points()
    model = PointGanModelConfig(generator_hidden=[8], discriminator_hidden=[8])
    train = GanTrainConfig(batch_size=16, log_every=2)
    setting = Setting(epochs=2, d_steps=2, g_steps=1)
    generator, _, summary = train_point_gan(tmp_path / "a", data, setting, model, train, seed=1)
    assert summary["steps"] == 4  # 64 points / (16 × 2 D steps) per epoch, 2 epochs
    before = [p.clone() for p in generator.parameters()]
    again, _, again_summary = train_point_gan(tmp_path / "a", data, setting, model, train, seed=1)
    # a finished setting is loaded, not trained again
    assert all(torch.equal(a, b) for a, b in zip(before, again.parameters(), strict=True))
    assert again_summary["final"] == summary["final"] is not None
    assert again_summary["train_time_s"] == summary["train_time_s"]
    fresh = PointGanModelConfig(generator_hidden=[8], discriminator_hidden=[8])
    other, _, _ = train_point_gan(tmp_path / "b", data, setting, fresh, train, seed=1)
    assert all(torch.equal(a, b) for a, b in zip(before, other.parameters(), strict=True))


def test_fresh_models_follow_the_seed_and_leave_the_global_rng_alone():
    torch.manual_seed(5)
    expected = torch.rand(3)
    torch.manual_seed(5)
    first, _ = point_gan_models(TINY, seed=1)
    assert torch.equal(torch.rand(3), expected)
    second, _ = point_gan_models(TINY, seed=1)
    third, _ = point_gan_models(TINY, seed=2)
    assert torch.equal(first.net[0].weight, second.net[0].weight)
    assert not torch.equal(first.net[0].weight, third.net[0].weight)


def test_a_trained_setting_reloads_and_draws_the_points_it_was_judged_on(tmp_path):
    data = ring_points()
    setting = Setting(epochs=1, d_steps=1, g_steps=1)
    train = GanTrainConfig(batch_size=16, log_every=2)
    generator, discriminator, _ = train_point_gan(tmp_path / "a", data, setting, TINY, train, 1)
    real = toy_distribution("ring8").sample(50, torch.Generator().manual_seed(1))
    metrics, judged = judge_point_gan(
        generator, discriminator, toy_distribution("ring8"), real, 40, judging_noise(3)
    )
    assert judged.shape == (40, 2) and 0 <= metrics["high_quality_fraction"] <= 1
    assert 0 < metrics["mean_d_real"] < 1 and 0 < metrics["mean_d_generated"] < 1
    loaded_g, loaded_d = load_point_gan(tmp_path / "a", TINY, torch.device("cpu"))
    assert not loaded_g.training and not loaded_d.training
    assert torch.equal(generate_points(loaded_g, 40, judging_noise(3)), judged)
    assert not torch.equal(generate_points(loaded_g, 40, judging_noise(4)), judged)
    assert torch.equal(loaded_d(real), discriminator(real))
