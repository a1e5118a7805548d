"""lstm-palindrome (shared/SPEC.md): how long a palindrome can a hand-written LSTM and a vanilla
RNN complete? The label, the T-th digit, equals the first one, so the model has to carry one
digit across T − 1 steps of distracting input.

Each (model, T) of the sweep is trained from its own initial weights on a fresh stream (both
models of one T see the same stream) and then scored on fresh palindromes. A finished setting
is stored in ``sweep.json`` and skipped on resume; the setting in progress is checkpointed every
``train.checkpoint_every`` steps and on a stop request.
"""

from __future__ import annotations

import time
from typing import Any, Literal

import torch
import torch.nn.functional as F
from pydantic import Field, PositiveFloat, PositiveInt, field_validator
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

from minimaxlab.config import ExperimentConfig, StrictModel
from minimaxlab.data.sequences import DIGITS, palindrome_batch
from minimaxlab.experiments.base import Experiment, RunContext
from minimaxlab.interrupt import TrainingInterrupted
from minimaxlab.models.recurrent import LSTM, VanillaRNN
from minimaxlab.plots import plot_line_panels
from minimaxlab.report.account import listing, number
from minimaxlab.reproducibility import derived_seed, seeded_generator

ModelName = Literal["lstm", "rnn"]
LABELS = {"lstm": "LSTM", "rnn": "RNN"}
SOLVED = 0.99  # window accuracy that counts as "learned" for the steps-to-learn column
REACHED = 0.9  # accuracy on fresh palindromes that counts as "this length is within reach"


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


class SettingTrainer:
    """Trains one (model, T) of the sweep on its own palindrome stream, resumably."""

    def __init__(
        self,
        name: str,
        length: int,
        config: LstmPalindromeConfig,
        context: RunContext,
    ) -> None:
        self.name, self.length, self.config, self.context = name, length, config, context
        self.key = setting_key(name, length)
        self.accuracy_key = f"{self.key}_accuracy"
        device = context.device
        model_index = list(LABELS).index(name)
        self.model = build_model(name, config.model).to(device)
        self.model.reset_parameters(
            seeded_generator(derived_seed(config.seed, length, 2, model_index), device)
        )
        # Both models of one T train on the same stream and are scored on the same palindromes.
        self.stream = seeded_generator(derived_seed(config.seed, length, 1), device)
        self.optimizer = torch.optim.RMSprop(self.model.parameters(), lr=config.train.learning_rate)
        self.step = 0
        self.seconds = 0.0  # training time, summed over resumes
        self.first_solved: int | None = None
        self.last_loss: float | None = None  # mean cross-entropy of the last logged window
        self._window = torch.zeros(2, device=device)  # loss sum, correct count
        self._window_steps = 0

    # ---- checkpoints -------------------------------------------------------------------------
    def state(self) -> dict[str, Any]:
        """Everything needed to continue this setting exactly: weights, optimiser, stream."""
        return {
            "setting": self.key,
            "step": self.step,
            "seconds": self.seconds,
            "first_solved": self.first_solved,
            "last_loss": self.last_loss,
            "model": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "stream": self.stream.get_state(),
        }

    def load_state(self, state: dict[str, Any]) -> None:
        """Continue from what :meth:`state` saved."""
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.stream.set_state(state["stream"])
        self.step, self.seconds = state["step"], state["seconds"]
        self.first_solved, self.last_loss = state["first_solved"], state["last_loss"]

    def save(self) -> None:
        """Write this setting's state to the run's checkpoint.pt (one setting at a time)."""
        self.context.run.save_checkpoint(self.state())

    # ---- training ----------------------------------------------------------------------------
    def train_step(self) -> None:
        """One RMSprop step on a fresh batch: cross-entropy at the last step, clipped norm."""
        train = self.config.train
        inputs, labels = palindrome_batch(
            train.batch_size, self.length, self.stream, self.context.device
        )
        logits = self.model(inputs)
        loss = F.cross_entropy(logits, labels)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(self.model.parameters(), train.clip_norm)
        self.optimizer.step()
        with torch.no_grad():
            # every batch is fresh, so this is accuracy on unseen palindromes too
            self._window[0] += loss.detach()
            self._window[1] += (logits.argmax(1) == labels).sum() / labels.numel()
        self._window_steps += 1
        self.step += 1

    def log_window(self) -> float | None:
        """Log the window's mean accuracy, keep its mean loss (one device sync); return the
        accuracy."""
        if self._window_steps == 0:
            return None
        loss, accuracy = (self._window / self._window_steps).tolist()
        self.context.run.log_metrics({"step": self.step, self.accuracy_key: accuracy})
        self.last_loss = loss
        if self.first_solved is None and accuracy >= SOLVED:
            self.first_solved = self.step
        self._window.zero_()
        self._window_steps = 0
        return accuracy

    def train(self, bar: Progress) -> None:
        """Train to ``train.steps``; on a stop request, checkpoint and raise."""
        train, stop = self.config.train, self.context.stop
        task = bar.add_task(self.key, total=train.steps, completed=self.step, stats="")
        started = time.perf_counter()
        while self.step < train.steps:
            self.train_step()
            bar.update(task, advance=1)
            if self.step % train.log_every == 0:
                accuracy = self.log_window()
                bar.update(task, stats=f"accuracy {accuracy:.3f}")
            stopping = stop is not None and stop.requested
            if stopping or self.step % train.checkpoint_every == 0:
                self.seconds += time.perf_counter() - started
                started = time.perf_counter()
                if stopping:
                    self.log_window()
                self.save()
                if stopping:
                    raise TrainingInterrupted(self.step)
        self.log_window()
        self.seconds += time.perf_counter() - started
        bar.remove_task(task)


