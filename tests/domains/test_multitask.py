"""multitask's stage: balanced subsets, a setting's batches, and one setting trained and resumed."""

import pytest
import torch

from minimaxlab.data.config import ImageDataConfig
from minimaxlab.data.domains import load_pair
from minimaxlab.domains.multitask import (
    MultitaskTrainConfig,
    Setting,
    SettingBatches,
    balanced_subset,
    train_setting,
)
from minimaxlab.interrupt import TrainingInterrupted
from minimaxlab.runs import Run
from tests.helpers import StopAt


def test_balanced_subset_is_seeded_sorted_and_as_even_as_it_can_be():
    labels = torch.tensor([0] * 50 + [1] * 30 + [2] * 4)
    subset = balanced_subset(labels, 21, seed=5)
    assert len(subset) == 21 and torch.equal(subset, subset.sort().values)
    assert len(set(subset.tolist())) == 21
    counts = torch.bincount(labels[subset], minlength=3).tolist()
    assert counts == [9, 8, 4] or counts == [8, 9, 4]  # class 2 has only 4
    assert torch.equal(subset, balanced_subset(labels, 21, seed=5))
    assert not torch.equal(subset, balanced_subset(labels, 21, seed=6))
    assert torch.equal(balanced_subset(labels, 100, seed=0), torch.arange(84))


@pytest.fixture(scope="module")
def pair():
    a = ImageDataConfig(name="digits", image_size=16, limit=30)
    b = ImageDataConfig(name="syndigits", image_size=16, limit=20, grey=True)
    return load_pair(a, b, 10, torch.device("cpu"), same_channels=True)


def test_a_settings_batches_draw_from_its_pools_one_pass_of_the_larger_per_epoch(pair):
    both = Setting("multitask-12", "multitask-12", ("A", "B"), 12, batch_size=5, index=2)
    batches = SettingBatches(both, pair, seed=0)
    assert {k: len(p) for k, p in batches.pools.items()} == {"A": 12, "B": 12}
    assert batches.steps_per_epoch == 3  # ⌈12 / 5⌉
    inputs, labels = batches.batch(1)
    assert inputs["A"].shape == (5, 1, 16, 16) and labels["B"].shape == (5,)
    again, _ = SettingBatches(both, pair, seed=0).batch(1)  # as a resumed run draws them
    assert torch.equal(inputs["A"], again["A"]) and torch.equal(inputs["B"], again["B"])
    alone = SettingBatches(Setting("alone-A", "alone", ("A",), None, 8, 0), pair, seed=0)
    assert list(alone.pools) == ["A"] and alone.steps_per_epoch == 4  # ⌈30 / 8⌉


def test_a_setting_stopped_mid_epoch_resumes_to_the_straight_result(pair, tmp_path):
    setting = Setting("alone-B", "alone", ("B",), None, batch_size=6, index=1)
    train = MultitaskTrainConfig(epochs=2, batch_size=6)
    options = {"model_args": {"width": 4, "feature_dim": 8, "head_hidden": 8}, "seed": 3}
    straight = train_setting(
        setting, pair, train, run=Run(tmp_path), stop=None, progress=False, **options
    )
    stopped = Run(tmp_path / "stopped")
    stopped.path.mkdir()
    with pytest.raises(TrainingInterrupted):  # 4 steps an epoch: stop after the 6th
        train_setting(setting, pair, train, run=stopped, stop=StopAt(5), progress=False, **options)
    resumed = train_setting(setting, pair, train, run=stopped, stop=None, progress=False, **options)
    assert straight["steps"] == 8 and len(straight["history"]) == 2
    assert set(straight["history"][0]) == {"epoch", "train_loss_B", "test_accuracy_B"}
    for name in ("history", "test_accuracy", "train_examples"):
        assert resumed[name] == straight[name]
    saved = [Run(p).load_torch("settings/alone-B.pt") for p in (tmp_path, stopped.path)]
    assert all(torch.equal(saved[0][k], saved[1][k]) for k in saved[0])
