"""Many NCE samplers fitted at once (mode-bench's trials): T data-versus-noise classifiers with
their weights stacked along a leading trial axis (``models/stacked.py``), trained by one Adam
over the stacked weights under one cosine schedule, through the lab's training loop.

Trial t is :meth:`NceSampler.fit` on the same data from generator ``generators[t]``: that
generator alone draws trial t's initial weights, its batches and noise, its bound's noise and
its rejection proposals and uniforms, in the order the single fit draws them. The batched loss
is the sum of the trials' own mean losses, so trial t's weights get exactly its own gradient,
and Adam acts element by element, so one optimiser over the stacked weights is T optimisers.
Trial t of a batched fit is therefore the sampler fitted alone (weights, bound, samples), up to
float round-off in the batched matmuls.

The bound estimate and rejection sampling run every trial's draws through the stacked
classifier together, in chunks of rows that keep one forward pass at ``proposal_batch`` points
in all (the memory of one sampler's pass).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
import torch.nn.functional as F

from minimaxlab.errors import MinimaxlabError
from minimaxlab.interrupt import StopSignal
from minimaxlab.models.stacked import StackedPointClassifier, trials_of
from minimaxlab.runs import Run
from minimaxlab.sampling.nce import (
    LOG_EVERY,
    GaussianNoise,
    NceConfig,
    NceSampler,
    SampleStats,
    check_points,
    classifier_optimizer,
    initial_classifier,
    noise_for,
)
from minimaxlab.training.loop import RecordFn, Schedule, TrainingLoop
from minimaxlab.training.state import TrainingState


class NceTrials:
    """T trained data-versus-noise classifiers (stacked) and the noise they were trained on."""

    def __init__(
        self, classifier: StackedPointClassifier, noise: GaussianNoise, config: NceConfig
    ) -> None:
        self.classifier = classifier
        self.noise = noise
        self.config = config
        self.log_bounds: list[float] | None = None  # log M of each trial
        self.final_loss: float | None = None  # the last record's mean loss over the trials

    @property
    def trials(self) -> int:
        return trials_of(self.classifier.net)

    @classmethod
    def fit(
        cls,
        data: torch.Tensor,
        config: NceConfig,
        generators: Sequence[torch.Generator],
        run: Run,
        *,
        key: str | None = None,
        checkpoint: str = "checkpoint.pt",
        stop: StopSignal | None = None,
        progress: bool = False,
        on_record: RecordFn | None = None,
    ) -> NceTrials:
        """Fit one classifier per generator on ``data`` (n×2, on the generators' device) through
        one training loop checkpointing into ``run`` as ``checkpoint`` under ``key``; a stopped
        fit resumes where it stopped. The mean loss over the trials is recorded every
        ``LOG_EVERY`` steps as ``loss`` (``loss/<key>`` for a setting ``key``)."""
        check_points(data)
        if not generators:
            raise MinimaxlabError("fitting NCE trials needs at least one trial, got none")
        noise = noise_for(data, config)
        classifier = StackedPointClassifier.of(
            [initial_classifier(config, g, data.device) for g in generators]
        )
        optimizer, schedule = classifier_optimizer(classifier, config)
        loss_name = "loss" if key is None else f"loss/{key}"
        step = _step(classifier, optimizer, schedule, data, noise, generators, config)
        state = TrainingState(
            {"classifier": classifier},
            {"adam": optimizer},
            {"cosine": schedule},
            {f"draws{t}": g for t, g in enumerate(generators)},
        )
        loop = TrainingLoop(
            run,
            state,
            lambda i: {loss_name: step(i)},
            Schedule(config.steps, LOG_EVERY),
            key=key,
            checkpoint=checkpoint,
            stop=stop,
            progress=progress,
            description=f"data-vs-noise classifiers × {len(generators)} trials",
            on_record=on_record,
        )
        loop.restore()
        loop.train()
        trials = cls(classifier.eval(), noise, config)
        trials.final_loss = loop.history[-1][loss_name]
        trials.estimate_bounds(generators)
        return trials

    @torch.no_grad()
    def log_ratio(
        self, points: torch.Tensor, classifier: StackedPointClassifier | None = None
    ) -> torch.Tensor:
        """T×B log ratios of T×B×2 points, trial t's through its classifier (or through those
        of ``classifier``, a selection of the trials), ``proposal_batch`` points a pass."""
        classifier = self.classifier if classifier is None else classifier
        rows = max(1, self.config.proposal_batch // points.shape[0])
        return torch.cat(
            [classifier(points[:, i : i + rows]) for i in range(0, points.shape[1], rows)], dim=1
        )

    @torch.no_grad()
    def estimate_bounds(self, generators: Sequence[torch.Generator]) -> list[float]:
        """log M of each trial: its largest log ratio on ``bound_samples`` of its noise draws."""
        self._check_generators(generators)
        remaining = self.config.bound_samples
        best = torch.full((self.trials,), -torch.inf, device=self.noise.mean.device)
        while remaining > 0:
            batch = min(remaining, self.config.proposal_batch)
            points = torch.stack([self.noise.sample(batch, g) for g in generators])
            best = torch.maximum(best, self.log_ratio(points).amax(dim=1))
            remaining -= batch
        self.log_bounds = best.tolist()
        return self.log_bounds

    @torch.no_grad()
    def sample(
        self, n: int, generators: Sequence[torch.Generator]
    ) -> tuple[torch.Tensor, list[SampleStats]]:
        """T×n×2: ``n`` accepted points of each trial, and each trial's noise draws. A trial
        that has its ``n`` draws no more noise, as its sampler alone would."""
        self._check_generators(generators)
        if self.log_bounds is None:
            self.estimate_bounds(generators)
        stats = [SampleStats(0, 0, bound, 0) for bound in self.log_bounds]
        kept: list[list[torch.Tensor]] = [[] for _ in generators]
        batch = self.config.proposal_batch
        while active := [t for t in range(self.trials) if stats[t].accepted < n]:
            for t in active:
                if stats[t].proposals >= self.config.max_proposals:
                    raise MinimaxlabError(
                        f"rejection sampling of trial {t} kept {stats[t].accepted} of "
                        f"{stats[t].proposals:,} noise draws, fewer than the {n} asked for; "
                        "raise nce.max_proposals or train longer"
                    )
            proposals = torch.stack([self.noise.sample(batch, generators[t]) for t in active])
            selection = None if len(active) == self.trials else self.classifier.select(active)
            log_ratio = self.log_ratio(proposals, selection)
            device = proposals.device
            uniform = torch.stack(
                [torch.rand(batch, device=device, generator=generators[t]) for t in active]
            )
            bound = torch.tensor([self.log_bounds[t] for t in active], device=device)[:, None]
            accept = uniform.log() < log_ratio - bound
            above = (log_ratio > bound).sum(dim=1).tolist()
            accepted = accept.sum(dim=1).tolist()
            for row, t in enumerate(active):
                stats[t].proposals += batch
                stats[t].above_bound += above[row]
                stats[t].accepted += accepted[row]
                kept[t].append(proposals[row][accept[row]])
        return torch.stack([torch.cat(points)[:n] for points in kept]), stats

    def trial(self, t: int) -> NceSampler:
        """Trial ``t`` as an ordinary sampler: its classifier (a copy) and its bound."""
        sampler = NceSampler(self.classifier.trial(t).eval(), self.noise, self.config)
        sampler.log_bound = None if self.log_bounds is None else self.log_bounds[t]
        return sampler

    def _check_generators(self, generators: Sequence[torch.Generator]) -> None:
        if len(generators) != self.trials:
            raise MinimaxlabError(
                f"{self.trials} NCE trials need one generator each, got {len(generators)}"
            )


def _step(
    classifier: StackedPointClassifier,
    optimizer: torch.optim.Optimizer,
    schedule: torch.optim.lr_scheduler.LRScheduler,
    data: torch.Tensor,
    noise: GaussianNoise,
    generators: Sequence[torch.Generator],
    config: NceConfig,
) -> Callable[[int], torch.Tensor]:
    """One update of every trial on its own ``batch_size`` data points (drawn with replacement)
    and as many noise points, labelled 1 and 0; returns the mean over the trials of their
    binary cross-entropies."""
    n, device, trials = config.batch_size, data.device, len(generators)
    labels = torch.cat((torch.ones(n, device=device), torch.zeros(n, device=device)))
    labels = labels.expand(trials, -1)

    def step(i: int) -> torch.Tensor:
        real, fake = [], []
        for g in generators:  # each trial's draws in the single fit's order
            real.append(torch.randint(data.shape[0], (n,), device=device, generator=g))
            fake.append(noise.sample(n, g))
        points = torch.cat((data[torch.stack(real)], torch.stack(fake)), dim=1)
        losses = F.binary_cross_entropy_with_logits(
            classifier(points), labels, reduction="none"
        ).mean(dim=1)
        optimizer.zero_grad(set_to_none=True)
        losses.sum().backward()  # the sum of the trials' own means: each its own gradient
        optimizer.step()
        schedule.step()
        return losses.detach().mean()

    return step
