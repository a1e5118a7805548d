"""Feature classifiers: one small CNN per image data set, trained on its real training split and
cached, keyed by the data's checksum and the classifier's definition."""

from __future__ import annotations

import hashlib
import inspect
import io
import json
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

from minimaxlab.atomic import atomic_write_bytes
from minimaxlab.data.images import ImageSet
from minimaxlab.data.registry import cache_dir
from minimaxlab.models.classifiers import FeatureClassifier

EMBED_BATCH = 500


@dataclass(frozen=True)
class ClassifierSpec:
    """How a feature classifier is trained; part of its cache key."""

    epochs: int = 5
    batch_size: int = 128
    lr: float = 1e-3
    feature_dim: int = 128
    seed: int = 0


DEFAULT_SPEC = ClassifierSpec()


@dataclass
class TrainedClassifier:
    model: FeatureClassifier  # in eval mode
    test_accuracy: float
    key: str
    path: Path
    trained_now: bool  # False when it came from the cache


def _definition_source() -> str:
    """The code that defines and trains a classifier: change it and the cache key changes."""
    return inspect.getsource(FeatureClassifier) + inspect.getsource(train_classifier)


def classifier_key(train: ImageSet, spec: ClassifierSpec) -> str:
    """Identifies a classifier by the data it learns from and how it is made."""
    identity = {
        "data": train.checksum,
        "shape": train.shape,
        "classes": len(train.class_names),
        "spec": asdict(spec),
        "definition": hashlib.sha256(_definition_source().encode()).hexdigest(),
    }
    return hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()


def _build(train: ImageSet, spec: ClassifierSpec) -> FeatureClassifier:
    channels, height, _ = train.shape
    return FeatureClassifier(channels, height, len(train.class_names), spec.feature_dim)


@torch.no_grad()
def accuracy(model: FeatureClassifier, data: ImageSet) -> float:
    """Fraction of ``data`` that ``model`` (in eval mode) classifies correctly."""
    correct = 0
    for indices in torch.arange(len(data), device=data.device).split(EMBED_BATCH):
        correct += int((model(data.gan_batch(indices)).argmax(1) == data.labels[indices]).sum())
    return correct / len(data)


def train_classifier(
    train: ImageSet, spec: ClassifierSpec, progress: bool = True
) -> FeatureClassifier:
    """Adam on cross-entropy over the whole training split; seeded without touching the
    caller's random streams."""
    devices = [train.device] if train.device.type == "cuda" else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(spec.seed)
        model = _build(train, spec).to(train.device)
        optimizer = torch.optim.Adam(model.parameters(), lr=spec.lr)
        shuffle = torch.Generator().manual_seed(spec.seed)
        steps = max(len(train) // spec.batch_size, 1)
        bar = Progress(
            TextColumn(f"training the {train.name} feature classifier"),
            BarColumn(bar_width=24),
            TextColumn("epoch {task.fields[epoch]}/{task.fields[epochs]}"),
            TimeRemainingColumn(),
            disable=not progress,
        )
        with bar:
            task = bar.add_task("", total=spec.epochs * steps, epoch=1, epochs=spec.epochs)
            model.train()
            for epoch in range(spec.epochs):
                bar.update(task, epoch=epoch + 1)
                order = torch.randperm(len(train), generator=shuffle).to(train.device)
                for indices in order.split(spec.batch_size)[:steps]:
                    logits = model(train.gan_batch(indices))
                    loss = F.cross_entropy(logits, train.labels[indices])
                    optimizer.zero_grad(set_to_none=True)
                    loss.backward()
                    optimizer.step()
                    bar.advance(task)
    return model.eval()


def load_or_train_classifier(
    train: ImageSet, test: ImageSet, spec: ClassifierSpec | None = None, progress: bool = True
) -> TrainedClassifier:
    """The cached classifier for ``train``, trained (and its test accuracy measured) if missing."""
    spec = spec or DEFAULT_SPEC
    key = classifier_key(train, spec)
    path = cache_dir() / "classifiers" / f"{train.name}-{key[:16]}.pt"
    if path.is_file():
        with torch.random.fork_rng(devices=[]):  # initialising weights draws from the CPU RNG
            model = _build(train, spec).to(train.device)
        state = torch.load(path, map_location=train.device, weights_only=True)
        model.load_state_dict(state["weights"])
        return TrainedClassifier(model.eval(), float(state["test_accuracy"]), key, path, False)
    model = train_classifier(train, spec, progress)
    test_accuracy = accuracy(model, test)
    buffer = io.BytesIO()
    torch.save(
        {
            "weights": model.state_dict(),
            "test_accuracy": test_accuracy,
            "key": key,
            "spec": asdict(spec),
            "data": train.name,
        },
        buffer,
    )
    atomic_write_bytes(path, buffer.getvalue())
    return TrainedClassifier(model, test_accuracy, key, path, True)


@torch.no_grad()
def embed(model: FeatureClassifier, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Features and predicted classes of images in [−1, 1], in batches."""
    features, predictions = [], []
    for batch in images.split(EMBED_BATCH):
        batch_features = model.features(batch)
        features.append(batch_features)
        predictions.append(model.head(batch_features).argmax(1))
    return torch.cat(features), torch.cat(predictions)
