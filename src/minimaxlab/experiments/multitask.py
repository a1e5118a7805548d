"""multitask: one CNN trunk, two digit domains (shared/SPEC.md).

Each domain alone, then both at once with a head per domain, then the same with few training
examples per domain; every finished setting is recorded in the run's sweep store and skipped
when the run is resumed.
"""

from __future__ import annotations

from typing import Any

from pydantic import PositiveInt

from minimaxlab.config import ExperimentConfig, StrictModel
from minimaxlab.data.config import ImageDataConfig
from minimaxlab.data.domains import Domain, load_pair
from minimaxlab.domains.figures import save_domain_examples
from minimaxlab.domains.multitask import MultitaskTrainConfig, Setting, train_setting
from minimaxlab.experiments.base import Experiment, KeyNumber, RunContext
from minimaxlab.models.digits import MultiHeadClassifier
from minimaxlab.report.account import compared, number
from minimaxlab.sweeps import SweepStore


class DigitModelConfig(StrictModel):
    width: PositiveInt = 16  # channels of the first convolution; the next two have 2× and 4×
    feature_dim: PositiveInt = 128  # the trunk's output
    # each head: Linear(feature_dim → head_hidden) → ReLU → Linear(10)
    head_hidden: PositiveInt = 64


class MultitaskConfig(ExperimentConfig):
    experiment: str = "multitask"
    # Offline (no mnist or svhn files) the pair is digits + syndigits.
    domain_a: ImageDataConfig = ImageDataConfig(name="mnist", fallbacks=["digits"], image_size=32)
    domain_b: ImageDataConfig = ImageDataConfig(
        name="svhn", fallbacks=["syndigits"], grey=True, image_size=32
    )
    test_limit: PositiveInt | None = None  # test images per domain; all when null
    model: DigitModelConfig = DigitModelConfig()
    train: MultitaskTrainConfig = MultitaskTrainConfig()


def settings(train: MultitaskTrainConfig) -> list[Setting]:
    """The six trainings, in the order they run."""
    small = train.small_train_size
    alone, both = train.batch_size, train.multitask_batch_size
    return [
        Setting("alone-A", "alone", ("A",), None, alone, 0),
        Setting("alone-B", "alone", ("B",), None, alone, 1),
        Setting("multitask", "multitask", ("A", "B"), None, both, 2),
        Setting(f"alone-A-{small}", f"alone-{small}", ("A",), small, alone, 3),
        Setting(f"alone-B-{small}", f"alone-{small}", ("B",), small, alone, 4),
        Setting(f"multitask-{small}", f"multitask-{small}", ("A", "B"), small, both, 5),
    ]


def _percent(value: float) -> str:
    return f"{100 * value:.2f}%"


def _tables(
    results: dict[str, dict[str, Any]], domains: dict[str, Domain], small: int
) -> dict[str, Any]:
    rows = []
    for size_label, suffix in (
        (f"all ({len(domains['A'].train):,} / {len(domains['B'].train):,})", ""),
        (f"{small} per domain", f"-{small}"),
    ):
        alone = {k: results[f"alone-{k}{suffix}"]["test_accuracy"][k] for k in ("A", "B")}
        both = results[f"multitask{suffix}"]["test_accuracy"]
        rows.append([size_label, "each domain alone", *(_percent(alone[k]) for k in "AB")])
        rows.append(
            [
                size_label,
                "multi-task: shared trunk, a head per domain",
                *(f"{_percent(both[k])} ({100 * (both[k] - alone[k]):+.2f})" for k in "AB"),
            ]
        )
    details = [
        [
            r["setting"],
            " + ".join(str(r["batch_size_per_domain"]) for _ in r["domains"]),
            ", ".join(f"{k} {n:,}" for k, n in r["train_examples"].items()),
            r["steps"],
            r["seconds"],
            ", ".join(f"{k} {r['history'][-1][f'train_loss_{k}']:.4f}" for k in r["domains"]),
        ]
        for r in results.values()
    ]
    return {
        "Test accuracy (multi-task: change against alone in points)": {
            "header": ["training examples", "model", *(domains[k].label for k in "AB")],
            "rows": rows,
        },
        "Settings": {
            "header": ["setting", "batch", "training examples", "steps", "seconds", "final loss"],
            "rows": details,
        },
    }


