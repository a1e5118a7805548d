import numpy as np
import pytest
import torch

from minimaxlab.data.images import from_arrays
from minimaxlab.errors import MinimaxlabError
from tests.conftest import tiny_images


def test_a_gan_batch_is_the_chosen_images_as_floats_in_minus_one_to_one():
    pixels = np.array([[[0, 255], [51, 204]], [[255, 255], [0, 0]], [[1, 2], [3, 4]]], np.uint8)
    data = from_arrays("hand", "train", pixels, np.array([0, 1, 0]), ("a", "b"))
    assert data.shape == (1, 2, 2) and len(data) == 3  # N×H×W gets its one channel
    batch = data.gan_batch(torch.tensor([1, 0]))
    assert batch.dtype == torch.float32 and batch.shape == (2, 1, 2, 2)
    expected = torch.tensor([[[1.0, 1.0], [-1.0, -1.0]], [[-1.0, 1.0], [-0.6, 0.6]]])
    assert torch.allclose(batch[:, 0], expected)
    # The held images stay uint8 and untouched (the scaling works on the batch's copy).
    assert data.images.dtype == torch.uint8 and torch.equal(
        data.images[:, 0], torch.from_numpy(pixels)
    )


def test_the_head_keeps_each_label_with_its_image_and_is_another_data_set():
    data = tiny_images(12)
    head = data.head(5)
    assert len(head) == 5 and torch.equal(head.images, data.images[:5])
    assert torch.equal(head.labels, data.labels[:5])
    assert head.checksum != data.checksum and head.checksum != data.head(6).checksum
    assert data.head(12) is data and data.head(50) is data  # all of it: the same set


def test_to_a_device_moves_images_and_labels_together():
    data = tiny_images(4)
    moved = data.to("meta")
    assert moved.device.type == "meta" and moved.labels.device.type == "meta"
    assert moved.images.shape == data.images.shape and moved.checksum == data.checksum
    assert data.device.type == "cpu"  # the original stays where it was


def test_the_checksum_follows_the_content():
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (6, 8, 8), dtype=np.uint8)
    labels = rng.integers(0, 3, 6)
    names = ("x", "y", "z")
    checksum = from_arrays("a", "train", images, labels, names).checksum
    assert from_arrays("b", "test", images.copy(), labels, names).checksum == checksum
    one_pixel = images.copy()
    one_pixel[3, 4, 5] ^= 1
    assert from_arrays("a", "train", one_pixel, labels, names).checksum != checksum
    other_labels = labels.copy()
    other_labels[0] = (other_labels[0] + 1) % 3
    assert from_arrays("a", "train", images, other_labels, names).checksum != checksum
    assert from_arrays("a", "train", images, labels, names, checksum="given").checksum == "given"


def test_greyscale_is_luma_and_resized_resamples_each_image():
    colour = np.zeros((2, 3, 4, 4), np.uint8)
    colour[0, 0] = 255  # pure red
    colour[1] = 200  # grey stays grey
    data = from_arrays("c", "train", colour, np.array([0, 1]), ("r", "g"))
    grey = data.greyscale()
    assert grey.shape == (1, 4, 4) and grey.images.dtype == torch.uint8
    assert grey.images[0].unique().tolist() == [76]  # round(0.299 · 255)
    assert grey.images[1].unique().tolist() == [200]
    assert grey.greyscale() is grey and grey.checksum != data.checksum
    small = grey.resized(2)
    assert small.shape == (1, 2, 2) and small.images[1].unique().tolist() == [200]
    assert torch.equal(small.labels, data.labels) and small.checksum != grey.checksum
    assert grey.resized(4) is grey


@pytest.mark.parametrize(
    ("images", "labels", "message"),
    [
        (np.zeros((3, 4), np.uint8), np.zeros(3), "images must be N×H×W or N×C×H×W"),
        (np.zeros((3, 4, 4), np.uint8), np.zeros(2), "3 images but labels of shape (2,)"),
        (np.zeros((3, 4, 4), np.uint8), np.zeros((3, 1)), "3 images but labels of shape (3, 1)"),
        (np.zeros((2, 4, 4), np.uint8), np.array([0, 2]), "labels run from 0 to 2, outside"),
        (np.zeros((2, 4, 4), np.uint8), np.array([-1, 0]), "labels run from -1 to 0, outside"),
    ],
)
def test_arrays_that_do_not_make_an_image_set_are_refused_naming_it(images, labels, message):
    with pytest.raises(MinimaxlabError, match="data set hand \\(train\\)") as raised:
        from_arrays("hand", "train", images, labels, ("a", "b"))
    assert message in str(raised.value)
