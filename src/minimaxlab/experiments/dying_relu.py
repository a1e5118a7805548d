"""dying-relu (shared/SPEC.md): a one-hidden-layer network trained with minibatch SGD on
scikit-learn's digits, with ReLU or ELU hidden units, over a grid of learning rates and initial
hidden biases. After every epoch the fraction of hidden units whose pre-activation is ≤ 0 on every
training example is measured: dead for ReLU (no gradient from any minibatch, ever again), while ELU
units measured the same way still receive a gradient. The derivatives the argument rests on are
checked against autograd.

Every (setting, repeat) is one training through the generic loop, under its own key: a stop
saves it mid-epoch and a resume continues it to the bit; a finished one is recorded in the sweep
store and skipped. The measures at epoch ends are returned by the step function at an epoch's
last step, so they are in the loop's records (and its checkpoint) and in ``metrics.jsonl``.

Data: the 64 pixels, in [0, 1], of the project's fixed 80/20 split of digits (1,438 training,
359 test images). They are not standardised: with inputs that are never negative, a unit's
pre-activations on all images move together, so a shift of its bias can silence it everywhere
(tried: with standardised pixels, no setting with learning rate ≤ 1 and initial bias ≥ −3
silenced more than 1% of the units in 20 epochs).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import partial
from typing import Any

import torch
import torch.nn.functional as F
from matplotlib import colormaps
from pydantic import Field, PositiveFloat, PositiveInt, field_validator

from minimaxlab.config import ExperimentConfig, StrictModel
from minimaxlab.data.images import load_digits
from minimaxlab.experiments.base import Experiment, KeyNumber, RunContext
from minimaxlab.metrics.units import RevivedUnits, unit_measures
from minimaxlab.models.one_hidden import (
    ACTIVATIONS,
    Activation,
    OneHiddenLayerNet,
    activation_derivative,
    hidden_weight_jacobian,
)
from minimaxlab.plots import plot_line_panels
from minimaxlab.report.account import listing, number
from minimaxlab.reproducibility import derived_seed, seeded_generator
from minimaxlab.runs import Run
from minimaxlab.sweeps import SweepStore
from minimaxlab.training.loop import Schedule, StepFn, TrainingLoop
from minimaxlab.training.state import TrainingState

LABELS = {"relu": "ReLU", "elu": "ELU"}
# measured before training and after every epoch, for every setting and repeat (unit_measures)
MEASURES = ("dead_fraction", "silent_unit_gradient", "revived_units", "train_loss", "test_accuracy")


class TrainConfig(StrictModel):
    epochs: PositiveInt = 50
    batch_size: PositiveInt = 32
    limit: PositiveInt | None = None  # training examples used (all when null); for tiny runs


class DyingReluConfig(ExperimentConfig):
    experiment: str = "dying-relu"
    activations: list[Activation] = Field(default=["relu", "elu"], min_length=1)
    learning_rates: list[PositiveFloat] = Field(default=[0.1, 1.0, 3.0], min_length=1)
    bias_inits: list[float] = Field(default=[0.0, -1.0, -2.0, -4.0], min_length=1)
    hidden_size: PositiveInt = 100
    repeats: PositiveInt = 3  # initial weights and minibatch orders per setting
    train: TrainConfig = TrainConfig()

    @field_validator("activations", "learning_rates", "bias_inits")
    @classmethod
    def _distinct(cls, values: list[Any]) -> list[Any]:
        if len({f"{v:g}" if isinstance(v, float) else v for v in values}) != len(values):
            raise ValueError("the values of a sweep must be distinct")
        return values


def setting_key(activation: str, learning_rate: float, bias_init: float) -> str:
    return f"{activation}_lr{learning_rate:g}_bias{bias_init:g}"


def digit_features(
    device: torch.device, limit: int | None = None
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Training and test pixels (N×64, in [0, 1]) and labels of the digits split."""
    train, test = load_digits("train"), load_digits("test")
    if limit is not None:
        train = train.head(limit)
    return (
        (train.images.flatten(1).float() / 255.0).to(device),
        train.labels.to(device),
        (test.images.flatten(1).float() / 255.0).to(device),
        test.labels.to(device),
    )


