"""`minimaxlab latent-path`: the least-change path between two inverted test images."""

import torch

from tests.helpers import invoke, one_line_error

from .helpers import summary_of


def test_latent_path_writes_into_the_run(copy_of):
    out = copy_of("dcgan-fashion")
    result = invoke(
        "latent-path", out, "--points", 4, "--steps", 3, "--invert-steps", 3, "--device", "cpu"
    )
    assert result.exit_code == 0, result.output
    table = summary_of(out)["latent_path"]
    assert table["optimised"]["U"] <= table["straight"]["U"]
    assert list(table) == ["images", "points", "steps", "inversion_errors", "straight", "optimised"]
    assert "straight" in result.stdout and "optimised" in result.stdout
    assert torch.load(out / "latent-path.pt")["optimised"].shape == (4, 100)
    one_line_error(
        invoke("latent-path", out, "--images", 0, 100000, "--device", "cpu"),
        "--images must be two indices",
    )
    assert "Latent space: latent path" in (out / "report.html").read_text()
