"""lstm-palindrome (shared/SPEC.md): how long a palindrome can a hand-written LSTM and a vanilla
RNN complete? The label, the T-th digit, equals the first one, so the model has to carry one
digit across T − 1 steps of distracting input.

Each (model, T) of the sweep is trained from its own initial weights on a fresh stream (both
models of one T see the same stream) and then scored on fresh palindromes. Each setting trains
through the generic loop under its own key (checkpointed every ``train.checkpoint_every`` steps
and on a stop request, resumed to the bit); a finished setting is recorded in the sweep store and
skipped on resume.
"""

from __future__ import annotations

from typing import Any, Literal

import torch
import torch.nn.functional as F
from pydantic import Field, PositiveFloat, PositiveInt, field_validator

from minimaxlab.config import ExperimentConfig, StrictModel
from minimaxlab.data.sequences import DIGITS, palindrome_batch
from minimaxlab.experiments.base import Experiment, KeyNumber, RunContext
from minimaxlab.models.recurrent import LSTM, VanillaRNN
from minimaxlab.plots import plot_line_panels
from minimaxlab.report.account import listing, number
from minimaxlab.reproducibility import derived_seed, seeded_generator
from minimaxlab.runs import Run
from minimaxlab.sweeps import SweepStore
from minimaxlab.training.loop import Schedule, StepFn, TrainingLoop
from minimaxlab.training.state import TrainingState

ModelName = Literal["lstm", "rnn"]
LABELS = {"lstm": "LSTM", "rnn": "RNN"}
SOLVED = 0.99  # window accuracy that counts as "learned" for the steps-to-learn column
REACHED = 0.9  # accuracy on fresh palindromes that counts as "this length is within reach"
LONGEST = f"longest_T_with_accuracy_at_least_{REACHED}"


class ModelConfig(StrictModel):
    hidden_size: PositiveInt = 128
    # b_f of the LSTM at the start; null draws it like the other biases (±1/√H), with which the
    # LSTM stayed at chance on T = 30 for 10,000 steps (seed 0; with 1.0 it solved it)
    forget_bias: float | None = 1.0


class TrainConfig(StrictModel):
    steps: PositiveInt = 10_000  # per (model, T)
    batch_size: PositiveInt = 128
    learning_rate: PositiveFloat = 1e-3  # RMSprop
    clip_norm: PositiveFloat = 10.0  # gradient-norm clipping
    log_every: PositiveInt = 100
    checkpoint_every: PositiveInt = 1000


class LstmPalindromeConfig(ExperimentConfig):
    experiment: str = "lstm-palindrome"
    lengths: list[int] = Field(default=[5, 10, 15, 20, 25, 30], min_length=1)  # T, digits
    models: list[ModelName] = Field(default=["lstm", "rnn"], min_length=1)
    model: ModelConfig = ModelConfig()
    train: TrainConfig = TrainConfig()
    eval_size: PositiveInt = 4096  # fresh palindromes per (model, T) for the final accuracy

    @field_validator("lengths")
    @classmethod
    def _lengths(cls, lengths: list[int]) -> list[int]:
        if any(t < 2 for t in lengths) or len(set(lengths)) != len(lengths):
            raise ValueError("lengths must be distinct palindrome lengths of at least 2")
        return lengths

    @field_validator("models")
    @classmethod
    def _models(cls, models: list[str]) -> list[str]:
        if len(set(models)) != len(models):
            raise ValueError("models must not repeat")
        return models


def setting_key(model: str, length: int) -> str:
    """``lstm_T10``: the name of one (model, T) of the sweep in files and metrics."""
    return f"{model}_T{length:02d}"


def build_model(name: str, config: ModelConfig) -> LSTM | VanillaRNN:
    """An untrained model of the sweep reading one-hot digits and predicting a digit."""
    if name == "lstm":
        return LSTM(DIGITS, config.hidden_size, DIGITS, forget_bias=config.forget_bias)
    return VanillaRNN(DIGITS, config.hidden_size, DIGITS)


@torch.no_grad()
def palindrome_accuracy(
    model: LSTM | VanillaRNN,
    length: int,
    n: int,
    generator: torch.Generator,
    device: torch.device,
    chunk: int = 1024,
) -> float:
    """The fraction of ``n`` fresh palindromes of ``length`` whose last digit ``model`` gets."""
    correct = 0
    for start in range(0, n, chunk):
        inputs, labels = palindrome_batch(min(chunk, n - start), length, generator, device)
        correct += int((model(inputs).argmax(1) == labels).sum())
    return correct / n