def derivative_checks(
    layers: dict[str, tuple[torch.Tensor, torch.Tensor, torch.Tensor]],
) -> dict[str, dict[str, float]]:
    """The largest |analytic − autograd| of φ'(a) for ReLU and ELU on a grid of a that includes
    0, and of ∂h_r/∂W_kj for each of ``layers`` (name: weight H×D, bias H, inputs N×D)."""
    checks: dict[str, dict[str, float]] = {}
    grid = torch.linspace(-6, 6, 241, dtype=torch.float64)  # steps of 0.05, so a = 0 is in it
    for name in ACTIVATIONS:
        a = grid.clone().requires_grad_(True)
        (autograd,) = torch.autograd.grad(ACTIVATIONS[name](a).sum(), a)
        error = (activation_derivative(name, grid) - autograd).abs().max().item()
        checks[f"{LABELS[name]} φ'(a)"] = {"max_abs_error": error, "values": grid.numel()}
    for name in ACTIVATIONS:
        for where, (weight, bias, inputs) in layers.items():
            weight, bias, inputs = (t.detach().double().cpu() for t in (weight, bias, inputs))
            error, values = 0.0, 0
            for row in inputs:
                autograd = torch.autograd.functional.jacobian(
                    lambda w, row=row, name=name, bias=bias: ACTIVATIONS[name](w @ row + bias),
                    weight,
                )
                analytic = hidden_weight_jacobian(name, weight, bias, row)
                error = max(error, (analytic - autograd).abs().max().item())
                values += autograd.numel()
            checks[f"{LABELS[name]} ∂h_r/∂W_kj, {where}"] = {
                "max_abs_error": error,
                "values": values,
            }
    return checks


def training_key(activation: str, learning_rate: float, bias_init: float, repeat: int) -> str:
    """``relu_lr0.1_bias-4_repeat0``: one training of the sweep, in files and metrics."""
    return f"{setting_key(activation, learning_rate, bias_init)}_repeat{repeat}"


def sweep_settings(config: DyingReluConfig) -> list[tuple[Activation, float, float]]:
    """Every (activation, learning rate, initial bias) of the sweep, in the order trained."""
    return [
        (activation, learning_rate, bias_init)
        for activation in config.activations
        for learning_rate in config.learning_rates
        for bias_init in config.bias_inits
    ]


class EpochBatches:
    """The examples of step i of minibatch SGD over n examples: epoch, position = divmod(i,
    steps_per_epoch), and the epoch's order is the (epoch+1)-th ``randperm`` of a generator
    seeded with ``seed``, as one generator drawing an order per epoch gives them. The orders are
    replayed from the seed when needed, so a run resumed within an epoch draws what it did."""

    def __init__(self, n: int, batch_size: int, seed: int, device: torch.device) -> None:
        self.n, self.batch_size, self.seed, self.device = n, batch_size, seed, device
        self.steps_per_epoch = math.ceil(n / batch_size)  # the last batch may be smaller
        self._generator = seeded_generator(seed, device)
        self._epoch, self._order = -1, torch.empty(0)

    def __call__(self, i: int) -> torch.Tensor:
        epoch, position = divmod(i, self.steps_per_epoch)
        if epoch < self._epoch:
            self._generator, self._epoch = seeded_generator(self.seed, self.device), -1
        while self._epoch < epoch:
            self._order = torch.randperm(self.n, generator=self._generator, device=self.device)
            self._epoch += 1
        return self._order[position * self.batch_size : (position + 1) * self.batch_size]

    def ends_epoch(self, i: int) -> bool:
        return (i + 1) % self.steps_per_epoch == 0


