"""REINFORCE on a bandit: the update against the SPEC's formula on hand-worked steps, the arm
draws, the step-size schedules, and the batched run."""

import math

import numpy as np
import pytest
import torch

from minimaxlab.dynamics.bandit import (
    Variant,
    reinforce_step,
    run_bandit,
    sample_arms,
    step_sizes,
)


def test_a_hand_worked_step():
    # θ = 0 on 3 arms: π = (1/3, 1/3, 1/3). Arm 0 pays R = 1, η = 0.3:
    # θ_0 += 0.3·1·(1 − 1/3) = 0.2;  θ_j −= 0.3·1·(1/3) = 0.1 for j = 1, 2.
    theta = reinforce_step(torch.zeros(3), torch.tensor(0), torch.tensor(1.0), 0.3)
    torch.testing.assert_close(theta, torch.tensor([0.2, -0.1, -0.1]))
    # with a baseline b = 0.5 the step is scaled by R − b = 0.5
    theta = reinforce_step(torch.zeros(3), torch.tensor(0), torch.tensor(1.0), 0.3, 0.5)
    torch.testing.assert_close(theta, torch.tensor([0.1, -0.05, -0.05]))


def test_a_second_hand_worked_step_from_unequal_preferences():
    # θ = (0, ln 2, 0): π = (1/4, 1/2, 1/4). Arm 1 pays R = 2, η = 0.1:
    # θ_1 += 0.1·2·(1 − 1/2) = 0.1;  θ_0, θ_2 −= 0.1·2·(1/4) = 0.05.
    theta0 = torch.tensor([0.0, math.log(2), 0.0], dtype=torch.float64)
    theta = reinforce_step(theta0, torch.tensor(1), torch.tensor(2.0, dtype=torch.float64), 0.1)
    expected = theta0 + torch.tensor([-0.05, 0.1, -0.05], dtype=torch.float64)
    torch.testing.assert_close(theta, expected)


def test_a_batch_is_many_single_steps():
    generator = torch.Generator().manual_seed(0)
    theta = torch.randn(4, 3, 5, generator=generator, dtype=torch.float64)  # arms first
    action = torch.randint(0, 4, (3, 5), generator=generator)
    reward = torch.randn(3, 5, generator=generator, dtype=torch.float64)
    baseline = torch.randn(3, 5, generator=generator, dtype=torch.float64)
    batched = reinforce_step(theta, action, reward, 0.7, baseline)
    for i in range(3):
        for j in range(5):
            single = reinforce_step(theta[:, i, j], action[i, j], reward[i, j], 0.7, baseline[i, j])
            torch.testing.assert_close(batched[:, i, j], single)


def test_arm_draws_follow_the_policy():
    policy = torch.tensor([0.2, 0.5, 0.3], dtype=torch.float64)[:, None].expand(3, 200_000)
    uniform = torch.rand(200_000, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    counts = torch.bincount(sample_arms(policy, uniform), minlength=3).double() / 200_000
    torch.testing.assert_close(counts, torch.tensor([0.2, 0.5, 0.3]).double(), atol=5e-3, rtol=0)
    assert sample_arms(policy[:, :1], torch.tensor([1.0 - 1e-17])).item() == 2


def test_step_size_schedules():
    rates = step_sizes(0.5, torch.tensor([False, True]), 1001, 200.0, 0.75)
    assert torch.all(rates[:, 0] == 0.5)
    assert rates[0, 1] == 0.5 and rates[1000, 1] == pytest.approx(0.5 / 6**0.75)


def _run(variants, seeds=64, steps=300, seed=0, means=(0.2, 1.0, 0.5), **kwargs):
    settings = dict(lr=0.5, decay_steps=50.0, decay_power=1.0, threshold=0.95)
    settings.update(kwargs)
    return run_bandit(
        means,
        variants,
        seeds,
        steps,
        generator=torch.Generator().manual_seed(seed),
        device=torch.device("cpu"),
        points=30,
        **settings,
    )


def test_batched_run_shapes_repeatability_and_settling():
    variants = [Variant(False, False, 0.0), Variant(True, True, 1.0)]
    first, again = _run(variants), _run(variants)
    np.testing.assert_array_equal(first.best_probability, again.best_probability)
    assert first.best_probability.shape == (len(first.recorded_steps), 2, 64)
    assert first.final_policy.shape == (3, 2, 64)
    assert first.recorded_steps[0] == 1 and first.recorded_steps[-1] == 300
    np.testing.assert_allclose(first.final_policy.sum(axis=0), 1.0)
    np.testing.assert_allclose(first.best_probability[-1], first.final_policy[1])
    settled = first.settled_at > 0
    # settled runs end at π(best) ≥ threshold; the others end below it
    assert np.all(first.final_policy[1][settled] >= 0.95)
    assert np.all(first.final_policy[1][~settled] < 0.95)
    # fixed rewards, constant η: the best arm wins most runs and learning raises π(best)
    assert settled[0].mean() > 0.5
    assert first.best_probability[-1].mean() > first.best_probability[0].mean()
    different = _run(variants, seed=1)
    assert not np.array_equal(different.best_probability, first.best_probability)


def test_a_baseline_avoids_locking_onto_a_worse_arm():
    """With all rewards positive and a large constant step, REINFORCE without a baseline
    reinforces whatever it pulled and sometimes settles on a worse arm; centring the reward
    on its running mean avoids most of that."""
    variants = [Variant(False, False, 0.0), Variant(False, True, 0.0)]
    result = _run(variants, seeds=400, means=(0.6, 1.0, 0.8, 0.4, 0.2))
    wrong = (result.final_policy.max(axis=0) >= 0.95) & (result.final_policy.argmax(axis=0) != 1)
    assert wrong[0].mean() > 0.05
    assert wrong[1].mean() < wrong[0].mean() / 2
