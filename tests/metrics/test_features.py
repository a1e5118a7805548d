import contextlib

import pytest
import torch
import torch.nn.functional as F

from minimaxlab.data.images import ImageSet
from minimaxlab.metrics import features
from minimaxlab.metrics.features import ClassifierSpec, embed, load_or_train_classifier
from minimaxlab.runs import Run
from tests.conftest import tiny_images

FAST = ClassifierSpec(epochs=2, batch_size=16)


def test_classifier_learns_and_is_cached_under_the_data_cache():
    train, test = tiny_images(160, seed=0), tiny_images(64, seed=1)
    first = load_or_train_classifier(train, test, FAST, progress=False)
    assert first.trained_now and first.path.is_file()
    assert first.path.parent.parent == features.cache_dir()
    assert first.test_accuracy > 0.75  # small vs large blobs: an easy task, chance is ~0.5
    again = load_or_train_classifier(train, test, FAST, progress=False)
    assert not again.trained_now and again.key == first.key
    assert again.test_accuracy == first.test_accuracy
    for key, value in first.model.state_dict().items():
        assert torch.equal(value, again.model.state_dict()[key])


def test_the_cache_is_invalidated_by_other_data_settings_or_code(monkeypatch):
    train, test = tiny_images(160, seed=0), tiny_images(64, seed=1)
    base = load_or_train_classifier(train, test, FAST, progress=False)
    other_data = load_or_train_classifier(tiny_images(160, seed=2), test, FAST, progress=False)
    other_spec = load_or_train_classifier(
        train, test, ClassifierSpec(epochs=1, batch_size=16), progress=False
    )
    assert other_data.trained_now and other_spec.trained_now
    monkeypatch.setattr(features, "_definition_source", lambda: "a changed architecture")
    changed_code = load_or_train_classifier(train, test, FAST, progress=False)
    assert changed_code.trained_now
    keys = {base.key, other_data.key, other_spec.key, changed_code.key}
    assert len(keys) == 4 and len({p.path for p in (base, other_data, other_spec)}) == 3


def test_training_does_not_disturb_the_callers_random_streams():
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    load_or_train_classifier(tiny_images(64), tiny_images(32, seed=1), FAST, progress=False)
    assert torch.equal(torch.rand(3), expected)


def test_embed_gives_features_and_predictions_in_batches(monkeypatch):
    classifier = load_or_train_classifier(
        tiny_images(64), tiny_images(32, seed=1), FAST, progress=False
    ).model
    images = tiny_images(40).gan_batch(torch.arange(40))
    monkeypatch.setattr(features, "EMBED_BATCH", 7)
    feats, predictions = embed(classifier, images)
    assert feats.shape == (40, 128) and predictions.shape == (40,)
    with torch.no_grad():
        assert torch.allclose(feats, classifier.features(images), atol=1e-4)
        assert torch.equal(predictions, classifier(images).argmax(1))


def first_written_training(train, spec):
    """The classifier's training loop as first written (before TrainingLoop): the reference
    whose weights, and so whose cache key, the current code keeps."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(spec.seed)
        model = features._build(train, spec)
        optimizer = torch.optim.Adam(model.parameters(), lr=spec.lr)
        shuffle = torch.Generator().manual_seed(spec.seed)
        steps = max(len(train) // spec.batch_size, 1)
        model.train()
        for _ in range(spec.epochs):
            order = torch.randperm(len(train), generator=shuffle)
            for indices in order.split(spec.batch_size)[:steps]:
                loss = F.cross_entropy(model(train.gan_batch(indices)), train.labels[indices])
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
    return model.eval()


def test_the_weights_are_the_first_definitions_so_its_caches_still_load():
    train = tiny_images(150, seed=0)  # 9 whole batches of 16 an epoch, 6 images left out
    trained = load_or_train_classifier(train, tiny_images(32, seed=1), FAST, progress=False)
    reference = first_written_training(train, FAST).state_dict()
    assert all(torch.equal(v, reference[k]) for k, v in trained.model.state_dict().items())
    # so the current code keys its cache as the first definition did (SAME_WEIGHTS_AS)
    assert features._definition() == (
        "58c8fe60eac421cbaaf0233db700b4b810f0f183157f10cd665f8e9a9fce367d"
    ), "the classifier's code changed: if its weights changed too, drop SAME_WEIGHTS_AS"


def test_a_training_stopped_mid_way_resumes_in_its_cache_folder(monkeypatch):
    train, test = tiny_images(160, seed=0), tiny_images(64, seed=1)
    straight = load_or_train_classifier(train, test, FAST, progress=False)
    straight.path.unlink()  # train it again: stopped, then resumed
    original, calls = ImageSet.gan_batch, {"n": 0, "fail_at": 15}

    def gan_batch(self, indices):
        calls["n"] += 1
        if calls["n"] == calls["fail_at"]:
            raise KeyboardInterrupt  # killed during step 15, after epoch 1's checkpoint
        return original(self, indices)

    monkeypatch.setattr(ImageSet, "gan_batch", gan_batch)
    with pytest.raises(KeyboardInterrupt):
        load_or_train_classifier(train, test, FAST, progress=False)
    folder = straight.path.with_suffix("")
    assert Run(folder).load_torch("checkpoint.pt")["step"] == 10
    calls.update(n=0, fail_at=None)
    resumed = load_or_train_classifier(train, test, FAST, progress=False)
    assert calls["n"] == 10 + 1  # epoch 2's steps, then one batch of test accuracy
    assert resumed.trained_now and resumed.test_accuracy == straight.test_accuracy
    for key, value in straight.model.state_dict().items():
        assert torch.equal(value, resumed.model.state_dict()[key])
    assert not folder.exists()  # only the cached weights stay


def test_a_classifier_cached_while_waiting_for_the_lock_is_loaded_not_trained(monkeypatch):
    """Experiments side by side: the process that waited loads what the first one trained."""
    train, test = tiny_images(160, seed=0), tiny_images(64, seed=1)
    key = features.classifier_key(train, FAST)
    locks = []

    @contextlib.contextmanager
    def another_process_trains_first(lock):
        locks.append(lock)
        features._train_into(lock.with_suffix(".pt"), train, test, FAST, key, False)
        yield

    monkeypatch.setattr(features, "exclusive", another_process_trains_first)
    got = load_or_train_classifier(train, test, FAST, progress=False)
    assert len(locks) == 1 and not got.trained_now and got.path == locks[0].with_suffix(".pt")
