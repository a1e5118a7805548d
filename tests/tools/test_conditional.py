"""A conditional generator, defined only here and registered as an experiment, gets every
command through the generative contract alone: its labels go where each command needs them."""

import pytest
import torch
import yaml
from torch import nn
from typer.testing import CliRunner

from minimaxlab.cli import app
from minimaxlab.config import ExperimentConfig
from minimaxlab.data.config import ImageDataConfig
from minimaxlab.data.registry import load_images
from minimaxlab.experiments import EXPERIMENTS, Experiment
from minimaxlab.generative import draw_codes
from minimaxlab.runs import Run
from minimaxlab.tools import interpolate

from .helpers import BrightnessClassifier

CLASSES = 10  # digits


class TinyConditional(nn.Module):
    """(z, class) → a 1×28×28 image: the class's embedding added to the code. Records the
    labels of every call, so the test can see which ones each command passed."""

    latent_dim = 4
    num_classes = CLASSES
    calls: list[torch.Tensor] = []

    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(CLASSES, 4)
        self.net = nn.Linear(4, 28 * 28)

    def forward(self, codes, labels):
        TinyConditional.calls.append(labels.cpu())
        return torch.tanh(self.net(codes + self.embed(labels))).view(-1, 1, 28, 28)

    @torch.no_grad()
    def sample(self, n, labels=None, generator=None):
        codes = draw_codes(self, n, generator)
        if labels is None:
            labels = torch.randint(CLASSES, (n,), generator=generator).to(codes.device)
        return self(codes, labels)


class TinyConditionalConfig(ExperimentConfig):
    experiment: str = "tiny-conditional"
    data: ImageDataConfig = ImageDataConfig(name="digits", image_size=28)


def _untrainable(config, context):
    raise AssertionError("the test writes the run folder itself")


@pytest.fixture
def conditional_run(tmp_path, monkeypatch):
    experiment = Experiment(
        name="tiny-conditional",
        description="A conditional generator defined in a test.",
        config_class=TinyConditionalConfig,
        run=_untrainable,
        build_models=lambda config: {"generator": TinyConditional()},
    )
    monkeypatch.setitem(EXPERIMENTS, experiment.name, experiment)
    torch.manual_seed(0)
    run = Run.create(experiment.name, tmp_path / "run")
    run.write_config(TinyConditionalConfig().model_dump(mode="json"))
    run.save_checkpoint({"models": {"generator": TinyConditional().state_dict()}})
    run.write_summary({"experiment": experiment.name, "status": "finished"})
    TinyConditional.calls.clear()
    return run.path


def invoke(*args):
    return CliRunner().invoke(app, [str(a) for a in (*args, "--device", "cpu")])


def test_sample_and_evaluate_draw_random_classes(conditional_run, shared_cache, tmp_path):
    result = invoke("sample", conditional_run, "--n", 20, "--out", tmp_path / "s.png")
    assert result.exit_code == 0, result.output
    assert len(TinyConditional.calls[-1]) == 20 and len(set(TinyConditional.calls[-1].tolist())) > 1
    result = invoke("evaluate", conditional_run, "--n", 30, "--no-progress")
    assert result.exit_code == 0, result.output
    summary = yaml.safe_load((conditional_run / "summary.json").read_text())
    assert summary["evaluation"]["n"] == 30


def test_interpolate_gives_each_end_its_class(conditional_run, shared_cache, monkeypatch):
    classifier = BrightnessClassifier
    monkeypatch.setattr(interpolate, "load_or_train_classifier", lambda *a, **k: classifier)
    result = invoke("interpolate", conditional_run, "--steps", 3, "--no-progress")
    assert result.exit_code == 0, result.output
    candidates, path = TinyConditional.calls[0], TinyConditional.calls[-1]
    assert torch.equal(candidates, torch.arange(512) % CLASSES)  # every class a candidate
    codes = torch.load(conditional_run / "interpolation-linear.pt")["codes"]
    first = draw_codes(TinyConditional(), 512, torch.Generator().manual_seed(0))
    start = int((first == codes[0]).all(1).nonzero())
    end = int((first == codes[-1]).all(1).nonzero())
    # 5 points: the first three (t ≤ ½) take the start's class, the last two the end's
    assert path.tolist() == [candidates[start]] * 3 + [candidates[end]] * 2


