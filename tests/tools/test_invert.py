"""`minimaxlab invert`: GAN inversion of a run's first test images, into the run."""

import torch

from tests.helpers import invoke, one_line_error

from .helpers import summary_of


def test_invert_writes_into_the_run(copy_of):
    out = copy_of("dcgan-fashion")
    result = invoke("invert", out, "--images", 2, "--restarts", 2, "--steps", 5, "--device", "cpu")
    assert result.exit_code == 0, result.output
    assert result.stdout.count("image ") == 2
    inversion = summary_of(out)["inversion"]
    assert len(inversion["per_image"]) == 2 and len(inversion["per_image"][0]["errors"]) == 2
    assert (out / "figures" / "inversion" / "targets_and_starts.png").is_file()
    assert torch.load(out / "inversion.pt")["codes"].shape == (2, 2, 100)
    assert "Latent space: inversion" in (out / "report.html").read_text()
    one_line_error(invoke("invert", out, "--images", 0), "--images must be at least 1")
