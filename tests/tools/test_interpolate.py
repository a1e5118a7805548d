"""`minimaxlab interpolate`: the path between two codes of different classes, into the run."""

import torch
from PIL import Image

from minimaxlab.runs import Run
from minimaxlab.tools import interpolate
from tests.helpers import invoke, one_line_error

from .helpers import summary_of


def collapse_generator(out) -> None:
    """Zero the DCGAN generator's last layer in the run's checkpoint: every code then draws the
    same blank image, which the classifier puts in one class (a generator collapsed for sure)."""
    run = Run.open(out)
    state = run.load_checkpoint()
    state["models"]["generator"]["upsample.6.weight"].zero_()  # the last ConvTranspose2d
    run.save_checkpoint(state)


def test_interpolate_writes_into_the_run(copy_of, shared_cache, monkeypatch):
    out = copy_of("dcgan-fashion")
    # A generator that draws one class only: interpolate says so...
    collapse_generator(out)
    result = invoke("interpolate", out, "--device", "cpu", "--no-progress")
    one_line_error(result, "the generator has collapsed")
    # ...so the ends are given here, to check what interpolate writes.
    ends = interpolate.Ends(torch.stack([torch.zeros(100), torch.ones(100)]), None, ("0", "9"))
    monkeypatch.setattr(interpolate, "choose_ends", lambda *args, **kwargs: ends)
    result = invoke(
        "interpolate", out, "--steps", 3, "--mode", "slerp", "--device", "cpu", "--no-progress"
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("0 → 9: ")
    assert result.stdout.strip().endswith(str(out / "figures" / "interpolation" / "slerp.png"))
    with Image.open(out / "figures" / "interpolation" / "slerp.png") as strip:
        assert strip.size == (3 * (5 * 30 + 2), 3 * 32)  # 5 images in one row
    codes = torch.load(out / "interpolation-slerp.pt")["codes"]
    assert codes.shape == (5, 100) and torch.equal(codes[0], ends.codes[0])
    assert summary_of(out)["interpolation"]["slerp"]["to"] == "9"
    html = (out / "report.html").read_text()
    assert "Latent space: interpolation" in html and "interpolation · slerp" in html
    one_line_error(invoke("interpolate", out, "--mode", "cubic"), "unknown interpolation mode")


def test_the_ends_are_the_first_candidates_of_two_classes(tiny_runs):
    from minimaxlab.tools.generators import load_generator

    model = load_generator(tiny_runs["gan-mnist"])
    names = ("dark", "bright")

    def by_first_pixel(images):
        return (images.flatten(1)[:, 0] > images.flatten(1)[:, 0].median()).long()

    ends = interpolate.choose_ends(model, by_first_pixel, names, seed=3)
    seeded = torch.Generator().manual_seed(3)
    candidates = torch.randn(interpolate.CANDIDATES, 100, generator=seeded)
    assert torch.equal(ends.codes[0], candidates[0]) and ends.labels is None
    assert ends.classes[0] != ends.classes[1]
    ends = interpolate.choose_ends(model, by_first_pixel, names, ("bright", "0"), 3)
    assert ends.classes == ("bright", "dark")
