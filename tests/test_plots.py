import numpy as np
import pytest
import torch
from PIL import Image

from minimaxlab.plots import (
    image_grid,
    plot_curves,
    plot_line_panels,
    save_gif,
    save_image_grid,
)


def only_files(folder):
    """Everything in ``folder``: an atomic write leaves the target and no temporary file."""
    return sorted(p.name for p in folder.iterdir())


@pytest.mark.parametrize(
    ("n", "nrow", "rows", "cols"), [(5, None, 2, 3), (5, 5, 1, 5), (4, 3, 2, 3)]
)
def test_the_grid_has_nrow_columns_and_as_many_rows_as_needed(n, nrow, rows, cols):
    grid = image_grid(torch.zeros(n, 1, 6, 4), nrow=nrow, padding=2)
    assert grid.dtype == np.uint8 and grid.shape == (rows * 8 + 2, cols * 6 + 2, 1)


def test_the_grid_maps_minus_one_to_black_and_one_to_white_between_white_padding():
    images = torch.stack([-torch.ones(3, 2, 2), torch.ones(3, 2, 2)])
    images[1, 0] = 0.0  # the second image: cyan-ish, red channel at mid grey
    grid = image_grid(images, nrow=2, padding=1)
    assert grid.shape == (4, 7, 3)
    assert (grid[1:3, 1:3] == 0).all()  # the first image, black
    assert (grid[1:3, 4:6, 0] == 128).all() and (grid[1:3, 4:6, 1:] == 255).all()
    assert (grid[0] == 255).all() and (grid[:, 3] == 255).all()  # padding between them


def test_a_saved_grid_is_a_png_enlarged_scale_times_and_written_atomically(tmp_path):
    path = tmp_path / "figures" / "grid.png"
    save_image_grid(torch.zeros(6, 1, 5, 5), path, nrow=3, scale=2)
    with Image.open(path) as image:
        assert image.format == "PNG" and image.size == (2 * (3 * 7 + 2), 2 * (2 * 7 + 2))
    assert only_files(path.parent) == ["grid.png"]


def test_a_gif_holds_every_frame_and_holds_the_last_longer(tmp_path):
    frames = []
    for i in range(3):
        frames.append(tmp_path / f"frame_{i}.png")
        save_image_grid(torch.full((1, 1, 4, 4), i - 1.0), frames[-1], nrow=1, scale=1)
    save_gif(frames, tmp_path / "progress.gif", frame_ms=100)
    with Image.open(tmp_path / "progress.gif") as gif:
        assert gif.format == "GIF" and gif.n_frames == 3
        durations = []
        for k in range(3):
            gif.seek(k)
            durations.append(gif.info["duration"])
    assert durations == [100, 100, 400]
    assert only_files(tmp_path) == ["frame_0.png", "frame_1.png", "frame_2.png", "progress.gif"]
    save_gif([], tmp_path / "empty.gif")
    assert not (tmp_path / "empty.gif").exists()  # no frames: no file


def test_line_panels_and_curves_write_pngs_and_nothing_else(tmp_path):
    panels = {
        "left": {"a": ([0, 1, 2], [0.1, 0.5, 0.9])},
        "right": {"a": ([0, 1, 2], [0.9, 0.5, 0.1]), "b": ([0, 2], [0.5, 0.5])},
    }
    plot_line_panels(panels, tmp_path / "panels.png", "x", "y", reference=(0.5, "chance"))
    records = [{"step": 1, "loss": 2.0}, {"step": 2, "loss": 1.0}, {"epoch": 1}]
    assert plot_curves(records, ["loss"], tmp_path / "curves.png")
    for name in ("panels.png", "curves.png"):
        with Image.open(tmp_path / name) as image:
            assert image.format == "PNG" and image.width > 100
    assert only_files(tmp_path) == ["curves.png", "panels.png"]
    assert not plot_curves(records, ["accuracy"], tmp_path / "nothing.png")  # nothing to plot
    assert not (tmp_path / "nothing.png").exists()


def test_labelled_rows_write_one_strip_per_label(tmp_path):
    from PIL import Image

    from minimaxlab.plots import save_labelled_rows

    rows = [torch.zeros(3, 1, 8, 8), torch.ones(3, 1, 8, 8)]
    path = tmp_path / "rows.png"
    save_labelled_rows(rows, ["dark", "light"], path, "two rows")
    with Image.open(path) as image:
        assert image.height > 50 and image.width > image.height
    with pytest.raises(ValueError):
        save_labelled_rows(rows, ["only one label"], tmp_path / "bad.png")