def setting_state(
    name: str, length: int, config: LstmPalindromeConfig, device: torch.device
) -> TrainingState:
    """The untrained model of one (model, T), its RMSprop and its palindrome stream. Both models
    of one T train on the same stream (seeded by T) and are scored on the same palindromes."""
    model = build_model(name, config.model).to(device)
    model_index = list(LABELS).index(name)
    model.reset_parameters(
        seeded_generator(derived_seed(config.seed, length, 2, model_index), device)
    )
    stream = seeded_generator(derived_seed(config.seed, length, 1), device)
    optimizer = torch.optim.RMSprop(model.parameters(), lr=config.train.learning_rate)
    return TrainingState({"model": model}, {"rmsprop": optimizer}, generators={"stream": stream})


def training_step(
    state: TrainingState, length: int, train: TrainConfig, device: torch.device, key: str
) -> StepFn:
    """One RMSprop step on a fresh batch: cross-entropy at the last step, clipped gradient norm.
    Its numbers are named ``loss/<key>`` and ``accuracy/<key>``, so the report draws one line per
    setting instead of running the settings into one."""
    model, optimizer = state.models["model"], state.optimizers["rmsprop"]
    stream = state.generators["stream"]

    def step(i: int) -> dict[str, torch.Tensor]:
        inputs, labels = palindrome_batch(train.batch_size, length, stream, device)
        logits = model(inputs)
        loss = F.cross_entropy(logits, labels)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), train.clip_norm)
        optimizer.step()
        # every batch is fresh, so this is accuracy on unseen palindromes too
        accuracy = (logits.argmax(1) == labels).sum() / labels.numel()
        return {f"loss/{key}": loss, f"accuracy/{key}": accuracy}

    return step


def train_setting(
    name: str, length: int, config: LstmPalindromeConfig, context: RunContext
) -> dict[str, Any]:
    """Train one (model, T), resuming its checkpoint if the run holds one, then score it on
    fresh palindromes and save its weights under ``models/``; its row of the sweep."""
    key, device, train = setting_key(name, length), context.device, config.train
    state = setting_state(name, length, config, device)
    schedule = Schedule(train.steps, train.log_every, train.checkpoint_every)
    step = training_step(state, length, train, device, key)
    loop = TrainingLoop(
        context.run,
        state,
        step,
        schedule,
        key=key,
        stop=context.stop,
        progress=context.progress,
        description=key,
    )
    loop.restore()
    history = loop.train()
    model = state.models["model"].eval()
    evaluation = seeded_generator(derived_seed(config.seed, length, 3), device)
    accuracy = palindrome_accuracy(model, length, config.eval_size, evaluation, device)
    context.run.save_torch(f"models/{key}.pt", model.state_dict())
    solved = [r["step"] for r in history if r[f"accuracy/{key}"] >= SOLVED]
    return {
        "model": name,
        "length": length,
        "accuracy": accuracy,
        "steps": loop.step,
        "first_step_at_99": solved[0] if solved else None,
        "last_loss": history[-1][f"loss/{key}"],  # the mean cross-entropy of the last record
        "seconds": round(loop.seconds, 1),
    }


def _curve(records: list[dict[str, Any]], key: str) -> tuple[list[float], list[float]]:
    points = [(r["step"], r[key]) for r in records if r.get(key) is not None]
    return [p[0] for p in points], [p[1] for p in points]


def plot_accuracy(
    accuracy: dict[str, dict[int, float]], config: LstmPalindromeConfig, run_folder: Run
) -> None:
    """Accuracy on fresh palindromes against T, and the training stream's accuracy against the
    step for every (model, T)."""
    lengths = sorted(config.lengths)
    plot_line_panels(
        {
            "accuracy on fresh palindromes": {
                LABELS[name]: (lengths, [accuracy[name][t] for t in lengths])
                for name in config.models
            }
        },
        run_folder.figure_path("accuracy_against_length.png"),
        xlabel="palindrome length T",
        ylabel="accuracy",
        reference=(1 / DIGITS, "chance"),
        ylim=(0, 1.02),
        markers=True,
        xticks=lengths,
    )
    records = list(run_folder.metrics())
    plot_line_panels(
        {
            LABELS[name]: {
                f"T = {length}": _curve(records, f"accuracy/{setting_key(name, length)}")
                for length in lengths
            }
            for name in config.models
        },
        run_folder.figure_path("training_accuracy.png"),
        xlabel="step",
        ylabel="accuracy on the training stream",
        reference=(1 / DIGITS, "chance"),
        ylim=(0, 1.02),
    )


