"""The GAN trainer: one loop a reader can hold in their head, resumable to the bit.

An *iteration* makes ``d_steps`` discriminator updates, each on its own real batch, then
``g_steps`` generator updates; the step counter counts iterations. An epoch is one pass of the
discriminator over the (shuffled) training images. Shuffles are derived from (seed, epoch) and
noise comes from a generator whose state is checkpointed, so a run stopped at any step and
resumed gives the same weights as one that never stopped.
"""

from __future__ import annotations

import contextlib
import copy
import time
from typing import Any, Literal

import torch
import torch.distributed as dist
from pydantic import Field, NonNegativeFloat, NonNegativeInt, PositiveFloat, PositiveInt
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
from torch import nn

from minimaxlab.config import StrictModel
from minimaxlab.data.images import ImageSet
from minimaxlab.errors import MinimaxlabError
from minimaxlab.gan.losses import latent_smoothness_penalty, make_loss
from minimaxlab.gan.speed import SpeedConfig, compile_model, resolve_speed, warn_once
from minimaxlab.interrupt import StopSignal, TrainingInterrupted
from minimaxlab.plots import save_gif, save_image_grid
from minimaxlab.reproducibility import derived_seed, global_rng_state, set_global_rng_state
from minimaxlab.runs import Run

CHECKPOINT_FORMAT = 1
LOGGED = ("d_loss", "g_loss", "d_real", "d_fake")


class OptimizerConfig(StrictModel):
    """Adam's settings."""

    lr: PositiveFloat = 1e-4
    betas: tuple[float, float] = Field((0.9, 0.999), description="each in [0, 1)")

    def model_post_init(self, _: Any) -> None:
        if not all(0.0 <= b < 1.0 for b in self.betas):
            raise ValueError("betas must both lie in [0, 1)")


class GanTrainConfig(StrictModel):
    """How a GAN is trained."""

    epochs: PositiveInt = 50
    batch_size: PositiveInt = 64
    loss: Literal["non-saturating", "saturating", "wgan-gp"] = "non-saturating"
    gp_weight: NonNegativeFloat = 10.0  # λ of the gradient penalty (wgan-gp only)
    d_steps: PositiveInt = 1
    g_steps: PositiveInt = 1
    generator_optimizer: OptimizerConfig = OptimizerConfig()
    discriminator_optimizer: OptimizerConfig = OptimizerConfig()
    log_every: PositiveInt = 50  # iterations between metric records (and device syncs)
    # λ of the latent smoothness penalty on G (0: off): see losses.latent_smoothness_penalty
    smoothness_weight: NonNegativeFloat = 0.0
    smoothness_step: PositiveFloat = 0.1  # ε, the latent distance of the finite difference
    speed: SpeedConfig = SpeedConfig()  # the fast path's switches: see gan/speed.py


class SamplesConfig(StrictModel):
    """The fixed noise grid rendered during training."""

    grid_size: PositiveInt = 4  # a grid_size × grid_size grid
    grid_epochs: list[NonNegativeInt] = [10, 30, 50]  # 0 renders before training starts
    gif: bool = True  # render every epoch into figures/progress.gif


def _adam(params, config: OptimizerConfig) -> torch.optim.Adam:
    return torch.optim.Adam(params, lr=config.lr, betas=config.betas)