def _progress_bar(show: bool) -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(bar_width=24),
        TextColumn("{task.completed:.0f}/{task.total:.0f}"),
        TextColumn("{task.fields[stats]}"),
        TimeRemainingColumn(),
        disable=not show,
    )


def _train_or_resume(
    name: str, length: int, config: LstmPalindromeConfig, context: RunContext, bar: Progress
) -> dict[str, Any]:
    trainer = SettingTrainer(name, length, config, context)
    run = context.run
    # on the CPU: a generator's state must be a CPU tensor; weights are copied onto the device
    state = run.load_checkpoint("cpu") if run.has_checkpoint() else None
    if state is not None and state.get("setting") == trainer.key:
        trainer.load_state(state)
    # training the checkpoint lost is logged again
    run.drop_metrics(lambda r: trainer.accuracy_key in r and r["step"] > trainer.step)
    trainer.train(bar)
    trainer.model.eval()
    evaluation = seeded_generator(derived_seed(config.seed, length, 3), context.device)
    accuracy = palindrome_accuracy(
        trainer.model, length, config.eval_size, evaluation, context.device
    )
    run.save_torch(f"models/{trainer.key}.pt", trainer.model.state_dict())
    return {
        "model": name,
        "length": length,
        "accuracy": accuracy,
        "steps": trainer.step,
        "first_step_at_99": trainer.first_solved,
        "last_loss": trainer.last_loss,
        "seconds": round(trainer.seconds, 1),
    }


def _curve(records: list[dict[str, Any]], key: str) -> tuple[list[float], list[float]]:
    points = [(r["step"], r[key]) for r in records if r.get(key) is not None]
    return [p[0] for p in points], [p[1] for p in points]


def run(config: LstmPalindromeConfig, context: RunContext) -> dict[str, Any]:
    run_folder = context.run
    sweep_path = run_folder.path / "sweep.json"
    results: dict[str, dict[str, Any]] = run_folder.read_json(sweep_path) or {}
    with _progress_bar(context.progress) as bar:
        for length in config.lengths:
            for name in config.models:
                key = setting_key(name, length)
                if key in results:
                    continue
                results[key] = _train_or_resume(name, length, config, context, bar)
                run_folder.write_json(sweep_path, results)

    lengths = sorted(config.lengths)  # trained in the order given, shown in order of T
    accuracy = {
        name: {length: results[setting_key(name, length)]["accuracy"] for length in lengths}
        for name in config.models
    }
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
                f"T = {length}": _curve(records, f"{setting_key(name, length)}_accuracy")
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
    return {
        "accuracy": {name: {f"T={t}": a for t, a in accuracy[name].items()} for name in accuracy},
        # how far each model gets: the longest T of the sweep it completes 90% of the time
        f"longest_T_with_accuracy_at_least_{REACHED}": {
            name: max((t for t, a in accuracy[name].items() if a >= REACHED), default=None)
            for name in accuracy
        },
        "tables": {
            f"Accuracy on {config.eval_size:,} fresh palindromes": {
                "header": ["T", *(LABELS[name] for name in config.models)],
                "rows": [
                    [length, *(accuracy[name][length] for name in config.models)]
                    for length in lengths
                ],
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
                    for r in (
                        results[setting_key(name, length)]
                        for length in lengths
                        for name in config.models
                    )
                ],
            },
        },
    }


def account(summary: dict[str, Any], config: dict[str, Any]) -> list[str]:
    """What was trained, the accuracy at every length, and how far each model got."""
    names = {"lstm": "the hand-written LSTM", "rnn": "the vanilla RNN"}
    accuracy = summary["accuracy"]
    longest = summary["longest_T_with_accuracy_at_least_0.9"]
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
)