def sgd_step(
    net: OneHiddenLayerNet,
    optimizer: torch.optim.Optimizer,
    train: tuple[torch.Tensor, torch.Tensor],
    batches: EpochBatches,
    measure: Callable[[], dict[str, torch.Tensor]],
    key: str,
) -> StepFn:
    """One SGD step on the next minibatch; at an epoch's last step also ``measure()``. Numbers
    are named ``<name>/<key>``, so the report draws one line per training."""
    x_train, y_train = train

    def step(i: int) -> dict[str, torch.Tensor]:
        batch = batches(i)
        loss = F.cross_entropy(net(x_train[batch]), y_train[batch])
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        numbers = {"minibatch_loss": loss, **(measure() if batches.ends_epoch(i) else {})}
        return {f"{name}/{key}": value for name, value in numbers.items()}

    return step


def train_network(
    activation: Activation,
    learning_rate: float,
    bias_init: float,
    repeat: int,
    data: tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor],
    config: DyingReluConfig,
    context: RunContext,
) -> dict[str, Any]:
    """Train one network with minibatch SGD through the generic loop (resumable under its
    key); its measures (see ``unit_measures``) before training and after every epoch."""
    x_train, y_train, x_test, y_test = data
    device, key = context.device, training_key(activation, learning_rate, bias_init, repeat)
    net = OneHiddenLayerNet(x_train.shape[1], config.hidden_size, 10, activation).to(device)
    # the same initial weights and minibatch orders for every setting of one repeat
    net.reset_parameters(bias_init, seeded_generator(derived_seed(config.seed, repeat, 0), device))
    order_seed = derived_seed(config.seed, repeat, 1)
    batches = EpochBatches(len(x_train), config.train.batch_size, order_seed, device)
    revived = RevivedUnits(config.hidden_size).to(device)
    measure = partial(unit_measures, net, revived, (x_train, y_train), (x_test, y_test))
    # before training (a resume then restores the masks of ``revived`` from the checkpoint)
    before = {name: float(value) for name, value in measure().items()}
    optimizer = torch.optim.SGD(net.parameters(), lr=learning_rate)
    step = sgd_step(net, optimizer, (x_train, y_train), batches, measure, key)
    per_epoch = batches.steps_per_epoch
    schedule = Schedule(config.train.epochs * per_epoch, per_epoch, steps_per_epoch=per_epoch)
    state = TrainingState({"net": net, "revived_units": revived}, {"sgd": optimizer})
    loop = TrainingLoop(
        context.run, state, step, schedule, key=key, stop=context.stop, progress=context.progress
    )
    loop.restore()
    # the records at epoch ends carry the measures; a record cut short by a stop does not
    ends = [r for r in loop.train() if f"dead_fraction/{key}" in r]
    measured = [before, *({name: r.get(f"{name}/{key}") for name in MEASURES} for r in ends)]
    return {
        "activation": activation,
        "learning_rate": learning_rate,
        "bias_init": bias_init,
        "repeat": repeat,
        **{name: [numbers.get(name) for numbers in measured] for name in MEASURES},
    }


def setting_means(repeats: list[dict[str, Any]]) -> dict[str, Any]:
    """One setting's trainings, combined: each measure's mean over the repeats, per epoch."""
    first = repeats[0]
    return {
        "activation": first["activation"],
        "learning_rate": first["learning_rate"],
        "bias_init": first["bias_init"],
        **{
            name: [_mean(list(v)) for v in zip(*(r[name] for r in repeats), strict=True)]
            for name in MEASURES
        },
    }


def _mean(values: list[float | None]) -> float | None:
    """The mean of the values that exist (a measure of silent units needs some)."""
    present = [v for v in values if v is not None]
    return sum(present) / len(present) if present else None


def _line_label(activation: str, bias: float) -> str:
    return f"{LABELS[activation]}, bias {bias:g}"


