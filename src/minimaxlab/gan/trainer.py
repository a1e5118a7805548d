"""The GAN trainer: one loop a reader can hold in their head, resumable to the bit.

An *iteration* hands ``d_steps`` real batches (with their labels) to the model's family
(``gan/family.py``), which makes the discriminator and generator updates — by default one D
update per batch, then ``g_steps`` G updates; the step counter counts iterations. An epoch is
one pass of the discriminator over the (shuffled) training data. Shuffles are derived from
(seed, epoch), noise comes from a generator whose state is checkpointed, and the checkpoint is
a :class:`~minimaxlab.training.state.TrainingState` (models, optimisers, noise generator, every
global RNG), so a run stopped at any step and resumed gives the same weights as one that never
stopped. A loss that turns nan or inf stops the run before the next checkpoint overwrites the
last finite one.
"""

from __future__ import annotations

import contextlib
import copy
import math
import time
from collections.abc import Callable, Iterator
from typing import Any, Literal, Protocol

import torch
from pydantic import Field, NonNegativeFloat, NonNegativeInt, PositiveFloat, PositiveInt
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeRemainingColumn
from torch import nn

from minimaxlab.config import StrictModel
from minimaxlab.data.images import ImageSet
from minimaxlab.distributed import mean_over_processes, process_group
from minimaxlab.errors import MinimaxlabError
from minimaxlab.gan.family import GanFamily, GanIteration, LossFamily, Model, RealBatch
from minimaxlab.gan.losses import JointCritic, make_loss
from minimaxlab.gan.speed import (
    PROGRESS_EVERY_S,
    Speed,
    SpeedConfig,
    compile_model,
    resolve_speed,
    use_uniform_dropout,
    warn_once,
)
from minimaxlab.generative import GENERATOR
from minimaxlab.interrupt import StopSignal, TrainingInterrupted
from minimaxlab.plots import save_gif, save_image_grid
from minimaxlab.reproducibility import derived_seed
from minimaxlab.runs import Run
from minimaxlab.training.state import (
    CHECKPOINT_FORMAT,
    TrainingState,
    check_finite,
    load_models,  # noqa: F401  (gan/generators.py imports it from here until it moves to tools/)
    stop_requested,
)

# What a metric record holds besides the family's means.
RECORD_FIELDS = ("step", "epoch", "images_per_s")
# How the progress bar names the default family's numbers; others show under their own names.
SHORT_NAMES = {"d_loss": "D", "g_loss": "G", "d_real": "D(x)", "d_fake": "D(G(z))"}


class OptimizerConfig(StrictModel):
    """Adam's settings."""

    lr: PositiveFloat = 1e-4
    betas: tuple[float, float] = Field((0.9, 0.999), description="each in [0, 1)")

    def model_post_init(self, _: Any) -> None:
        if not all(0.0 <= b < 1.0 for b in self.betas):
            raise ValueError("betas must both lie in [0, 1)")


class GanTrainConfig(StrictModel):
    """How a GAN is trained. ``loss``, ``gp_weight``, ``g_steps`` and the smoothness penalty
    configure the default family (:class:`~minimaxlab.gan.family.LossFamily`)."""

    epochs: PositiveInt = 50
    batch_size: PositiveInt = 64
    loss: Literal["non-saturating", "saturating", "wgan-gp"] = "non-saturating"
    gp_weight: NonNegativeFloat = 10.0  # λ of the gradient penalty (wgan-gp only)
    d_steps: PositiveInt = 1  # real batches per iteration (one D update each by default)
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


class GanData(Protocol):
    """What the trainer batches: an ImageSet, a PointSet, anything indexed the same way."""

    labels: torch.Tensor | None  # one class per row; None for data without classes

    def __len__(self) -> int: ...

    @property
    def device(self) -> torch.device: ...

    def gan_batch(self, indices: torch.Tensor) -> torch.Tensor:
        """The rows at ``indices`` as the discriminator takes them."""
        ...


