"""syndigits: seeded, prefix-stable, looks like what it claims, and fast."""

from __future__ import annotations

import time

import numpy as np
import torch

from minimaxlab.data import syndigits
from minimaxlab.data.registry import is_available, load_images


def test_same_seed_same_images_other_seed_other_images():
    a_images, a_labels = syndigits.generate(40, seed=7)
    b_images, b_labels = syndigits.generate(40, seed=7)
    c_images, _ = syndigits.generate(40, seed=8)
    assert np.array_equal(a_images, b_images) and np.array_equal(a_labels, b_labels)
    assert not np.array_equal(a_images, c_images)
    assert a_images.shape == (40, 3, 32, 32) and a_images.dtype == np.uint8


def test_a_smaller_set_is_the_head_of_a_larger_one():
    small, small_labels = syndigits.generate(5, seed=3)
    large, large_labels = syndigits.generate(12, seed=3)
    assert np.array_equal(small, large[:5]) and np.array_equal(small_labels, large_labels[:5])


def test_colour_contrast_variety_and_every_class():
    images, labels = syndigits.generate(300, seed=0)
    assert set(labels.tolist()) == set(range(10))
    pixels = images.astype(np.float32)
    # colour: the channels differ; contrast: each image spans a wide range of luma
    assert np.abs(pixels[:, 0] - pixels[:, 1]).mean() > 10
    luma = np.tensordot(np.array([0.299, 0.587, 0.114]), pixels, axes=([0], [1]))
    spread = np.percentile(luma.reshape(300, -1), 95, axis=1) - np.percentile(
        luma.reshape(300, -1), 5, axis=1
    )
    assert np.median(spread) > 40
    # varied backgrounds: the mean colour of the border differs from image to image
    border = pixels[:, :, 0, :].mean(axis=2)
    assert border.std(axis=0).min() > 30


def test_other_sizes():
    images, _ = syndigits.generate(3, seed=0, size=20)
    assert images.shape == (3, 3, 20, 20)


def test_the_digit_is_in_the_middle():
    """The labelled digit is centred: a classifier-free check that the centre column of the
    image has more of the digit colour than the left and right edge columns on average."""
    images, _ = syndigits.generate(200, seed=1)
    centre = images[:, :, :, 12:20].astype(np.float32)
    edges = np.concatenate([images[:, :, :, :4], images[:, :, :, -4:]], axis=3).astype(np.float32)
    # the digit's strokes make the centre vary more than the edges (neighbours are cut off)
    assert centre.std(axis=(2, 3)).mean() > edges.std(axis=(2, 3)).mean()


def test_registry_loads_syndigits_as_a_named_data_set():
    assert is_available("syndigits")
    train = load_images("syndigits", "train", limit=20)
    test = load_images("syndigits", "test", limit=20)
    assert train.shape == (3, 32, 32) and len(train) == 20 and train.class_names[0] == "0"
    assert not torch.equal(train.images, test.images)
    again = load_images("syndigits", "train", limit=10, grey=True, image_size=28)
    assert again.images.shape == (10, 1, 28, 28) and again.checksum != train.checksum
    assert torch.equal(load_images("syndigits", "train", limit=10).images, train.images[:10])


def test_ten_thousand_images_take_seconds():
    start = time.perf_counter()
    syndigits.generate(1000, seed=0)
    elapsed = time.perf_counter() - start
    assert elapsed * 10 < 60, f"1,000 images took {elapsed:.1f} s"