def tables(
    accuracy: dict[str, dict[int, float]],
    results: dict[str, dict[str, Any]],
    config: LstmPalindromeConfig,
) -> dict[str, Any]:
    """The accuracy of every model at every T, and how each setting's training went."""
    lengths = sorted(config.lengths)
    trained = [results[setting_key(name, t)] for t in lengths for name in config.models]
    return {
        f"Accuracy on {config.eval_size:,} fresh palindromes": {
            "header": ["T", *(LABELS[name] for name in config.models)],
            "rows": [[t, *(accuracy[name][t] for name in config.models)] for t in lengths],
        },
        "Training of each setting": {
            "header": [
                "model",
                "T",
                "steps",
                f"first step with window accuracy ≥ {SOLVED:.0%}",
                "loss of the last window",
                "seconds",
            ],
            "rows": [
                [
                    LABELS[r["model"]],
                    r["length"],
                    r["steps"],
                    r["first_step_at_99"] if r["first_step_at_99"] is not None else "never",
                    r["last_loss"],
                    r["seconds"],
                ]
                for r in trained
            ],
        },
    }


def run(config: LstmPalindromeConfig, context: RunContext) -> dict[str, Any]:
    # trained in the order given; every setting's seeds depend on (seed, model, T) only
    settings = {
        setting_key(name, length): (name, length)
        for length in config.lengths
        for name in config.models
    }
    results = SweepStore(context.run).run_all(
        settings, lambda key: train_setting(*settings[key], config, context)
    )
    accuracy = {
        name: {t: results[setting_key(name, t)]["accuracy"] for t in sorted(config.lengths)}
        for name in config.models
    }
    plot_accuracy(accuracy, config, context.run)
    longest = max(config.lengths)
    return {
        "accuracy": {name: {f"T={t}": a for t, a in accuracy[name].items()} for name in accuracy},
        # how far each model gets: the longest T of the sweep it completes 90% of the time
        LONGEST: {
            name: max((t for t, a in accuracy[name].items() if a >= REACHED), default=None)
            for name in accuracy
        },
        # the index card's headline: where the models part, if they do
        "at_longest_T": {"T": longest} | {name: accuracy[name][longest] for name in accuracy},
        "tables": tables(accuracy, results, config),
    }


def account(summary: dict[str, Any], config: dict[str, Any]) -> list[str]:
    """What was trained, the accuracy at every length, and how far each model got."""
    names = {"lstm": "the hand-written LSTM", "rnn": "the vanilla RNN"}
    accuracy = summary["accuracy"]
    longest = summary[LONGEST]
    per_model = [
        f"{names.get(model, model)}: "
        + ", ".join(f"{number(value)} at {t.replace('=', ' = ')}" for t, value in by_t.items())
        for model, by_t in accuracy.items()
    ]
    reach = [
        f"{names.get(model, model)} up to T = {number(t)}"
        if t is not None
        else f"{names.get(model, model)} at no length"
        for model, t in longest.items()
    ]
    return [
        f"Each model, with {number(config['model']['hidden_size'])} hidden units, was trained "
        f"from scratch for {number(config['train']['steps'])} RMSprop steps at every palindrome "
        "length T, the loss being the cross-entropy of the last digit. Accuracy on "
        f"{number(config['eval_size'])} fresh palindromes of each length: "
        f"{'; '.join(per_model)}.",
        f"Nine in ten or more were right for {listing(reach)}.",
    ]


EXPERIMENT = Experiment(
    name="lstm-palindrome",
    description="A hand-written LSTM against a vanilla RNN on palindromes of growing length.",
    config_class=LstmPalindromeConfig,
    run=run,
    account=account,
    key_numbers=(
        KeyNumber("longest T of the sweep", "at_longest_T.T"),
        KeyNumber("test accuracy there, LSTM", "at_longest_T.lstm"),
        KeyNumber("test accuracy there, RNN", "at_longest_T.rnn"),
        KeyNumber(f"longest T learnt (accuracy ≥ {REACHED:.0%}), LSTM", f"{LONGEST}.lstm"),
        KeyNumber(f"longest T learnt (accuracy ≥ {REACHED:.0%}), RNN", f"{LONGEST}.rnn"),
    ),
)