def plot_dead_fraction(
    means: dict[str, dict[str, Any]], config: DyingReluConfig, run_folder: Run
) -> None:
    """The silent fraction against the epoch, one panel per learning rate."""
    epochs = list(range(config.train.epochs + 1))
    colours = colormaps["viridis"]
    styles = {
        _line_label(activation, bias): {
            "color": colours(k / max(1, len(config.bias_inits) - 1) * 0.9),
            "linestyle": "-" if activation == "relu" else "--",
        }
        for activation in config.activations
        for k, bias in enumerate(config.bias_inits)
    }
    plot_line_panels(
        {
            f"learning rate {lr:g}": {
                _line_label(activation, bias): (
                    epochs,
                    means[setting_key(activation, lr, bias)]["dead_fraction"],
                )
                for activation in config.activations
                for bias in config.bias_inits
            }
            for lr in config.learning_rates
        },
        run_folder.figure_path("dead_fraction.png"),
        xlabel="epoch",
        ylabel="fraction of units silent on every training image",
        ylim=(-0.02, 1.02),
        styles=styles,
    )


def checked_layers(
    config: DyingReluConfig, x_train: torch.Tensor
) -> dict[str, tuple[torch.Tensor, torch.Tensor, torch.Tensor]]:
    """The layers whose ∂h_r/∂W_kj is checked: a random small one, and the experiment's initial
    layer on three training images."""
    hidden, inputs = config.hidden_size, x_train.shape[1]
    probe = OneHiddenLayerNet(inputs, hidden, 10, "relu")
    # bias 0 leaves the initial layer with pre-activations of both signs, so both branches of
    # each derivative are compared
    probe.reset_parameters(0.0, seeded_generator(config.seed, "cpu"))
    random_layer = seeded_generator(derived_seed(config.seed, 2), "cpu")
    return {
        "random 6×4 layer": (
            torch.randn(6, 4, generator=random_layer, dtype=torch.float64),
            torch.randn(6, generator=random_layer, dtype=torch.float64),
            torch.randn(4, 4, generator=random_layer, dtype=torch.float64),
        ),
        f"the experiment's initial {hidden}×{inputs} layer, bias 0, 3 training images": (
            probe.hidden.weight,
            probe.hidden.bias,
            x_train[:3],
        ),
    }


def by_unit(means: dict[str, dict[str, Any]], config: DyingReluConfig) -> dict[str, Any]:
    """Per unit type, over every setting after the last epoch: the most silent units that
    came back, and the largest mean gradient a silent unit still got (none: no unit was
    silent): the index card's headline."""
    summary = {}
    for activation in config.activations:
        finals = [
            means[setting_key(a, lr, bias)]
            for a, lr, bias in sweep_settings(config)
            if a == activation
        ]
        gradients = [r["silent_unit_gradient"][-1] for r in finals]
        known = [g for g in gradients if g is not None]
        summary[activation] = {
            "most_units_revived": max(r["revived_units"][-1] for r in finals),
            "largest_silent_unit_gradient": max(known) if known else None,
        }
    return summary


def final_table(means: dict[str, dict[str, Any]], config: DyingReluConfig) -> dict[str, Any]:
    """Every setting at the start and after the last epoch."""
    rows = []
    for activation, learning_rate, bias_init in sweep_settings(config):
        r = means[setting_key(activation, learning_rate, bias_init)]
        rows.append(
            [
                LABELS[activation],
                learning_rate,
                bias_init,
                r["dead_fraction"][0],
                r["dead_fraction"][-1],
                r["revived_units"][-1],
                "—" if r["silent_unit_gradient"][-1] is None else r["silent_unit_gradient"][-1],
                r["test_accuracy"][-1],
            ]
        )
    header = [
        "units",
        "learning rate",
        "initial bias",
        "silent at start",
        "silent at end",
        "units revived",
        "mean |∂L/∂W| of silent units",
        "test accuracy",
    ]
    return {"header": header, "rows": rows}