def default_family(
    config: GanTrainConfig, after_generator_step: Callable[[], None] | None = None
) -> LossFamily:
    """The family that ``config`` describes: its loss, G steps and smoothness penalty;
    ``after_generator_step`` runs after every G update (an average of G's weights)."""
    return LossFamily(
        make_loss(config.loss, config.gp_weight),
        g_steps=config.g_steps,
        smoothness_weight=config.smoothness_weight,
        smoothness_step=config.smoothness_step,
        after_generator_step=after_generator_step,
    )


def _adam(params, config: OptimizerConfig, speed: Speed) -> torch.optim.Adam:
    return torch.optim.Adam(params, lr=config.lr, betas=config.betas, **speed.adam_options)


def has_batch_norm(model: nn.Module) -> bool:
    return any(isinstance(m, nn.modules.batchnorm._BatchNorm) for m in model.modules())


def _steps_per_epoch(rows: int, config: GanTrainConfig) -> int:
    steps = rows // config.batch_size // config.d_steps
    if steps == 0:
        raise MinimaxlabError(
            f"the data set has {rows} images, fewer than train.batch_size × "
            f"train.d_steps = {config.batch_size * config.d_steps}; lower train.batch_size"
        )
    return steps


class GanTrainer:
    """Trains ``generator`` against ``discriminator`` on ``data``, writing into ``run``.

    ``family`` makes each iteration's updates (default: :func:`default_family` of ``config``).
    """

    def __init__(
        self,
        generator: nn.Module,
        discriminator: nn.Module,
        data: GanData,
        config: GanTrainConfig,
        samples: SamplesConfig,
        run: Run,
        seed: int,
        progress: bool = True,
        family: GanFamily | None = None,
    ) -> None:
        self.data, self.config, self.samples, self.run, self.seed = data, config, samples, run, seed
        self.device = data.device
        self.show_progress = progress
        self.family = default_family(config) if family is None else family
        self._join_processes()
        self.speed = resolve_speed(
            config.speed,
            self.device,
            # 2-D points: layers so small that bf16 casts cost more than they save
            keep_float32=self.family.needs_float32 or not isinstance(data, ImageSet),
            discriminator_has_batch_norm=has_batch_norm(discriminator),
        )
        self.generator, self.discriminator = self._placed(generator), self._placed(discriminator)
        self.latent_dim: int = generator.latent_dim
        self.generator_optimizer = _adam(
            self.generator.parameters(), config.generator_optimizer, self.speed
        )
        self.discriminator_optimizer = _adam(
            self.discriminator.parameters(), config.discriminator_optimizer, self.speed
        )
        self.steps_per_epoch = _steps_per_epoch(len(data), config)
        self.total_steps = config.epochs * self.steps_per_epoch
        self.step, self.elapsed_s = 0, 0.0
        self.last_record: dict[str, Any] | None = None
        self.fixed_noise, self.fixed_labels = self._fixed_grid_inputs()
        self.noise_generator = torch.Generator(self.device).manual_seed(derived_seed(seed, 2))
        self.state = TrainingState(
            models={GENERATOR: self.generator, "discriminator": self.discriminator},
            optimizers={
                GENERATOR: self.generator_optimizer,
                "discriminator": self.discriminator_optimizer,
            },
            generators={"noise": self.noise_generator},
        )
        self._shuffle: tuple[int, torch.Tensor] | None = None  # (epoch, its permutation)
        self._logged: tuple[str, ...] | None = None  # the family's names, in its order
        self._window: torch.Tensor | None = None
        self._start_window()
        self._build_step_models(compiled=self.speed.compile)

    def _join_processes(self) -> None:
        """One process per device under torchrun: each takes its shard of every global batch."""
        group = process_group()
        self.distributed = group is not None
        self.rank, self.world_size = group or (0, 1)
        self.is_main = self.rank == 0  # only rank 0 writes metrics, figures and checkpoints
        if self.config.batch_size % self.world_size:
            raise MinimaxlabError(
                f"train.batch_size={self.config.batch_size} does not split into "
                f"{self.world_size} equal shards; make it a multiple of the number of processes"
            )

    def _placed(self, model: nn.Module) -> nn.Module:
        """``model`` on the device, in the fast path's memory format; under several CUDA
        processes with batch norm synchronised across them."""
        if self.distributed and self.device.type == "cuda":
            model = nn.SyncBatchNorm.convert_sync_batchnorm(model)
        if self.speed.uniform_dropout:
            use_uniform_dropout(model)
        memory_format = torch.channels_last if self.speed.channels_last else None
        return model.to(self.device, memory_format=memory_format)

    def _fixed_grid_inputs(self) -> tuple[torch.Tensor, torch.Tensor | None]:
        """The grid's codes, and for a conditional generator its classes, one per row in turn.
        The codes have their own stream, drawn on the CPU so that the grid is the same on every
        device."""
        grid_generator = torch.Generator().manual_seed(derived_seed(self.seed, 1))
        size = self.samples.grid_size
        codes = torch.randn(size**2, self.latent_dim, generator=grid_generator).to(self.device)
        classes = getattr(self.generator, "num_classes", None)
        rows = torch.arange(size**2, device=self.device) // size
        labels = None if classes is None else rows % classes
        return codes, labels

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

    def _batch_indices(self, step: int) -> list[torch.Tensor]:
        """This process's rows of the ``d_steps`` real batches of ``step``: consecutive
        slices of its epoch's shuffle."""
        epoch, position = divmod(step, self.steps_per_epoch)
        if self._shuffle is None or self._shuffle[0] != epoch:
            self._shuffle = (epoch, self._permutation(epoch))
        order = self._shuffle[1]
        batch_size = self.config.batch_size
        shard = batch_size // self.world_size
        start = position * self.config.d_steps * batch_size + self.rank * shard
        return [order[start + k * batch_size :][:shard] for k in range(self.config.d_steps)]

    def _real_batch(self, indices: torch.Tensor) -> RealBatch:
        real = self.data.gan_batch(indices)
        if self.speed.channels_last:
            real = real.contiguous(memory_format=torch.channels_last)
        labels = None if self.data.labels is None else self.data.labels[indices]
        return RealBatch(real, labels)

    def _autocast(self) -> contextlib.AbstractContextManager:
        dtype = self.speed.autocast_dtype
        if dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(self.device.type, dtype=dtype)

    @contextlib.contextmanager
    def _discriminator_frozen(self) -> Iterator[None]:
        """G's updates need no gradients for D's weights."""
        self.discriminator.requires_grad_(False)
        try:
            yield
        finally:
            self.discriminator.requires_grad_(True)

    def _critic(self, model: nn.Module) -> Model:
        """``model`` with float32 outputs: losses are computed in float32 under autocast too;
        one forward over real and fake together when the fast path says so."""
        copy_outputs = self.speed.cuda_graphs  # a graph's outputs are overwritten by its replay

        def critic(*inputs: torch.Tensor) -> torch.Tensor:
            outputs = model(*inputs).float()
            return outputs.clone() if copy_outputs else outputs

        return JointCritic(critic) if self.speed.joint_discriminator else critic

    def iteration(self, batch_indices: list[torch.Tensor]) -> None:
        """One step: the family's updates of D and G on the real batches at ``batch_indices``."""
        if not self._compile_checked:
            self._first_compiled_iteration(batch_indices)
            return
        if self.speed.cuda_graphs:
            torch.compiler.cudagraph_mark_step_begin()
        logged = self.family.train_step(
            GanIteration(
                real=[self._real_batch(indices) for indices in batch_indices],
                generator=self._g_step,
                discriminator=self._critic(self._d_step),
                frozen_discriminator=self._critic(self._d_frozen),
                generator_optimizer=self.generator_optimizer,
                discriminator_optimizer=self.discriminator_optimizer,
                noise=self._noise,
                noise_generator=self.noise_generator,
                autocast=self._autocast,
                freeze_discriminator=self._discriminator_frozen,
            )
        )
        self._accumulate(logged)

    def _first_compiled_iteration(self, batch_indices: list[torch.Tensor]) -> None:
        """The first step compiles; if compiling fails, undo the step and go on eagerly."""
        saved = copy.deepcopy(self.state.state_dict())
        self._compile_checked = True
        try:
            self.iteration(batch_indices)
        except Exception as err:  # any compiler failure; the eager retry re-raises real bugs
            first = (str(err).strip().splitlines() or [""])[0][:160]
            warn_once(f"torch.compile failed ({type(err).__name__}: {first}); training eagerly")
            self.state.load_state_dict(saved)
            self._build_step_models(compiled=False)
            self.iteration(batch_indices)

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
        with self._progress_bar() as bar:
            task = bar.add_task(
                "train",
                total=self.total_steps,
                completed=self.step,
                epoch=self._epoch_label(),
                stats="",
            )
            self._unshown_steps, self._bar_shown_at = 0, time.perf_counter()
            while self.step < end:
                self.iteration(self._batch_indices(self.step))
                self.step += 1
                self._after_step(bar, task, stop)
            bar.update(task, advance=self._unshown_steps)
            self.log_window()
            self.save_checkpoint()
        return self.summary()

    def _after_step(self, bar: Progress, task: TaskID, stop: StopSignal | None) -> None:
        """Record, close an epoch, and save and stop on request, as the step count says."""
        self._advance_bar(bar, task)
        if self.step % self.config.log_every == 0:
            bar.update(task, stats=self._stats_text(self.log_window()))
        if self.step % self.steps_per_epoch == 0:
            self.end_epoch(self.step // self.steps_per_epoch)
            bar.update(task, epoch=self._epoch_label())
        if stop_requested(stop):
            self.log_window()
            self.save_checkpoint()
            raise TrainingInterrupted(self.step)

    def _advance_bar(self, bar: Progress, task: TaskID) -> None:
        """Move the bar by the steps since it last moved: every step, or with lean steps at
        records, epoch ends and at most every PROGRESS_EVERY_S seconds (gan/speed.py)."""
        self._unshown_steps += 1
        now = time.perf_counter()
        due = self.step % self.config.log_every == 0 or self.step % self.steps_per_epoch == 0
        if self.speed.lean_steps and not due and now - self._bar_shown_at < PROGRESS_EVERY_S:
            return
        bar.update(task, advance=self._unshown_steps)
        self._unshown_steps, self._bar_shown_at = 0, now

    def end_epoch(self, epoch: int) -> None:
        """Flush metrics, render the fixed grid, and save a checkpoint."""
        self.log_window()
        if self.is_main:
            self.render_grid(epoch)
        self.save_checkpoint()

    # ---- metrics ---------------------------------------------------------------------------
    def _start_window(self) -> None:
        if self._window is not None:
            self._window.zero_()
        self._window_steps = 0
        self._window_start = time.perf_counter()

    def _accumulate(self, logged: dict[str, torch.Tensor]) -> None:
        """Add the family's 0-d tensors to the window, on the device (no sync per step)."""
        if self._logged is None:
            self._logged = tuple(logged)
            self._window = torch.zeros(len(self._logged), device=self.device)
        with torch.no_grad():
            self._window += torch.stack([logged[name].detach().float() for name in self._logged])
        self._window_steps += 1

    def log_window(self) -> dict[str, Any] | None:
        """Write the mean of the metrics since the last record (one device sync); a mean that
        is nan or inf raises TrainingDiverged before anything is written."""
        if self._window_steps == 0:
            return None
        window = mean_over_processes(self._window)  # every process's shard
        now = time.perf_counter()
        means = dict(zip(self._logged, (window / self._window_steps).tolist(), strict=True))
        check_finite(means, self.step, str(self.run.checkpoint_path))
        seconds = now - self._window_start
        images = self._window_steps * self.config.batch_size * self.config.d_steps
        record = {"step": self.step, "epoch": round(self.step / self.steps_per_epoch, 4)}
        record.update(means)
        record["images_per_s"] = images / seconds if seconds > 0 else None
        if self.is_main:
            self.run.log_metrics(record)
        self.elapsed_s += seconds
        self.last_record = record
        self._start_window()
        return record

    # ---- figures ---------------------------------------------------------------------------
    @torch.no_grad()
    def sample_grid(self) -> torch.Tensor:
        """The fixed noise grid through G in eval mode (batch-norm running statistics)."""
        was_training = self.generator.training
        self.generator.eval()
        if self.fixed_labels is None:
            images = self.generator(self.fixed_noise)
        else:
            images = self.generator(self.fixed_noise, self.fixed_labels)
        self.generator.train(was_training)
        return images

    def render_grid(self, epoch: int) -> None:
        images = self.sample_grid()
        nrow = self.samples.grid_size
        self.run.stream_grid("fixed noise grid", images, self.step, nrow)
        if self.samples.gif:
            save_image_grid(images, self.run.figure_path(f"progress/epoch_{epoch:03d}.png"), nrow)
            frames = sorted((self.run.path / "figures" / "progress").glob("epoch_*.png"))
            save_gif(frames, self.run.figure_path("progress.gif"))
        if epoch in self.samples.grid_epochs:
            save_image_grid(images, self.run.figure_path(f"samples/epoch_{epoch:03d}.png"), nrow)

    # ---- checkpoints -----------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        return {
            **self.state.state_dict(),
            "step": self.step,
            "epoch": self.step // self.steps_per_epoch,
            "steps_per_epoch": self.steps_per_epoch,
            "elapsed_s": self.elapsed_s,
            "fixed_noise": self.fixed_noise.cpu(),
            "last_record": self.last_record,
        }

    def save_checkpoint(self) -> None:
        if self.is_main:
            self.run.save_checkpoint(self.state_dict())

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Continue from a checkpoint written by :meth:`state_dict` (or by format 1)."""
        state = _in_current_format(state)
        if state["steps_per_epoch"] != self.steps_per_epoch:
            raise MinimaxlabError(
                f"the checkpoint has {state['steps_per_epoch']} steps per epoch but the config "
                f"gives {self.steps_per_epoch}; resume with the data and batch settings it used"
            )
        if state["step"] > self.total_steps:  # training cannot be taken back
            done = state["step"] / self.steps_per_epoch
            raise MinimaxlabError(
                f"the checkpoint has trained {done:g} epochs, more than train.epochs="
                f"{self.config.epochs}; resume with train.epochs={math.ceil(done)} or more"
            )
        self.state.load_state_dict(state)
        self.fixed_noise = state["fixed_noise"].to(self.device)
        self.step = state["step"]
        self.elapsed_s = state["elapsed_s"]
        self.last_record = state.get("last_record")
        if self.is_main:
            self.run.truncate_metrics(self.step)

    def summary(self) -> dict[str, Any]:
        images = self.step * self.config.batch_size * self.config.d_steps
        record = self.last_record
        final = {k: v for k, v in record.items() if k not in RECORD_FIELDS} if record else None
        return {
            "steps": self.step,
            "epochs": self.step / self.steps_per_epoch,
            "train_time_s": self.elapsed_s,
            "images_per_s": images / self.elapsed_s if self.elapsed_s > 0 else None,
            "final": final,
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
        numbers = " ".join(
            f"{SHORT_NAMES.get(k, k)} {v:.3f}" for k, v in record.items() if k not in RECORD_FIELDS
        )
        return f"{numbers} {record['images_per_s'] or 0.0:,.0f} img/s"

    def _progress_bar(self) -> Progress:
        return Progress(
            TextColumn("{task.fields[epoch]}"),
            BarColumn(bar_width=24),
            TextColumn("{task.completed:.0f}/{task.total:.0f}"),
            TextColumn("{task.fields[stats]}"),
            TimeRemainingColumn(),
            disable=not (self.show_progress and self.is_main),
        )


def _in_current_format(state: dict[str, Any]) -> dict[str, Any]:
    """``state`` in the layout this trainer writes; format 1 (before TrainingState: the noise
    generator under ``noise_rng``, NumPy's RNG state as a tuple) is translated."""
    if state.get("format") == 1 and "noise_rng" in state:
        state = {**state, "format": CHECKPOINT_FORMAT, "generators": {"noise": state["noise_rng"]}}
    if state.get("format") != CHECKPOINT_FORMAT or "steps_per_epoch" not in state:
        raise MinimaxlabError(
            "the checkpoint was not written by the GAN trainer; resume a folder that a GAN "
            "experiment wrote"
        )
    return state
