"""mode-bench's GANs (shared/SPEC.md): every trial of one method trained at once, as one
stacked model (``models/stacked.py``), through the lab's training loop.

Methods: the GAN (BCE, non-saturating G), PacGAN-m (Lin et al. 2018: D judges m samples
concatenated, so G's batch is drawn m times: m·B fakes make B packed samples, against m·B real
points) and WGAN-GP (Gulrajani et al. 2017: the critic's loss plus a gradient penalty).

Trial t is its own experiment: its initial weights, its epochs' shuffles and its noise all
follow from its seed ``seeds[t]`` alone, and the batched losses are the sums of the trials' own
means, so trial t's weights get exactly its own gradient. Trial t of a batched run is therefore
the model trained alone from ``seeds[t]`` (``seeds=[seeds[t]]``), up to float round-off in the
batched matmuls; Adam acts element by element, so one optimiser over the stacked weights is T
optimisers.

An epoch is ``n / batch_size`` steps; each of the m slots of a step walks its own shuffle of
the training points (drawn from (seed, epoch, slot), so a resumed run draws the same batches).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
from pydantic import PositiveFloat, PositiveInt
from torch import nn

from minimaxlab.config import StrictModel
from minimaxlab.errors import MinimaxlabError
from minimaxlab.gan.family import optimizer_step
from minimaxlab.gan.losses import (
    bce_discriminator_loss,
    gradient_penalty,
    non_saturating_generator_loss,
)
from minimaxlab.interrupt import StopSignal
from minimaxlab.models.stacked import maxout_discriminator, relu_generator, stack
from minimaxlab.reproducibility import derived_seed
from minimaxlab.runs import Run
from minimaxlab.training.loop import Schedule, TrainingLoop
from minimaxlab.training.state import TrainingState

# (loss, pack size m) of each method
GAN_METHODS: dict[str, tuple[str, int]] = {
    "gan": ("gan", 1),
    "pacgan2": ("gan", 2),
    "pacgan3": ("gan", 3),
    "pacgan4": ("gan", 4),
    "wgan-gp": ("wgan-gp", 1),
}
SHUFFLE_STREAM, NOISE_STREAM, SAMPLE_STREAM = 1, 2, 3  # sub-streams of a trial's seed


class PackedGanConfig(StrictModel):
    """The PacGAN paper's 2-D set-up: G four ReLU layers of 400, D three maxout layers of
    200 units × 5 pieces, Adam lr 1e-4 and β₁ 0.8, batches of 100 (packed samples)."""

    latent_dim: PositiveInt = 2
    generator_hidden: list[PositiveInt] = [400, 400, 400, 400]
    discriminator_width: PositiveInt = 200
    discriminator_layers: PositiveInt = 3
    maxout_pieces: PositiveInt = 5
    epochs: PositiveInt = 400
    batch_size: PositiveInt = 100
    lr: PositiveFloat = 1e-4
    betas: tuple[float, float] = (0.8, 0.999)
    gp_weight: PositiveFloat = 10.0  # WGAN-GP's λ
    # None: Adam's step stays lr (the paper's); a value: it falls from lr to lr_final along a
    # cosine over the run, which draws short runs' samples in to their modes
    lr_final: PositiveFloat | None = None
    checkpoint_every_epochs: PositiveInt = 10  # a record is written every epoch


def method_of(name: str) -> tuple[str, int]:
    """(loss, pack size) of the method called ``name``."""
    try:
        return GAN_METHODS[name]
    except KeyError:
        known = ", ".join(GAN_METHODS)
        raise MinimaxlabError(f"unknown GAN method {name!r}; choose one of {known}") from None


def build_trials(
    config: PackedGanConfig, pack: int, seeds: Sequence[int]
) -> tuple[nn.Sequential, nn.Sequential]:
    """The stacked G and D of every trial, trial t's initial weights drawn from ``seeds[t]``
    (the global RNGs are left as they were)."""
    generators, discriminators = [], []
    for seed in seeds:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            generators.append(relu_generator(config.latent_dim, config.generator_hidden))
            discriminators.append(
                maxout_discriminator(
                    2 * pack,
                    config.discriminator_width,
                    config.discriminator_layers,
                    config.maxout_pieces,
                )
            )
    return stack(generators), stack(discriminators)


def pack_points(points: torch.Tensor, pack: int) -> torch.Tensor:
    """T×(m·B)×2 points → T×B×2m packed samples: sample i concatenates point i of each of
    the m consecutive blocks of B."""
    return points.unflatten(1, (pack, -1)).transpose(1, 2).flatten(2)


def _epoch_orders(
    seeds: Sequence[int], epoch: int, pack: int, n: int, device: torch.device
) -> torch.Tensor:
    """T×m×n: each trial's and slot's shuffle of the n training points for ``epoch``."""
    orders = [
        torch.randperm(
            n, generator=torch.Generator().manual_seed(derived_seed(s, SHUFFLE_STREAM, epoch, slot))
        )
        for s in seeds
        for slot in range(pack)
    ]
    return torch.stack(orders).view(len(seeds), pack, n).to(device)


def _losses(
    loss: str, gp_weight: float
) -> tuple[
    Callable[[nn.Module, torch.Tensor, torch.Tensor, torch.Tensor], torch.Tensor],
    Callable[[nn.Module, torch.Tensor], torch.Tensor],
]:
    """D's and G's batched losses: the sums over trials of each trial's mean loss (the lab's
    loss functions average over T×B rows; T times that is the sum of the T means)."""

    def gan_d(d: nn.Module, real: torch.Tensor, fake: torch.Tensor, _: torch.Tensor):
        return real.shape[0] * bce_discriminator_loss(d(real), d(fake))

    def gan_g(d: nn.Module, fake: torch.Tensor) -> torch.Tensor:
        return fake.shape[0] * non_saturating_generator_loss(d(fake))

    def wgan_d(d: nn.Module, real: torch.Tensor, fake: torch.Tensor, epsilon: torch.Tensor):
        trials = real.shape[0]

        def critic(rows: torch.Tensor) -> torch.Tensor:  # (T·B)×d rows, as the penalty takes
            return d(rows.view(trials, -1, rows.shape[-1]))

        penalty = gradient_penalty(critic, real.flatten(0, 1), fake.flatten(0, 1), epsilon)
        return trials * (d(fake).mean() - d(real).mean() + gp_weight * penalty)

    def wgan_g(d: nn.Module, fake: torch.Tensor) -> torch.Tensor:
        return -fake.shape[0] * d(fake).mean()

    return (gan_d, gan_g) if loss == "gan" else (wgan_d, wgan_g)


def _step_function(
    models: tuple[nn.Module, nn.Module],
    optimizers: tuple[torch.optim.Optimizer, torch.optim.Optimizer],
    data: torch.Tensor,
    method: str,
    config: PackedGanConfig,
    seeds: Sequence[int],
    noise: Sequence[torch.Generator],
) -> Callable[[int], dict[str, torch.Tensor]]:
    """One D update then one G update of every trial, on the fakes D just judged."""
    generator, discriminator = models
    loss, pack = method_of(method)
    d_loss_of, g_loss_of = _losses(loss, config.gp_weight)
    batch, trials, device = config.batch_size, len(seeds), data.device
    steps_per_epoch = data.shape[0] // batch
    orders: dict[int, torch.Tensor] = {}  # only the current epoch's shuffles are kept

    def step(i: int) -> dict[str, torch.Tensor]:
        epoch, index = divmod(i, steps_per_epoch)
        if epoch not in orders:
            orders.clear()
            orders[epoch] = _epoch_orders(seeds, epoch, pack, data.shape[0], device)
        rows = orders[epoch][:, :, index * batch : (index + 1) * batch]
        real = pack_points(data[rows].flatten(1, 2), pack)
        codes = torch.stack(
            [
                torch.randn(pack * batch, config.latent_dim, device=device, generator=g)
                for g in noise
            ]
        )
        # WGAN-GP's mixing weights; drawn for every loss, so a seed's codes do not depend on it
        epsilon = torch.stack([torch.rand(batch, device=device, generator=g) for g in noise])
        fake = pack_points(generator(codes), pack)
        d_loss = d_loss_of(discriminator, real, fake.detach(), epsilon.flatten())
        optimizer_step(optimizers[1], d_loss)
        discriminator.requires_grad_(False)  # G's update leaves D's weights without gradients
        g_loss = g_loss_of(discriminator, fake)
        optimizer_step(optimizers[0], g_loss)
        discriminator.requires_grad_(True)
        return {"d_loss": d_loss.detach() / trials, "g_loss": g_loss.detach() / trials}

    return step


def train_trials(
    run: Run,
    data: torch.Tensor,
    method: str,
    config: PackedGanConfig,
    seeds: Sequence[int],
    *,
    key: str | None = None,
    checkpoint: str = "checkpoint.pt",
    stop: StopSignal | None = None,
    progress: bool = False,
) -> tuple[nn.Sequential, TrainingLoop]:
    """Train one stacked GAN of ``method`` per seed on ``data`` (n×2, on the device) through
    the training loop, checkpointing into ``run`` as ``checkpoint`` under ``key``; a stopped
    training resumes where it stopped. Returns the stacked generator (in eval mode) and the
    loop (its history of mean losses over the trials, one record per epoch, and its seconds)."""
    _, pack = method_of(method)
    steps_per_epoch = _steps_per_epoch(data, config)
    device = data.device
    generator, discriminator = (m.to(device) for m in build_trials(config, pack, seeds))
    optimizers = tuple(
        torch.optim.Adam(m.parameters(), lr=config.lr, betas=config.betas)
        for m in (generator, discriminator)
    )
    noise = [torch.Generator(device).manual_seed(derived_seed(s, NOISE_STREAM)) for s in seeds]
    total_steps = config.epochs * steps_per_epoch
    schedulers = _lr_schedulers(optimizers, config, total_steps)
    state = TrainingState(
        {"generator": generator, "discriminator": discriminator},
        {"generator": optimizers[0], "discriminator": optimizers[1]},
        schedulers,
        generators={f"noise{t}": g for t, g in enumerate(noise)},
    )
    step = _step_function(
        (generator, discriminator), optimizers, data, method, config, seeds, noise
    )
    if schedulers:
        step = _then_schedule(step, list(schedulers.values()))
    schedule = Schedule(
        total_steps,
        steps_per_epoch,
        config.checkpoint_every_epochs * steps_per_epoch,
        steps_per_epoch,
    )
    loop = TrainingLoop(
        run,
        state,
        step,
        schedule,
        key=key,
        checkpoint=checkpoint,
        stop=stop,
        progress=progress,
        description=f"{method} × {len(seeds)} trials",
    )
    loop.restore()
    loop.train()
    return generator.eval(), loop


def _steps_per_epoch(data: torch.Tensor, config: PackedGanConfig) -> int:
    steps = data.shape[0] // config.batch_size
    if steps < 1:
        raise MinimaxlabError(
            f"{data.shape[0]} training points make no batch of {config.batch_size}; "
            "raise n_train or lower gan.batch_size"
        )
    return steps


def _lr_schedulers(
    optimizers: tuple[torch.optim.Optimizer, torch.optim.Optimizer],
    config: PackedGanConfig,
    total_steps: int,
) -> dict[str, torch.optim.lr_scheduler.LRScheduler]:
    """G's and D's cosine fall from lr to ``lr_final`` over the run; none for a constant step."""
    if config.lr_final is None:
        return {}
    return {
        name: torch.optim.lr_scheduler.CosineAnnealingLR(
            optimizer, total_steps, eta_min=config.lr_final
        )
        for name, optimizer in zip(("generator", "discriminator"), optimizers, strict=True)
    }


def _then_schedule(
    step: Callable[[int], dict[str, torch.Tensor]],
    schedulers: Sequence[torch.optim.lr_scheduler.LRScheduler],
) -> Callable[[int], dict[str, torch.Tensor]]:
    """``step``, each learning rate moved on after it."""

    def scheduled(i: int) -> dict[str, torch.Tensor]:
        logged = step(i)
        for scheduler in schedulers:
            scheduler.step()
        return logged

    return scheduled


@torch.no_grad()
def sample_trials(
    generator: nn.Sequential, n: int, seeds: Sequence[int], latent_dim: int
) -> torch.Tensor:
    """T×n×2: ``n`` points of each trial's generator, its codes drawn from its own seed."""
    device = next(generator.parameters()).device
    codes = [
        torch.randn(
            n,
            latent_dim,
            device=device,
            generator=torch.Generator(device).manual_seed(derived_seed(s, SAMPLE_STREAM)),
        )
        for s in seeds
    ]
    return generator(torch.stack(codes))


def trial_seed(seed: int, trial: int) -> int:
    """Trial ``trial``'s seed, derived from the run's."""
    return derived_seed(seed, 30, trial)
