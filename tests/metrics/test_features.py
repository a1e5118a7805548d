import pytest
import torch

from minimaxlab.metrics import features
from minimaxlab.metrics.features import ClassifierSpec, embed, load_or_train_classifier
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


@pytest.mark.parametrize("size", [8, 28, 32])
def test_the_classifier_fits_any_square_image_size(size):
    from minimaxlab.models.classifiers import FeatureClassifier

    model = FeatureClassifier(channels=3, image_size=size, num_classes=10)
    assert model(torch.zeros(2, 3, size, size)).shape == (2, 10)
