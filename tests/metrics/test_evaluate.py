import pytest
import torch

from minimaxlab.metrics.evaluate import evaluate_generator, plot_class_histograms
from minimaxlab.metrics.features import ClassifierSpec
from minimaxlab.models.mlp import MLPGenerator
from tests.conftest import tiny_images

SPEC = ClassifierSpec(epochs=1, batch_size=16)


def test_evaluation_of_a_generator_against_its_data_and_the_floor(tmp_path):
    train, test = tiny_images(48, seed=0), tiny_images(16, seed=1)
    torch.manual_seed(0)
    generator = MLPGenerator(latent_dim=8, widths=(16,)).eval()
    before = sorted(tmp_path.iterdir())
    evaluation = evaluate_generator(generator, train, test, 20, 3, SPEC, progress=False)
    assert sorted(tmp_path.iterdir()) == before  # a stage: it writes no run folder
    assert evaluation["n"] == 20 and evaluation["dataset"] == "tiny"
    assert set(evaluation) == {"n", "dataset", "classifier", "generated", "floor"}
    for part in ("generated", "floor"):
        assert sum(evaluation[part]["class_histogram"]) == pytest.approx(1.0)
    # noise-like samples are farther from the training images than real test images are
    assert evaluation["generated"]["frechet_distance"] > evaluation["floor"]["frechet_distance"]
    # The seed fixes the samples and the subsets (close, not equal: oneDNN's first run of a
    # convolution shape may differ from later ones in the last bits).
    fd = evaluation["generated"]["frechet_distance"]
    again = evaluate_generator(generator, train, test, 20, 3, SPEC, progress=False)
    assert again["generated"]["frechet_distance"] == pytest.approx(fd, rel=1e-4)
    other = evaluate_generator(generator, train, test, 20, 4, SPEC, progress=False)
    assert other["generated"]["frechet_distance"] != pytest.approx(fd, rel=1e-4)

    figure = tmp_path / "classes.png"
    plot_class_histograms(evaluation, train.class_names, figure)
    assert figure.stat().st_size > 0
