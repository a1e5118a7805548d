"""dying-relu (shared/SPEC.md): a one-hidden-layer network trained with minibatch SGD on
scikit-learn's digits, with ReLU or ELU hidden units, over a grid of learning rates and initial
hidden biases. After every epoch the fraction of hidden units whose pre-activation is ≤ 0 on every
training example is measured: dead for ReLU (no gradient from any minibatch, ever again), while ELU
units measured the same way still receive a gradient. The derivatives the argument rests on are
checked against autograd.

Data: the 64 pixels, in [0, 1], of the project's fixed 80/20 split of digits (1,438 training,
359 test images). They are not standardised: with inputs that are never negative, a unit's
pre-activations on all images move together, so a shift of its bias can silence it everywhere
(tried: with standardised pixels, no setting with learning rate ≤ 1 and initial bias ≥ −3
silenced more than 1% of the units in 20 epochs).
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from matplotlib import colormaps
from pydantic import Field, PositiveFloat, PositiveInt, field_validator
from rich.progress import Progress

from minimaxlab.config import ExperimentConfig, StrictModel
from minimaxlab.data.images import load_digits
from minimaxlab.experiments.base import Experiment, RunContext
from minimaxlab.interrupt import TrainingInterrupted
from minimaxlab.metrics.units import silent_units, unit_weight_gradients
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

LABELS = {"relu": "ReLU", "elu": "ELU"}
# measured before training and after every epoch, for every setting and repeat
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


def train_network(
    activation: Activation,
    learning_rate: float,
    bias_init: float,
    repeat: int,
    data: tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor],
    config: DyingReluConfig,
    device: torch.device,
) -> dict[str, list[float | None]]:
    """Train one network with minibatch SGD and measure it before training and after every
    epoch: the fraction of silent units (pre-activation ≤ 0 on all training examples), the mean
    |∂L/∂W| of those units, how many units were silent once and active later, the training loss
    and the test accuracy."""
    x_train, y_train, x_test, y_test = data
    net = OneHiddenLayerNet(x_train.shape[1], config.hidden_size, 10, activation).to(device)
    # the same initial weights and minibatch orders for every setting of one repeat
    net.reset_parameters(bias_init, seeded_generator(derived_seed(config.seed, repeat, 0), device))
    order = seeded_generator(derived_seed(config.seed, repeat, 1), device)
    optimizer = torch.optim.SGD(net.parameters(), lr=learning_rate)
    history: dict[str, list[float | None]] = {key: [] for key in MEASURES}
    ever_silent = torch.zeros(config.hidden_size, dtype=torch.bool, device=device)
    revived = torch.zeros_like(ever_silent)

    def measure() -> None:
        silent = silent_units(net, x_train)
        revived.logical_or_(ever_silent & ~silent)
        ever_silent.logical_or_(silent)
        gradients = unit_weight_gradients(net, x_train, y_train)
        with torch.no_grad():
            loss = F.cross_entropy(net(x_train), y_train).item()
            accuracy = (net(x_test).argmax(1) == y_test).float().mean().item()
        history["dead_fraction"].append(silent.float().mean().item())
        history["silent_unit_gradient"].append(
            gradients[silent].mean().item() if silent.any() else None
        )
        history["revived_units"].append(int(revived.sum()))
        history["train_loss"].append(loss)
        history["test_accuracy"].append(accuracy)

    measure()
    n, batch_size = x_train.shape[0], config.train.batch_size
    for _ in range(config.train.epochs):
        permutation = torch.randperm(n, generator=order, device=device)
        for start in range(0, n, batch_size):
            batch = permutation[start : start + batch_size]
            loss = F.cross_entropy(net(x_train[batch]), y_train[batch])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
        measure()
    return history


def _mean(values: list[float | None]) -> float | None:
    """The mean of the values that exist (a measure of silent units needs some)."""
    present = [v for v in values if v is not None]
    return sum(present) / len(present) if present else None


def _line_label(activation: str, bias: float) -> str:
    return f"{LABELS[activation]}, bias {bias:g}"


def run(config: DyingReluConfig, context: RunContext) -> dict[str, Any]:
    run_folder, device = context.run, context.device
    data = digit_features(device, config.train.limit)
    sweep_path = run_folder.path / "sweep.json"
    results: dict[str, dict[str, Any]] = run_folder.read_json(sweep_path) or {}
    settings = [
        (activation, learning_rate, bias_init)
        for activation in config.activations
        for learning_rate in config.learning_rates
        for bias_init in config.bias_inits
    ]
    with Progress(disable=not context.progress) as bar:
        task = bar.add_task("settings", total=len(settings))
        for activation, learning_rate, bias_init in settings:
            key = setting_key(activation, learning_rate, bias_init)
            if key not in results:
                if context.stop is not None and context.stop.requested:
                    raise TrainingInterrupted(len(results))  # finished settings are kept
                run_folder.drop_metrics(lambda r, key=key: r.get("setting") == key)
                histories = []
                for repeat in range(config.repeats):
                    history = train_network(
                        activation, learning_rate, bias_init, repeat, data, config, device
                    )
                    # keyed by epoch, not step: the report's automatic step curves would run
                    # all settings into one line; figures/dead_fraction.png shows them apart
                    for epoch, values in enumerate(zip(*history.values(), strict=True)):
                        run_folder.log_metrics(
                            {"epoch": epoch, "setting": key, "repeat": repeat}
                            | dict(zip(history, values, strict=True))
                        )
                    histories.append(history)
                results[key] = {
                    "activation": activation,
                    "learning_rate": learning_rate,
                    "bias_init": bias_init,
                    # means over repeats, per epoch (0 = before training)
                    **{
                        measure: [
                            _mean(list(v))
                            for v in zip(*(h[measure] for h in histories), strict=True)
                        ]
                        for measure in MEASURES
                    },
                }
                run_folder.write_json(sweep_path, results)
            bar.advance(task)

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
                    results[setting_key(activation, lr, bias)]["dead_fraction"],
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

    sizes = (config.hidden_size, data[0].shape[1])
    probe = OneHiddenLayerNet(sizes[1], sizes[0], 10, "relu")
    # bias 0 leaves the initial layer with pre-activations of both signs, so both branches of
    # each derivative are compared
    probe.reset_parameters(0.0, seeded_generator(config.seed, "cpu"))
    random_layer = seeded_generator(derived_seed(config.seed, 2), "cpu")
    checks = derivative_checks(
        {
            "random 6×4 layer": (
                torch.randn(6, 4, generator=random_layer, dtype=torch.float64),
                torch.randn(6, generator=random_layer, dtype=torch.float64),
                torch.randn(4, 4, generator=random_layer, dtype=torch.float64),
            ),
            f"the experiment's initial {sizes[0]}×{sizes[1]} layer, bias 0, 3 training images": (
                probe.hidden.weight,
                probe.hidden.bias,
                data[0][:3],
            ),
        }
    )
    largest_error = max(c["max_abs_error"] for c in checks.values())

    rows = []
    for activation, learning_rate, bias_init in settings:
        r = results[setting_key(activation, learning_rate, bias_init)]
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
    return {
        "data": f"digits, {data[0].shape[0]} training and {data[2].shape[0]} test images",
        "derivative_checks_largest_error": largest_error,
        "tables": {
            f"After {config.train.epochs} epochs (means over {config.repeats} repeats)": {
                "header": [
                    "units",
                    "learning rate",
                    "initial bias",
                    "silent at start",
                    "silent at end",
                    "units revived",
                    "mean |∂L/∂W| of silent units",
                    "test accuracy",
                ],
                "rows": rows,
            },
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


EXPERIMENT = Experiment(
    name="dying-relu",
    description="Dead ReLU units against ELU units under minibatch SGD, by learning rate and "
    "initial bias.",
    config_class=DyingReluConfig,
    run=run,
    account=account,
)
