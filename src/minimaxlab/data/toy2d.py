"""Two-dimensional toy data (shared/SPEC.md): two moons, 8 Gaussians on a ring, a 5×5 grid, and
the PacGAN paper's versions of the ring and the grid (mode-bench).

Each distribution knows its modes, so that samples can be scored by their distance to them
(metrics/toy.py): the Gaussian mixtures' modes are their centres; the moons' modes are the two
half circles the points are scattered around.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import torch

from minimaxlab.errors import MinimaxlabError
from minimaxlab.reproducibility import derived_seed

ToyName = Literal["moons", "ring8", "grid25"]
# The set-up of Lin et al. 2018 (PacGAN), Table 1: a ring of 8 on the unit circle, σ 0.01, and
# a 5×5 grid at {−4, −2, 0, 2, 4}², σ 0.05 (the same grid as grid25, named for the benchmark).
PacganToyName = Literal["pacgan-ring8", "pacgan-grid25"]
TOY_NAMES: tuple[str, ...] = ("moons", "ring8", "grid25", "pacgan-ring8", "pacgan-grid25")


@dataclass(frozen=True)
class ToyDistribution:
    """A named 2-D distribution: how to draw from it and where its modes are."""

    name: str
    sigma: float  # the noise around each mode, the unit of "within 3σ of a mode"
    centres: torch.Tensor  # K×2: Gaussian centres, or the moons' circle centres
    radius: float = 0.0  # > 0: each mode is the half circle of this radius about its centre
    # for half circles: +1 (upper half) or −1 (lower half), one per mode
    halves: tuple[int, ...] = ()

    @property
    def n_modes(self) -> int:
        return self.centres.shape[0]

    def sample(
        self, n: int, generator: torch.Generator | None = None, device: torch.device | str = "cpu"
    ) -> torch.Tensor:
        """``n`` points (n×2, float32) with balanced modes, drawn on the CPU from ``generator``
        so that a seed gives the same points on every device."""
        modes = torch.randint(self.n_modes, (n,), generator=generator)
        noise = self.sigma * torch.randn(n, 2, generator=generator)
        if self.radius > 0:
            angle = math.pi * torch.rand(n, generator=generator)
            side = torch.tensor(self.halves, dtype=torch.float32)[modes]
            on_curve = self.radius * torch.stack((angle.cos(), side * angle.sin()), dim=1)
            points = self.centres[modes] + on_curve
        else:
            points = self.centres[modes]
        return (points + noise).to(device)

    def distances_to_modes(self, points: torch.Tensor) -> torch.Tensor:
        """n×K Euclidean distances from each point to each mode (a centre or a half circle)."""
        centres = self.centres.to(points.device, points.dtype)
        offsets = points[:, None, :] - centres[None]  # n×K×2
        if self.radius == 0:
            return offsets.norm(dim=2)
        side = torch.tensor(self.halves, device=points.device, dtype=points.dtype)
        # Points on the curve's own side project onto the arc; the others are nearest to
        # one of its two ends.
        to_arc = (offsets.norm(dim=2) - self.radius).abs()
        shift = points.new_tensor([self.radius, 0.0])
        ends = torch.stack((centres + shift, centres - shift))  # 2×K×2
        to_ends = (points[None, :, None, :] - ends[:, None]).norm(dim=3).amin(dim=0)
        on_own_side = offsets[..., 1] * side >= 0
        return torch.where(on_own_side, to_arc, to_ends)


def _moons() -> ToyDistribution:
    # scikit-learn's make_moons geometry (unit circles at (0, 0) and (1, 0.5)), centred at the
    # origin and scaled by 2 so that it spans about as far as ring8; noise σ 0.05 after scaling.
    scale = 2.0
    centres = scale * (torch.tensor([[0.0, 0.0], [1.0, 0.5]]) - torch.tensor([0.5, 0.25]))
    return ToyDistribution("moons", 0.05, centres, radius=scale, halves=(1, -1))


def _ring8(name: str = "ring8", radius: float = 2.0, sigma: float = 0.02) -> ToyDistribution:
    angles = torch.arange(8) * (2 * math.pi / 8)
    return ToyDistribution(name, sigma, radius * torch.stack((angles.cos(), angles.sin()), 1))


def _grid25(name: str = "grid25") -> ToyDistribution:
    ticks = torch.arange(-2, 3, dtype=torch.float32) * 2.0
    centres = torch.cartesian_prod(ticks, ticks)
    return ToyDistribution(name, 0.05, centres)


_BUILDERS = {
    "moons": _moons,
    "ring8": _ring8,
    "grid25": _grid25,
    "pacgan-ring8": lambda: _ring8("pacgan-ring8", radius=1.0, sigma=0.01),
    "pacgan-grid25": lambda: _grid25("pacgan-grid25"),
}


def toy_distribution(name: str) -> ToyDistribution:
    """The toy distribution called ``name``, or an error listing the known ones."""
    try:
        return _BUILDERS[name]()
    except KeyError:
        raise MinimaxlabError(
            f"unknown 2-D data set {name!r}; choose one of {', '.join(TOY_NAMES)}"
        ) from None


def draw_points(
    name: str, seed: int, n_train: int, n_eval: int, device: torch.device | str = "cpu"
) -> tuple[ToyDistribution, torch.Tensor, torch.Tensor]:
    """Data set ``name``, its training points and fresh evaluation points for ``seed``: the
    same draws in every experiment, so gan-2d and nce-sampler see the same points."""
    distribution = toy_distribution(name)
    draw = torch.Generator().manual_seed(derived_seed(seed, 10))
    return (
        distribution,
        distribution.sample(n_train, draw, device),
        distribution.sample(n_eval, draw, device),
    )


@dataclass(frozen=True)
class PointSet:
    """Points held whole on the device, batched by index like an ImageSet (for GanTrainer)."""

    name: str
    points: torch.Tensor
    labels: torch.Tensor | None = None  # toy points have no classes

    def __len__(self) -> int:
        return self.points.shape[0]

    @property
    def device(self) -> torch.device:
        return self.points.device

    def gan_batch(self, indices: torch.Tensor) -> torch.Tensor:
        return self.points[indices]