def run(config: DyingReluConfig, context: RunContext) -> dict[str, Any]:
    data = digit_features(context.device, config.train.limit)
    repeats = range(config.repeats)
    trainings = {training_key(*s, r): (*s, r) for s in sweep_settings(config) for r in repeats}
    results = SweepStore(context.run).run_all(
        trainings, lambda key: train_network(*trainings[key], data, config, context)
    )
    means = {
        setting_key(*s): setting_means([results[training_key(*s, r)] for r in repeats])
        for s in sweep_settings(config)
    }
    plot_dead_fraction(means, config, context.run)
    checks = derivative_checks(checked_layers(config, data[0]))
    return {
        "data": f"digits, {data[0].shape[0]} training and {data[2].shape[0]} test images",
        "derivative_checks_largest_error": max(c["max_abs_error"] for c in checks.values()),
        "by_unit": by_unit(means, config),
        "tables": {
            f"After {config.train.epochs} epochs (means over {config.repeats} repeats)": (
                final_table(means, config)
            ),
            "Derivatives against autograd (float64)": {
                "header": ["derivative", "largest |analytic − autograd|", "values compared"],
                "rows": [[name, c["max_abs_error"], c["values"]] for name, c in checks.items()],
            },
        },
    }


def account(summary: dict[str, Any], config: dict[str, Any]) -> list[str]:
    """The sweep, then per unit type how many silent units came back, and the checks."""
    table = next(iter(summary["tables"].values()))
    header, rows = table["header"], table["rows"]
    unit, end, revived = (header.index(k) for k in ("units", "silent at end", "units revived"))
    paragraphs = [
        f"A network with one hidden layer of {number(config['hidden_size'])} units was trained "
        f"on {summary['data']}, by minibatch SGD (batch {number(config['train']['batch_size'])}) "
        f"for {number(config['train']['epochs'])} epochs, at learning rates "
        f"{listing([number(v) for v in config['learning_rates']])} and initial hidden biases "
        f"{listing([number(v) for v in config['bias_inits']])}, "
        f"{'once' if config['repeats'] == 1 else number(config['repeats']) + ' times'} each. "
        "A unit counts as silent when its "
        "pre-activation is at most zero on every training image, so a ReLU unit then gets no "
        "gradient at all."
    ]
    for kind in dict.fromkeys(row[unit] for row in rows):
        mine = [row for row in rows if row[unit] == kind]
        most_revived = max(row[revived] for row in mine)
        paragraphs.append(
            f"{kind}: at the end between {number(min(row[end] for row in mine))} and "
            f"{number(max(row[end] for row in mine))} of the units were silent, by setting; "
            + (
                "no silent unit came back in any setting."
                if most_revived == 0
                else f"in one setting {number(most_revived)} silent units came back (mean over "
                "the repeats)."
            )
        )
    paragraphs.append(
        "The derivatives of ReLU and ELU and ∂h_r/∂W_kj agree with autograd to within "
        f"{number(summary['derivative_checks_largest_error'])}."
    )
    return paragraphs


# The index card: per unit type, whether silent units came back and what gradient they got.
UNIT_NUMBERS = tuple(
    KeyNumber(f"{label}, {LABELS[activation]}", f"by_unit.{activation}.{key}")
    for key, label in (
        ("most_units_revived", "most silent units that came back in one setting"),
        ("largest_silent_unit_gradient", "largest mean |∂L/∂W| of silent units"),
    )
    for activation in ACTIVATIONS
)

EXPERIMENT = Experiment(
    name="dying-relu",
    description="Dead ReLU units against ELU units under minibatch SGD, by learning rate and "
    "initial bias.",
    config_class=DyingReluConfig,
    run=run,
    account=account,
    key_numbers=(
        *UNIT_NUMBERS,
        KeyNumber("derivatives against autograd, largest error", "derivative_checks_largest_error"),
        KeyNumber("data", "data"),
    ),
)
