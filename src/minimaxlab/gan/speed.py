"""The trainer's fast path: mixed precision, channels-last, torch.compile, CUDA graphs, one
discriminator forward over real and fake, the Adam implementation, lean per-step bookkeeping.

Every trick is a switch in ``train.speed``; ``auto`` resolves per device to the setting that
was measured to be faster without changing what is learned (see README, "Speed"):

- precision ``auto``: bf16 autocast where the device computes bf16 natively (CUDA with bf16,
  a CPU with AVX-512 bf16 / AMX), float32 elsewhere. Measured with ``make bench`` on
  2026-12-02 on this project's 2-core CPU (load 0.53 at the start, nothing else running): at
  2 threads bf16 took the trainer to 1.49× its float32 self on the seed DCGAN at batch 64
  (1.35× on the MLP GAN), and the defaults to 1.41× the plain float32 loop. (An earlier
  "19× slower with two threads" came from a machine at load 8–9, where threads spin.)
  float32 whenever the loss needs second derivatives or small differences of images
  (WGAN-GP's gradient penalty, the latent smoothness penalty), which bf16's 8-bit mantissa
  would blur, and for 2-D point data, whose layers are too small to gain. Weights, optimiser
  states and losses stay float32; only the layers' arithmetic runs in bf16.
- channels_last ``auto``: on for CUDA (cuDNN's tensor-core convolutions want NHWC), off for
  the CPU: 1.15× in float32 but nothing on top of bf16 and fused Adam (the trainer at 1.47×
  the plain loop with it and without it, both runs started at load ~1.5), and it changes
  the order in which dropout draws its mask.
- compile ``auto``: on for CUDA, off for the CPU, where the same bench measured it at 0.81×
  eager (DCGAN) and 0.84× (MLP GAN) after its compilation.
- cuda_graphs ``auto``: off (not measured on a GPU yet); ``on`` compiles with
  mode="reduce-overhead" on CUDA and is refused elsewhere.
- joint_discriminator ``auto``: off. ``on`` calls D once on real and fake concatenated
  instead of twice: the same function when D has no batch norm (refused when it has), but a
  D with dropout then draws one mask for the joint batch instead of two, so the numbers are
  correct but not the two-call numbers bit for bit; measured 0.99× on the CPU.
- optimizer ``auto``: torch's own choice (for-loop Adam on the CPU, foreach on CUDA), which
  the earlier numbers were made with. Fused measured 1.13× in float32; with bf16 the trainer
  reached 1.47× the plain loop with fused Adam against 1.41× without, in two separate runs
  (the first started at load 1.46), too close to keep on that evidence. ``fused`` and
  ``foreach`` ask for those kernels. A resumed run continues with the implementation its
  checkpoint was written with (``Optimizer.load_state_dict`` restores it).
- uniform_dropout ``auto``: on for the CPU, off elsewhere. ``on`` replaces each
  ``nn.Dropout`` of G and D by :class:`UniformDropout`, whose mask is ``rand ≥ p``: the same
  Bernoulli(1 − p) mask in distribution, drawn from another stream, so a run's numbers differ
  from ``off`` bit for bit but not in law. Measured on 2026-12-02 on a 2-core AVX2 CPU without
  native bf16 (load 0.28, seed DCGAN, batch 64, float32, one process, 7 alternating
  repetitions): torch's CPU ``bernoulli_`` took 13% of the plain loop's step, a mask from
  ``torch.rand`` 5.8 ms against ``F.dropout``'s 13.7 ms on a 64×64×14×14 input, and the
  trainer went from 1.03× to 1.14× the plain loop. On a 2-core CPU with native bf16 (same
  day, ``benchmarks/throughput.py --levers --only uniform_dropout``, DCGAN, batch 64, 2
  threads, 7 repetitions, load 1.12 at the start, nothing else running)
  it gave 1.08× on top of bf16, and the defaults reached 1.63× the plain loop (load 0.00).
- lean_steps ``auto``: on. The progress bar is advanced in batches (at records, and at most
  every PROGRESS_EVERY_S seconds) instead of once a step; what is computed is unchanged.
"""

from __future__ import annotations

import warnings
from dataclasses import asdict, dataclass
from typing import Literal

import torch
from pydantic import field_validator
from torch import nn

from minimaxlab.config import StrictModel
from minimaxlab.errors import MinimaxlabError

Switch = Literal["auto", "on", "off"]
PROGRESS_EVERY_S = 0.25  # lean steps: the longest the progress bar lags behind the step


