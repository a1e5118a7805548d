"""Feature classifiers: one small CNN per image data set, trained on its real training split and
cached, keyed by the data's checksum and the classifier's definition.

    <cache>/classifiers/<data>-<key[:16]>.pt   the weights, test accuracy, key, spec, data name
    <cache>/classifiers/<data>-<key[:16]>/     a run folder while it trains (checkpoint.pt,
                                               metrics.jsonl): a stopped training resumes there
"""

from __future__ import annotations

import hashlib
import inspect
import json
import shutil
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
import torch.nn.functional as F

from minimaxlab.atomic import exclusive
from minimaxlab.checkpoint import load_checkpoint, save_checkpoint
from minimaxlab.data.batches import EpochShuffles
from minimaxlab.data.images import ImageSet
from minimaxlab.data.registry import cache_dir
from minimaxlab.models.classifiers import FeatureClassifier
from minimaxlab.runs import Run
from minimaxlab.training.loop import Schedule, TrainingLoop
from minimaxlab.training.state import TrainingState

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
    parts = (FeatureClassifier, train_classifier, _classifier_step, EpochShuffles)
    return "".join(inspect.getsource(part) for part in parts)


# Definitions that train the same weights, bit for bit, as an earlier one, mapped to its hash,
# so that the caches it wrote stay valid: training moved onto TrainingLoop (same batches, same
# random draws). Any other change to the source gets a new key, and a new classifier.
SAME_WEIGHTS_AS = {
    # the loop as it is now → the loop as first written
    "203c636c43bda15073d75981b6d17d9526cac1673ce4c148bb02cc723906e2fa": (
        "58c8fe60eac421cbaaf0233db700b4b810f0f183157f10cd665f8e9a9fce367d"
    ),
}


def _definition() -> str:
    digest = hashlib.sha256(_definition_source().encode()).hexdigest()
    return SAME_WEIGHTS_AS.get(digest, digest)


def classifier_key(train: ImageSet, spec: ClassifierSpec) -> str:
    """Identifies a classifier by the data it learns from and how it is made."""
    identity = {
        "data": train.checksum,
        "shape": train.shape,
        "classes": len(train.class_names),
        "spec": asdict(spec),
        "definition": _definition(),
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
    train: ImageSet, spec: ClassifierSpec, run: Run, progress: bool = True
) -> FeatureClassifier:
    """Adam on cross-entropy over the whole training split (per epoch, whole batches of one
    shuffle; a short last batch is left out), checkpointed in ``run`` at every epoch's end so a
    stopped training resumes there; seeded without touching the caller's random streams."""
    devices = [train.device] if train.device.type == "cuda" else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(spec.seed)
        model = _build(train, spec).to(train.device)
        optimizer = torch.optim.Adam(model.parameters(), lr=spec.lr)
        per_epoch = max(len(train) // spec.batch_size, 1)
        loop = TrainingLoop(
            run,
            TrainingState({"classifier": model}, {"adam": optimizer}),
            _classifier_step(model, optimizer, train, spec, per_epoch),
            Schedule(spec.epochs * per_epoch, log_every=per_epoch, steps_per_epoch=per_epoch),
            progress=progress,
            description=f"training the {train.name} feature classifier",
        )
        loop.restore()
        model.train()
        loop.train()  # dropout draws from the forked global RNG, restored on resume
    return model.eval()


def _classifier_step(
    model: FeatureClassifier,
    optimizer: torch.optim.Optimizer,
    train: ImageSet,
    spec: ClassifierSpec,
    per_epoch: int,
) -> Callable[[int], dict[str, torch.Tensor]]:
    """Step ``i``: one update on batch ``position`` of epoch ``epoch``'s shuffle, where
    ``epoch, position = divmod(i, per_epoch)``."""
    shuffles = EpochShuffles(len(train), spec.seed, train.device)

    def step(i: int) -> dict[str, torch.Tensor]:
        epoch, position = divmod(i, per_epoch)
        start = position * spec.batch_size
        indices = shuffles.order(epoch)[start : start + spec.batch_size]
        loss = F.cross_entropy(model(train.gan_batch(indices)), train.labels[indices])
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        return {"loss": loss}

    return step


def load_or_train_classifier(
    train: ImageSet, test: ImageSet, spec: ClassifierSpec | None = None, progress: bool = True
) -> TrainedClassifier:
    """The cached classifier for ``train``, trained (and its test accuracy measured) if missing."""
    spec = spec or DEFAULT_SPEC
    key = classifier_key(train, spec)
    path = cache_dir() / "classifiers" / f"{train.name}-{key[:16]}.pt"
    trained_now = False
    if not path.is_file():
        # The lab's experiments may run side by side: one process trains, the others wait.
        with exclusive(path.with_suffix(".lock")):
            if not path.is_file():
                _train_into(path, train, test, spec, key, progress)
                trained_now = True
    with torch.random.fork_rng(devices=[]):  # initialising weights draws from the CPU RNG
        model = _build(train, spec).to(train.device)
    state = load_checkpoint(path, train.device)
    model.load_state_dict(state["weights"])
    return TrainedClassifier(model.eval(), float(state["test_accuracy"]), key, path, trained_now)


def _train_into(
    path: Path, train: ImageSet, test: ImageSet, spec: ClassifierSpec, key: str, progress: bool
) -> None:
    """Train the classifier, measure its test accuracy and cache both at ``path``."""
    folder = path.with_suffix("")  # the training's run folder, until the weights are cached
    folder.mkdir(parents=True, exist_ok=True)
    model = train_classifier(train, spec, Run(folder), progress)
    cached = {
        "weights": model.state_dict(),
        "test_accuracy": accuracy(model, test),
        "key": key,
        "spec": asdict(spec),
        "data": train.name,
    }
    save_checkpoint(path, cached)
    shutil.rmtree(folder)


@torch.no_grad()
def embed(model: FeatureClassifier, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Features and predicted classes of images in [−1, 1], in batches."""
    features, predictions = [], []
    for batch in images.split(EMBED_BATCH):
        batch_features = model.features(batch)
        features.append(batch_features)
        predictions.append(model.head(batch_features).argmax(1))
    return torch.cat(features), torch.cat(predictions)
