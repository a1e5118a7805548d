"""Softmax policy gradient (REINFORCE) on a k-armed bandit (shared/SPEC.md), every variant and
every seed advanced together as one batched tensor computation.

π = softmax(θ). Pulling arm i with reward R moves θ by η(R − b)(e_i − π): θ_i += η(R − b)(1 − π_i)
and θ_j −= η(R − b)π_j for j ≠ i, with b = 0 without a baseline and, with one, b = the mean of
the rewards this run has received before (0 at the first step). The step size is constant, or
η_t = η₀ / (1 + t/τ)^p with ½ < p ≤ 1, so that Σ η_t = ∞ and Σ η_t² < ∞.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from minimaxlab.interrupt import StopSignal, TrainingInterrupted


@dataclass(frozen=True)
class Variant:
    """One way of running the bandit: step-size schedule, baseline, reward noise."""

    decaying: bool
    baseline: bool
    noise: float  # standard deviation of the Gaussian noise on every reward

    @property
    def name(self) -> str:
        step = "decaying η" if self.decaying else "constant η"
        return f"{step}, {'baseline' if self.baseline else 'no baseline'}, noise σ={self.noise:g}"


def reinforce_step(
    theta: torch.Tensor,
    action: torch.Tensor,
    reward: torch.Tensor,
    lr: torch.Tensor | float,
    baseline: torch.Tensor | float = 0.0,
) -> torch.Tensor:
    """θ + η(R − b)(e_a − softmax(θ)) for a batch: θ is k×… (arms first: softmax over a
    leading dimension is many times faster on the CPU than over a short last one), the
    actions, rewards, step sizes and baselines are … or broadcast to it."""
    policy = torch.softmax(theta, dim=0)
    arms = torch.arange(theta.shape[0], device=theta.device).view(-1, *([1] * action.dim()))
    chosen = (arms == action).to(theta.dtype)
    return theta + (reward - baseline) * lr * (chosen - policy)


def sample_arms(policy: torch.Tensor, uniform: torch.Tensor) -> torch.Tensor:
    """Arms drawn from a k×… policy by inverse CDF, one uniform number in [0, 1) per draw:
    the arm is the number of cumulative probabilities at or below u."""
    below = (torch.cumsum(policy, dim=0) <= uniform).sum(0)
    return below.clamp(max=policy.shape[0] - 1)  # u within rounding of 1


def step_sizes(
    lr: float, decaying: torch.Tensor, steps: int, decay_steps: float, decay_power: float
) -> torch.Tensor:
    """η_t for t = 0 … steps−1 (steps × variants): constant, or η₀ / (1 + t/τ)^p."""
    t = torch.arange(steps, dtype=torch.float64, device=decaying.device)[:, None]
    decayed = lr / (1 + t / decay_steps) ** decay_power
    return torch.where(decaying[None, :], decayed, torch.full_like(decayed, lr))


@dataclass
class BanditRun:
    """π(best arm) at the recorded steps for every variant and seed, and when each settled."""

    recorded_steps: np.ndarray  # (R,) steps after which π was recorded, 1-based
    best_probability: np.ndarray  # (R, V, S)
    settled_at: np.ndarray  # (V, S): first step from which π(best) stayed ≥ threshold; −1: never
    final_policy: np.ndarray  # (k, V, S)


def record_points(steps: int, points: int) -> np.ndarray:
    """About ``points`` steps from 1 to ``steps``, evenly spaced on a log scale."""
    return np.unique(np.geomspace(1, steps, points).round().astype(int))


def run_bandit(
    arm_means: Sequence[float],
    variants: Sequence[Variant],
    seeds: int,
    steps: int,
    lr: float,
    decay_steps: float,
    decay_power: float,
    threshold: float,
    generator: torch.Generator,
    device: torch.device,
    points: int = 200,
    stop: StopSignal | None = None,
) -> BanditRun:
    """REINFORCE for every variant × seed at once (k × V × S preferences).

    All variants see the same random numbers (one uniform for the arm draw, one normal for the
    reward noise, per seed and step), so they differ only by how they learn.
    A requested stop (Ctrl-C) is honoured every 100 steps by raising TrainingInterrupted.
    """
    means = torch.tensor(arm_means, dtype=torch.float64, device=device)
    best = int(torch.argmax(means))
    k, count = len(arm_means), len(variants)
    decaying = torch.tensor([v.decaying for v in variants], device=device)
    uses_baseline = torch.tensor([v.baseline for v in variants], device=device)
    noise = torch.tensor([v.noise for v in variants], dtype=torch.float64, device=device)
    rates = step_sizes(lr, decaying, steps, decay_steps, decay_power)

    theta = torch.zeros(k, count, seeds, dtype=torch.float64, device=device)
    mean_reward = torch.zeros(count, seeds, dtype=torch.float64, device=device)
    last_below = torch.zeros(count, seeds, dtype=torch.long, device=device)  # last step < threshold
    recorded = record_points(steps, points)
    is_recorded = np.zeros(steps + 1, bool)
    is_recorded[recorded] = True
    history = []
    for t in range(steps):
        if t % 100 == 0 and stop is not None and stop.requested:
            raise TrainingInterrupted(t)  # seconds of work: a resume starts over
        policy = torch.softmax(theta, dim=0)
        uniform = torch.rand(seeds, generator=generator, dtype=torch.float64, device=device)
        draw = torch.randn(seeds, generator=generator, dtype=torch.float64, device=device)
        action = sample_arms(policy, uniform)
        reward = means[action] + noise[:, None] * draw[None, :]
        baseline = torch.where(uses_baseline[:, None], mean_reward, torch.zeros_like(mean_reward))
        theta = reinforce_step(theta, action, reward, rates[t][:, None], baseline)
        mean_reward += (reward - mean_reward) / (t + 1)
        best_probability = torch.softmax(theta, dim=0)[best]
        last_below = torch.where(best_probability < threshold, t + 1, last_below)
        if is_recorded[t + 1]:
            history.append(best_probability.cpu().numpy())
    final = torch.softmax(theta, dim=0)
    settled = torch.where(last_below < steps, last_below + 1, torch.full_like(last_below, -1))
    return BanditRun(
        recorded_steps=recorded,
        best_probability=np.stack(history),
        settled_at=settled.cpu().numpy(),
        final_policy=final.cpu().numpy(),
    )