def run(config: MultitaskConfig, context: RunContext) -> dict[str, Any]:
    domains = load_pair(
        config.domain_a, config.domain_b, config.test_limit, context.device, same_channels=True
    )
    save_domain_examples(domains, context.run.figure_path("examples.png"))
    results = _train_settings(config, domains, context)
    return {
        "domains": {key: domain.summary() for key, domain in domains.items()},
        "test_accuracy": {k: r["test_accuracy"] for k, r in results.items()},
        "parameters": _parameters(config.model, domains),
        "tables": _tables(results, domains, config.train.small_train_size),
    }


def _train_settings(
    config: MultitaskConfig, domains: dict[str, Domain], context: RunContext
) -> dict[str, dict[str, Any]]:
    """Every setting's results, by id; those the run finished before are read back."""
    by_id = {setting.id: setting for setting in settings(config.train)}

    def train(setting_id: str) -> dict[str, Any]:
        return train_setting(
            by_id[setting_id],
            domains,
            config.train,
            model_args=config.model.model_dump(),
            seed=config.seed,
            run=context.run,
            stop=context.stop,
            progress=context.progress,
        )

    return SweepStore(context.run).run_all(by_id, train)


def _parameters(model: DigitModelConfig, domains: dict[str, Domain]) -> dict[str, int]:
    """The sizes of the trunk and of one head."""
    channels, size, _ = domains["A"].train.shape
    network = MultiHeadClassifier(channels, size, ("A",), **model.model_dump())
    return {
        "trunk": sum(p.numel() for p in network.trunk.parameters()),
        "head": sum(p.numel() for p in network.heads["A"].parameters()),
    }


def account(summary: dict[str, Any], config: dict[str, Any]) -> list[str]:
    """What was trained on which domains, and multi-task against alone at both sizes."""
    a, b = summary["domains"]["A"], summary["domains"]["B"]
    small = config["train"]["small_train_size"]
    rows = next(iter(summary["tables"].values()))["rows"]  # alone, multi-task; then small
    accuracy = summary["test_accuracy"]
    paragraphs = [
        f"One CNN trunk ({number(summary['parameters']['trunk'])} parameters) with a head per "
        f"domain was trained on {a['data']} ({number(a['train'])} training images) and "
        f"{b['data']} ({number(b['train'])}): each domain alone, then both at once with "
        f"batches of {number(config['train']['multitask_batch_size'])} + "
        f"{number(config['train']['multitask_batch_size'])}, then the same two with "
        f"{number(small)} training examples per domain. Test accuracy on each domain's test "
        "split:"
    ]
    for label, (alone_row, joint_row), suffix in (
        ("With all training examples", rows[0:2], ""),
        (f"With {number(small)} examples per domain", rows[2:4], f"-{small}"),
    ):
        parts = []
        for column, domain in ((2, "A"), (3, "B")):
            alone = accuracy[f"alone-{domain}{suffix}"][domain]
            joint = accuracy[f"multitask{suffix}"][domain]
            parts.append(
                f"on {domain} the multi-task model reached {joint_row[column].split()[0]}, "
                f"{compared(joint, alone)} the {alone_row[column]} of the model trained on "
                f"{domain} alone"
            )
        paragraphs.append(f"{label}, {parts[0]}; {parts[1]}.")
    return paragraphs


EXPERIMENT = Experiment(
    name="multitask",
    description="One CNN trunk, two digit domains: each alone, multi-task with a head per "
    "domain, and both with 500 examples per domain.",
    config_class=MultitaskConfig,
    run=run,
    account=account,
    key_numbers=(
        KeyNumber("test accuracy on A, trained alone", "test_accuracy.alone-A.A"),
        KeyNumber("test accuracy on A, multi-task", "test_accuracy.multitask.A"),
        KeyNumber("test accuracy on B, trained alone", "test_accuracy.alone-B.B"),
        KeyNumber("test accuracy on B, multi-task", "test_accuracy.multitask.B"),
    ),
)
