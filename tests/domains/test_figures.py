"""The domain experiments' figures: images in colour, a map of points, retrieved rows."""

import numpy as np
import torch
from PIL import Image

from minimaxlab.domains.figures import as_rgb, save_projection, save_retrievals


def test_as_rgb_scales_to_the_unit_range_and_repeats_grey():
    grey = torch.tensor([0, 255], dtype=torch.uint8).view(2, 1, 1, 1)
    rgb = as_rgb(grey)
    assert rgb.shape == (2, 3, 1, 1) and rgb[0].eq(-1).all() and rgb[1].eq(1).all()
    colour = torch.zeros(1, 3, 2, 2, dtype=torch.uint8)
    assert as_rgb(colour).shape == (1, 3, 2, 2)


def test_retrievals_have_a_row_per_query_and_the_map_is_written(tmp_path):
    queries = torch.zeros(2, 1, 4, 4, dtype=torch.uint8)
    retrieved = torch.full((2, 3, 3, 4, 4), 255, dtype=torch.uint8)
    save_retrievals(queries, retrieved, tmp_path / "retrieved.png")
    with Image.open(tmp_path / "retrieved.png") as image:
        assert image.width > image.height  # 2 rows of 1 + 3 images
    points = np.random.default_rng(0).normal(size=(6, 2))
    labels, which = np.arange(6) % 3, np.array(["A", "A", "A", "B", "B", "B"])
    save_projection(points, labels, which, {"A": "A: a", "B": "B: b"}, tmp_path / "map.png", "t")
    assert (tmp_path / "map.png").stat().st_size > 0