class SpeedConfig(StrictModel):
    """How fast the trainer runs; results do not depend on it beyond floating-point rounding."""

    precision: Literal["auto", "float32", "bf16"] = "auto"
    channels_last: Switch = "auto"  # NHWC activations and weights for the convolutions
    compile: Switch = "auto"  # torch.compile the models; falls back to eager if it fails
    cuda_graphs: Switch = "auto"  # replay the compiled step as CUDA graphs (GPU only)
    joint_discriminator: Switch = "auto"  # one D forward over real and fake concatenated
    optimizer: Literal["auto", "fused", "foreach", "for-loop"] = "auto"  # Adam's kernels
    lean_steps: Switch = "auto"  # per-step bookkeeping batched (the progress bar)
    uniform_dropout: Switch = "auto"  # dropout masks from torch.rand instead of bernoulli_

    @field_validator(
        "channels_last",
        "compile",
        "cuda_graphs",
        "joint_discriminator",
        "lean_steps",
        "uniform_dropout",
        mode="before",
    )
    @classmethod
    def _yaml_switch(cls, value: object) -> object:
        """``key=on`` / ``key=off`` reach here as YAML 1.1 booleans: read them as meant."""
        if isinstance(value, bool):
            return "on" if value else "off"
        return value


@dataclass(frozen=True)
class Speed:
    """The settings in force for one device, after ``auto`` is resolved."""

    precision: Literal["float32", "bf16"]
    channels_last: bool
    compile: bool
    cuda_graphs: bool
    joint_discriminator: bool = False
    optimizer: Literal["fused", "foreach", "for-loop"] = "for-loop"
    lean_steps: bool = True
    uniform_dropout: bool = False

    @property
    def adam_options(self) -> dict[str, bool]:
        """The keywords that give torch.optim.Adam this implementation."""
        if self.optimizer == "fused":
            return {"fused": True}
        return {"foreach": self.optimizer == "foreach"}

    @property
    def autocast_dtype(self) -> torch.dtype | None:
        return torch.bfloat16 if self.precision == "bf16" else None

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def bf16_supported(device: torch.device) -> bool:
    """Whether ``device`` has native bf16 arithmetic (not an emulation slower than float32)."""
    if device.type == "cuda":
        return torch.cuda.is_bf16_supported()
    if device.type == "cpu":
        mkldnn = torch.backends.mkldnn.is_available()
        return bool(mkldnn and torch.ops.mkldnn._is_mkldnn_bf16_supported())
    return False


def resolve_speed(
    config: SpeedConfig,
    device: torch.device,
    keep_float32: bool = False,
    discriminator_has_batch_norm: bool = False,
) -> Speed:
    """``config`` with every ``auto`` decided for ``device``; ``keep_float32``: auto is float32;
    ``discriminator_has_batch_norm``: one forward over real and fake is another function."""
    cuda = device.type == "cuda"
    precision = config.precision
    if precision == "auto":
        precision = "bf16" if bf16_supported(device) and not keep_float32 else "float32"
    elif precision == "bf16" and not bf16_supported(device):
        raise MinimaxlabError(
            f"train.speed.precision=bf16 but {device} has no native bf16; use float32 or auto"
        )
    cuda_graphs = config.cuda_graphs == "on"
    if cuda_graphs and not cuda:
        raise MinimaxlabError("train.speed.cuda_graphs=on needs a CUDA device; use auto or off")
    compile_ = config.compile == "on" or (config.compile == "auto" and cuda) or cuda_graphs
    channels_last = config.channels_last == "on" or (config.channels_last == "auto" and cuda)
    joint = config.joint_discriminator == "on"
    if joint and discriminator_has_batch_norm:
        raise MinimaxlabError(
            "train.speed.joint_discriminator=on but the discriminator has batch norm, whose "
            "statistics over real and fake together make it another function; use auto or off"
        )
    optimizer = config.optimizer
    if optimizer == "auto":
        optimizer = "foreach" if cuda else "for-loop"  # what torch.optim.Adam picks itself
    lean = config.lean_steps != "off"
    uniform = config.uniform_dropout == "on" or (
        config.uniform_dropout == "auto" and device.type == "cpu"
    )
    return Speed(precision, channels_last, compile_, cuda_graphs, joint, optimizer, lean, uniform)


class UniformDropout(nn.Dropout):
    """``nn.Dropout`` whose mask is drawn as ``rand ≥ p`` (keep with probability 1 − p), which
    torch computes faster on the CPU than the ``bernoulli_`` behind ``F.dropout``."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p == 0:
            return x
        if self.p == 1:
            return torch.zeros_like(x)
        keep = torch.rand_like(x) >= self.p
        return x * keep * (1 / (1 - self.p))


def use_uniform_dropout(model: nn.Module) -> nn.Module:
    """``model`` with every plain ``nn.Dropout`` replaced, in place, by :class:`UniformDropout`
    of the same rate (dropout has no weights, so state dicts are unchanged)."""
    for parent in model.modules():
        for name, child in parent.named_children():
            if type(child) is nn.Dropout:
                setattr(parent, name, UniformDropout(child.p))
    return model


def compile_model(model: torch.nn.Module, speed: Speed) -> torch.nn.Module:
    """``model`` wrapped by torch.compile (compilation itself happens at the first call)."""
    mode = "reduce-overhead" if speed.cuda_graphs else None
    return torch.compile(model, mode=mode)


_warned: set[str] = set()


def warn_once(message: str) -> None:
    """A one-line warning, shown once per process."""
    if message not in _warned:
        _warned.add(message)
        warnings.warn(message, RuntimeWarning, stacklevel=3)