class GanTrainer:
    """Trains ``generator`` against ``discriminator`` on ``data``, writing into ``run``."""

    def __init__(
        self,
        generator: nn.Module,
        discriminator: nn.Module,
        data: ImageSet,
        config: GanTrainConfig,
        samples: SamplesConfig,
        run: Run,
        seed: int,
        progress: bool = True,
    ) -> None:
        self.device = data.device
        # One process per device under torchrun: each takes its shard of every global batch.
        self.distributed = dist.is_available() and dist.is_initialized()
        self.rank = dist.get_rank() if self.distributed else 0
        self.world_size = dist.get_world_size() if self.distributed else 1
        self.is_main = self.rank == 0  # only rank 0 writes metrics, figures and checkpoints
        if config.batch_size % self.world_size:
            raise MinimaxlabError(
                f"train.batch_size={config.batch_size} does not split into {self.world_size} "
                "equal shards; make it a multiple of the number of processes"
            )
        self.speed = resolve_speed(
            config.speed,
            self.device,
            # 2-D points: layers so small that bf16 casts cost more than they save
            keep_float32=config.loss == "wgan-gp"
            or config.smoothness_weight > 0
            or not isinstance(data, ImageSet),
        )
        memory_format = torch.channels_last if self.speed.channels_last else None
        if self.distributed and self.device.type == "cuda":
            generator = nn.SyncBatchNorm.convert_sync_batchnorm(generator)
            discriminator = nn.SyncBatchNorm.convert_sync_batchnorm(discriminator)
        self.generator = generator.to(self.device, memory_format=memory_format)
        self.discriminator = discriminator.to(self.device, memory_format=memory_format)
        self.data = data
        self.config = config
        self.samples = samples
        self.run = run
        self.seed = seed
        self.show_progress = progress
        self.loss = make_loss(config.loss, config.gp_weight)
        self.latent_dim: int = generator.latent_dim
        self.generator_optimizer = _adam(generator.parameters(), config.generator_optimizer)
        self.discriminator_optimizer = _adam(
            discriminator.parameters(), config.discriminator_optimizer
        )

        batches = len(data) // config.batch_size
        self.steps_per_epoch = batches // config.d_steps
        if self.steps_per_epoch == 0:
            raise MinimaxlabError(
                f"the data set has {len(data)} images, fewer than train.batch_size × "
                f"train.d_steps = {config.batch_size * config.d_steps}; lower train.batch_size"
            )
        self.total_steps = config.epochs * self.steps_per_epoch
        self.step = 0
        self.elapsed_s = 0.0

        # Separate streams: the grid is drawn on the CPU so that it is the same on every device.
        grid_generator = torch.Generator().manual_seed(derived_seed(seed, 1))
        self.fixed_noise = torch.randn(
            samples.grid_size**2, self.latent_dim, generator=grid_generator
        ).to(self.device)
        self.noise_generator = torch.Generator(self.device).manual_seed(derived_seed(seed, 2))
        self._window = torch.zeros(len(LOGGED), device=self.device)
        self._window_steps = 0
        self._window_start = time.perf_counter()
        self.last_record: dict[str, Any] | None = None
        self._build_step_models(compiled=self.speed.compile)

    def _build_step_models(self, compiled: bool) -> None:
        """The callables the step uses: DDP-wrapped when distributed, compiled when asked.

        ``self.generator`` and ``self.discriminator`` stay the plain modules (checkpoints and
        sampling use them); G's updates call D unwrapped, as they need no gradient sync for D.
        """
        self.compiled = compiled
        self._compile_checked = not compiled
        g_step, d_step = self.generator, self.discriminator
        if self.distributed:
            ids = [self.device.index] if self.device.type == "cuda" else None
            g_step = nn.parallel.DistributedDataParallel(g_step, device_ids=ids)
            d_step = nn.parallel.DistributedDataParallel(d_step, device_ids=ids)
        d_frozen: nn.Module = self.discriminator
        if compiled:
            g_step, d_step = compile_model(g_step, self.speed), compile_model(d_step, self.speed)
            d_frozen = compile_model(d_frozen, self.speed) if self.distributed else d_step
        elif not self.distributed:
            d_frozen = d_step
        self._g_step, self._d_step, self._d_frozen = g_step, d_step, d_frozen

    # ---- one iteration ---------------------------------------------------------------------
    def _noise(self, n: int) -> torch.Tensor:
        """This process's rows of a global batch of noise (all of it in one process)."""
        codes = torch.randn(
            n * self.world_size, self.latent_dim, device=self.device, generator=self.noise_generator
        )
        return codes[self.rank * n : (self.rank + 1) * n]

    def _permutation(self, epoch: int) -> torch.Tensor:
        shuffle = torch.Generator().manual_seed(derived_seed(self.seed, 3, epoch))
        return torch.randperm(len(self.data), generator=shuffle).to(self.device)

    def _autocast(self) -> contextlib.AbstractContextManager:
        dtype = self.speed.autocast_dtype
        if dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(self.device.type, dtype=dtype)

    def _critic(self, model: nn.Module):
        """``model`` with float32 outputs: losses are computed in float32 under autocast too."""
        if self.speed.cuda_graphs:  # a graph's outputs are overwritten by its next replay
            return lambda x: model(x).float().clone()
        return lambda x: model(x).float()

    def iteration(self, real_batches: list[torch.Tensor]) -> None:
        """``d_steps`` discriminator updates (one per real batch), then ``g_steps`` G updates."""
        if not self._compile_checked:
            self._first_compiled_iteration(real_batches)
            return
        if self.speed.cuda_graphs:
            torch.compiler.cudagraph_mark_step_begin()
        generator, discriminator = self._g_step, self.discriminator
        critic, frozen_critic = self._critic(self._d_step), self._critic(self._d_frozen)
        batch_size = self.config.batch_size // self.world_size
        memory_format = torch.channels_last if self.speed.channels_last else None
        discriminator.requires_grad_(True)
        for i, indices in enumerate(real_batches):
            real = self.data.gan_batch(indices)
            if memory_format is not None:
                real = real.contiguous(memory_format=memory_format)
            last = i == len(real_batches) - 1
            # The last batch's fakes keep their graph: the first G step reuses them, which
            # saves one generator forward pass per iteration (as pytorch/examples' DCGAN does).
            codes = self._noise(batch_size)
            with torch.set_grad_enabled(last), self._autocast():
                fake = generator(codes)
            with self._autocast():
                d_loss, real_out, fake_out = self.loss.discriminator_loss(
                    critic, real, fake.detach()
                )
            self.discriminator_optimizer.zero_grad(set_to_none=True)
            d_loss.backward()
            self.discriminator_optimizer.step()

        discriminator.requires_grad_(False)  # G's updates need no gradients for D's weights
        for j in range(self.config.g_steps):
            with self._autocast():
                if j > 0:
                    codes = self._noise(batch_size)
                    fake = generator(codes)
                g_loss = self.loss.generator_loss(frozen_critic, fake)
                if self.config.smoothness_weight > 0:
                    g_loss = g_loss + self.config.smoothness_weight * latent_smoothness_penalty(
                        generator, codes, fake, self.config.smoothness_step, self.noise_generator
                    )
            self.generator_optimizer.zero_grad(set_to_none=True)
            g_loss.backward()
            self.generator_optimizer.step()
        discriminator.requires_grad_(True)

        # Accumulated on the device; read back only every log_every steps.
        with torch.no_grad():
            self._window += torch.stack(
                [
                    d_loss.detach(),
                    g_loss.detach(),
                    self.loss.belief(real_out.detach()),
                    self.loss.belief(fake_out.detach()),
                ]
            )
        self._window_steps += 1

    def _first_compiled_iteration(self, real_batches: list[torch.Tensor]) -> None:
        """The first step compiles; if compiling fails, undo the step and go on eagerly."""
        saved = copy.deepcopy(
            {
                "models": [self.generator.state_dict(), self.discriminator.state_dict()],
                "optimizers": [
                    self.generator_optimizer.state_dict(),
                    self.discriminator_optimizer.state_dict(),
                ],
                "window": (self._window.clone(), self._window_steps),
            }
        )
        rng, noise_rng = global_rng_state(), self.noise_generator.get_state()
        self._compile_checked = True
        try:
            self.iteration(real_batches)
        except Exception as err:  # any compiler failure; the eager retry re-raises real bugs
            first = (str(err).strip().splitlines() or [""])[0][:160]
            warn_once(f"torch.compile failed ({type(err).__name__}: {first}); training eagerly")
            self.generator.load_state_dict(saved["models"][0])
            self.discriminator.load_state_dict(saved["models"][1])
            self.generator_optimizer.load_state_dict(saved["optimizers"][0])
            self.discriminator_optimizer.load_state_dict(saved["optimizers"][1])
            self._window, self._window_steps = saved["window"]
            set_global_rng_state(rng)
            self.noise_generator.set_state(noise_rng)
            self._build_step_models(compiled=False)
            self.iteration(real_batches)

    # ---- the loop --------------------------------------------------------------------------
    def train(self, stop: StopSignal | None = None, max_steps: int | None = None) -> dict:
        """Train to the configured number of epochs (or ``max_steps``); returns a summary.

        On a stop request the current step finishes, a checkpoint is saved and
        TrainingInterrupted is raised.
        """
        end = self.total_steps if max_steps is None else min(max_steps, self.total_steps)
        if self.step == 0 and 0 in self.samples.grid_epochs and self.is_main:
            self.render_grid(0)
        self.generator.train()
        self.discriminator.train()
        batch_size, d_steps = self.config.batch_size, self.config.d_steps
        shard = batch_size // self.world_size
        first = self.rank * shard  # this process's slice of each global batch
        with self._progress_bar() as bar:
            task = bar.add_task(
                "train",
                total=self.total_steps,
                completed=self.step,
                epoch=self._epoch_label(),
                stats="",
            )
            while self.step < end:
                epoch, offset = divmod(self.step, self.steps_per_epoch)
                order = self._permutation(epoch)
                for position in range(offset, self.steps_per_epoch):
                    start = position * d_steps * batch_size
                    batches = [
                        order[start + k * batch_size + first :][:shard] for k in range(d_steps)
                    ]
                    self.iteration(batches)
                    self.step += 1
                    bar.update(task, advance=1)
                    if self.step % self.config.log_every == 0:
                        bar.update(task, stats=self._stats_text(self.log_window()))
                    if self.step % self.steps_per_epoch == 0:
                        self.end_epoch(self.step // self.steps_per_epoch)
                        bar.update(task, epoch=self._epoch_label())
                    if stop is not None and stop.requested:
                        self.log_window()
                        self.save_checkpoint()
                        raise TrainingInterrupted(self.step)
                    if self.step == end:
                        break
            self.log_window()
            self.save_checkpoint()
        return self.summary()

    def end_epoch(self, epoch: int) -> None:
        """Flush metrics, render the fixed grid, and save a checkpoint."""
        self.log_window()
        if self.is_main:
            self.render_grid(epoch)
        self.save_checkpoint()

    def log_window(self) -> dict[str, Any] | None:
        """Write the mean of the metrics since the last record (one device sync)."""
        if self._window_steps == 0:
            return None
        window = self._window
        if self.distributed:  # the mean over every process's shard
            window = window.clone()
            dist.all_reduce(window)
            window /= self.world_size
        now = time.perf_counter()
        means = (window / self._window_steps).tolist()
        seconds = now - self._window_start
        images = self._window_steps * self.config.batch_size * self.config.d_steps
        record = {"step": self.step, "epoch": round(self.step / self.steps_per_epoch, 4)}
        record.update(zip(LOGGED, means, strict=True))
        record["images_per_s"] = images / seconds if seconds > 0 else None
        if self.is_main:
            self.run.log_metrics(record)
        self.elapsed_s += seconds
        self._window.zero_()
        self._window_steps = 0
        self._window_start = now
        self.last_record = record
        return record

    # ---- figures ---------------------------------------------------------------------------
    @torch.no_grad()
    def sample_grid(self) -> torch.Tensor:
        """The fixed noise grid through G in eval mode (batch-norm running statistics)."""
        was_training = self.generator.training
        self.generator.eval()
        images = self.generator(self.fixed_noise)
        self.generator.train(was_training)
        return images

    def render_grid(self, epoch: int) -> None:
        images = self.sample_grid()
        nrow = self.samples.grid_size
        if self.samples.gif:
            save_image_grid(images, self.run.figure_path(f"progress/epoch_{epoch:03d}.png"), nrow)
            frames = sorted((self.run.path / "figures" / "progress").glob("epoch_*.png"))
            save_gif(frames, self.run.figure_path("progress.gif"))
        if epoch in self.samples.grid_epochs:
            save_image_grid(images, self.run.figure_path(f"samples/epoch_{epoch:03d}.png"), nrow)

    # ---- checkpoints -----------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        return {
            "format": CHECKPOINT_FORMAT,
            "step": self.step,
            "epoch": self.step // self.steps_per_epoch,
            "steps_per_epoch": self.steps_per_epoch,
            "elapsed_s": self.elapsed_s,
            "models": {
                "generator": self.generator.state_dict(),
                "discriminator": self.discriminator.state_dict(),
            },
            "optimizers": {
                "generator": self.generator_optimizer.state_dict(),
                "discriminator": self.discriminator_optimizer.state_dict(),
            },
            "rng": global_rng_state(),
            "noise_rng": self.noise_generator.get_state(),
            "fixed_noise": self.fixed_noise.cpu(),
        }

    def save_checkpoint(self) -> None:
        if self.is_main:
            self.run.save_checkpoint(self.state_dict())

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Continue from a checkpoint written by :meth:`state_dict`."""
        if state.get("format") != CHECKPOINT_FORMAT or "models" not in state:
            raise MinimaxlabError("the checkpoint was not written by this GAN trainer")
        if state["steps_per_epoch"] != self.steps_per_epoch:
            raise MinimaxlabError(
                f"the checkpoint has {state['steps_per_epoch']} steps per epoch but the config "
                f"gives {self.steps_per_epoch}; resume with the data and batch settings it used"
            )
        load_models(state, generator=self.generator, discriminator=self.discriminator)
        self.generator_optimizer.load_state_dict(state["optimizers"]["generator"])
        self.discriminator_optimizer.load_state_dict(state["optimizers"]["discriminator"])
        set_global_rng_state(state["rng"])
        self.noise_generator.set_state(state["noise_rng"])
        self.fixed_noise = state["fixed_noise"].to(self.device)
        self.step = state["step"]
        self.elapsed_s = state["elapsed_s"]
        if self.is_main:
            self.run.truncate_metrics(self.step)

    def summary(self) -> dict[str, Any]:
        images = self.step * self.config.batch_size * self.config.d_steps
        return {
            "steps": self.step,
            "epochs": self.step / self.steps_per_epoch,
            "train_time_s": self.elapsed_s,
            "images_per_s": images / self.elapsed_s if self.elapsed_s > 0 else None,
            "final": {k: self.last_record[k] for k in LOGGED} if self.last_record else None,
            "speed": {**self.speed.as_dict(), "compile": self.compiled},
            "processes": self.world_size,
        }

    # ---- progress --------------------------------------------------------------------------
    def _epoch_label(self) -> str:
        epoch = min(self.step // self.steps_per_epoch + 1, self.config.epochs)
        return f"epoch {epoch}/{self.config.epochs}"

    @staticmethod
    def _stats_text(record: dict[str, Any] | None) -> str:
        if record is None:
            return ""
        rate = record["images_per_s"] or 0.0
        return (
            f"D {record['d_loss']:.3f} G {record['g_loss']:.3f} "
            f"D(x) {record['d_real']:.2f} D(G(z)) {record['d_fake']:.2f} {rate:,.0f} img/s"
        )

    def _progress_bar(self) -> Progress:
        return Progress(
            TextColumn("{task.fields[epoch]}"),
            BarColumn(bar_width=24),
            TextColumn("{task.completed:.0f}/{task.total:.0f}"),
            TextColumn("{task.fields[stats]}"),
            TimeRemainingColumn(),
            disable=not (self.show_progress and self.is_main),
        )


def load_models(state: dict[str, Any], **models: nn.Module) -> None:
    """Load each named model's weights from a checkpoint, or say why they do not fit."""
    for name, model in models.items():
        weights = state.get("models", {}).get(name)
        if weights is None:
            raise MinimaxlabError(f"the checkpoint holds no {name}")
        try:
            model.load_state_dict(weights)
        except RuntimeError as err:
            first = str(err).strip().splitlines()[0]
            raise MinimaxlabError(
                f"the checkpoint's {name} does not fit the architecture in the config "
                f"({first}); use the config the run was trained with"
            ) from None