def test_invert_and_latent_path_use_each_test_images_class(conditional_run):
    labels = load_images("digits", "test", image_size=28).labels
    result = invoke("invert", conditional_run, "--images", 2, "--restarts", 3, "--steps", 2)
    assert result.exit_code == 0, result.output
    assert torch.equal(TinyConditional.calls[-1], labels[:2].repeat_interleave(3))
    TinyConditional.calls.clear()
    args = ["--images", 3, 5, "--points", 4, "--steps", 2, "--invert-steps", 2]
    result = invoke("latent-path", conditional_run, *args)
    assert result.exit_code == 0, result.output
    a, b = labels[3].item(), labels[5].item()
    assert TinyConditional.calls[0].tolist() == [a] * 8 + [b] * 8  # 8 starts per image
    straight, optimised = TinyConditional.calls[-2:]  # the strips of both paths
    assert straight.tolist() == optimised.tolist() == [a, a, b, b]


# ---- cgan-fashion's tiny run: --class, --classes, --truncation and their errors -------------


def test_sample_draws_a_labelled_row_per_class_or_one_class(tiny_runs, tmp_path):
    from PIL import Image

    run_dir = tiny_runs["cgan-fashion"]
    rows, one = tmp_path / "rows.png", tmp_path / "one.png"
    assert invoke("sample", run_dir, "--n", 20, "--out", rows).exit_code == 0
    result = invoke("sample", run_dir, "--n", 6, "--class", "3", "--truncation", 0.5, "--out", one)
    assert result.exit_code == 0, result.output
    with Image.open(rows) as image, Image.open(one) as grid:
        assert image.height > image.width / 3  # ten labelled rows of two
        assert grid.width > grid.height  # 6 images: a 3×2 grid


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--class", "10"], "class 10 is out of range: there are 10 classes, 0 to 9"),
        (["--class", "Sneaker"], "unknown class 'Sneaker'; use a name or an index of: 0, 1"),
        (["--truncation", "0"], "--truncation must be above 0"),
    ],
)
def test_sample_errors_are_one_line(tiny_runs, tmp_path, args, message):
    result = invoke("sample", tiny_runs["cgan-fashion"], "--out", tmp_path / "x.png", *args)
    assert result.exit_code == 2 and message in result.output
    assert len(result.output.strip().splitlines()) == 1 and not (tmp_path / "x.png").exists()


def test_an_unconditional_run_asked_for_a_class_is_a_one_line_error(tiny_runs, tmp_path):
    result = invoke("sample", tiny_runs["dcgan-fashion"], "--out", tmp_path / "x.png", "--class", 1)
    assert result.exit_code == 2 and "needs a class-conditional generator" in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_interpolate_classes_renders_the_three_kinds_a_row_per_pair(
    copy_of, shared_cache, monkeypatch
):
    monkeypatch.setattr(
        interpolate, "load_or_train_classifier", lambda *a, **k: BrightnessClassifier
    )
    run_dir = copy_of("cgan-fashion")
    args = ["--classes", "1,7", "2,9", "--steps", 3, "--mode", "slerp", "--no-progress"]
    result = invoke("interpolate", run_dir, *args, "--truncation", 1.5)
    assert result.exit_code == 0, result.output
    folder = run_dir / "figures" / "interpolation"
    names = {"same-class-slerp.png", "class-mix.png", "class-and-z-slerp.png"}
    assert names <= {p.name for p in folder.iterdir()}
    summary = yaml.safe_load((run_dir / "summary.json").read_text())["interpolation"]
    mix = summary["class-mix: 1 → 2"]
    assert (mix["from"], mix["to"]) == ("1", "2") and len(mix["classified_along_the_path"]) == 5
    assert "class-and-z-slerp: 7 → 9" in summary
    assert "class-mix: 1" in (run_dir / "report.html").read_text()  # the table of paths
    bad = invoke("interpolate", run_dir, "--classes", "1,2", "3", "--no-progress")
    assert bad.exit_code == 2 and "2 start classes but 1 end classes" in bad.output
