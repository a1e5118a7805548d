"""`minimaxlab sample`: a PNG grid of a run's samples, the same for the same seed."""

import pytest
import torch
from PIL import Image

from minimaxlab.errors import MinimaxlabError
from minimaxlab.tools.generators import load_generator
from minimaxlab.tools.sample import sample_images, write_samples
from tests.helpers import invoke, one_line_error

from .test_generators import make_run


def test_sampling_needs_at_least_one_image(tmp_path):
    run, _ = make_run(tmp_path / "run")
    with pytest.raises(MinimaxlabError, match="at least 1"):
        sample_images(load_generator(run.path), 0)


def test_same_seed_same_codes_as_one_cpu_draw(tmp_path):
    run, _ = make_run(tmp_path / "run")
    loaded = load_generator(run.path)
    codes = torch.randn(3, 100, generator=torch.Generator().manual_seed(7))
    with torch.no_grad():
        assert torch.allclose(sample_images(loaded, 3, seed=7), loaded(codes), atol=1e-4)


def test_the_command_writes_a_grid_of_n_images(tiny_runs, tmp_path):
    png = tmp_path / "samples.png"
    run_dir = tiny_runs["dcgan-fashion"]
    result = invoke("sample", run_dir, "--n", 9, "--out", png, "--device", "cpu")
    assert result.exit_code == 0, result.output
    with Image.open(png) as image:
        assert image.size == (3 * (3 * 30 + 2),) * 2  # 3×3 tiles of 28 px, 2 px gaps, ×3 scale
    one_line_error(invoke("sample", tmp_path / "nowhere", "--out", png), "does not exist")
    one_line_error(invoke("sample", run_dir, "--out", tmp_path / "x.jpg"), "must name a .png")
    with pytest.raises(MinimaxlabError, match="must name a .png"):
        write_samples(run_dir, tmp_path / "x.gif")
