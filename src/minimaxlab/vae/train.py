"""One β-VAE training through the generic loop (training/loop.py): Adam on D + β·R over
shuffled minibatches, with either encoder. The batches depend on (seed, step) and the noise
comes from a generator the checkpoint holds, so a stopped training resumes to the bit."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from minimaxlab.data.batches import IndexStream
from minimaxlab.data.images import ImageSet
from minimaxlab.interrupt import StopSignal
from minimaxlab.runs import Run
from minimaxlab.training.loop import Schedule, StepFn, TrainingLoop
from minimaxlab.training.state import TrainingState
from minimaxlab.vae.likelihood import Likelihood, distortion
from minimaxlab.vae.posterior import Encoder, posterior


@dataclass(frozen=True)
class VaeObjective:
    """What one setting optimises: D + β·R with this encoder and likelihood."""

    encoder: Encoder
    beta: float
    likelihood: Likelihood = "bernoulli"
    sigma: float = 0.1  # the Gaussian likelihood's fixed standard deviation
    clip: float = 1.0  # echo: the largest entry of S(x)
    depth: int = 0  # echo: terms of the noise series

    def terms(
        self,
        encoder: nn.Module,
        decoder: nn.Module,
        images: torch.Tensor,
        generator: torch.Generator | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Batch means of D and R for ``images`` in [0, 1], one z per image."""
        q = posterior(self.encoder, encoder(images), self.clip, self.depth)
        logits = decoder.logits(q.sample(generator))
        return distortion(logits, images, self.likelihood, self.sigma).mean(), q.rate().mean()


@dataclass(frozen=True)
class Steps:
    """How long one setting trains."""

    epochs: int
    batch_size: int
    lr: float
    log_every: int


def unit_images(data: ImageSet, indices: torch.Tensor) -> torch.Tensor:
    """The images at ``indices`` as floats in [0, 1], the range of the VAE's likelihoods."""
    return data.images[indices].float().div_(255.0)


def vae_step(
    models: dict[str, nn.Module],
    optimizer: torch.optim.Optimizer,
    data: ImageSet,
    batches: IndexStream,
    objective: VaeObjective,
    generator: torch.Generator,
    key: str,
) -> StepFn:
    """One Adam step on D + β·R; numbers named ``<name>/<key>``, one line per setting."""

    def step(i: int) -> dict[str, torch.Tensor]:
        images = unit_images(data, batches.batch(i))
        d, r = objective.terms(models["encoder"], models["generator"], images, generator)
        loss = d + objective.beta * r
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        return {f"loss/{key}": loss, f"distortion/{key}": d, f"rate/{key}": r}

    return step


def train_vae(
    run: Run,
    models: dict[str, nn.Module],
    data: ImageSet,
    objective: VaeObjective,
    steps: Steps,
    *,
    seed: int,
    key: str,
    checkpoint: str,
    stop: StopSignal | None = None,
    progress: bool = False,
) -> TrainingLoop:
    """Train ``models`` (an "encoder" and a "generator", the decoder) on ``data``; resumes from
    ``checkpoint`` when it holds this key. Raises TrainingDiverged on a nan or inf."""
    parameters = [p for model in models.values() for p in model.parameters()]
    optimizer = torch.optim.Adam(parameters, lr=steps.lr)
    generator = torch.Generator().manual_seed(seed)
    batches = IndexStream(len(data), steps.batch_size, seed, data.device)
    per_epoch = -(-len(data) // steps.batch_size)
    schedule = Schedule(steps.epochs * per_epoch, steps.log_every, steps_per_epoch=per_epoch)
    step = vae_step(models, optimizer, data, batches, objective, generator, key)
    state = TrainingState(models, {"adam": optimizer}, generators={"noise": generator})
    loop = TrainingLoop(
        run,
        state,
        step,
        schedule,
        key=key,
        checkpoint=checkpoint,
        stop=stop,
        progress=progress,
        description=key,
    )
    loop.restore()
    loop.train()
    return loop
