import pytest
import torch
import yaml

from minimaxlab.errors import MinimaxlabError
from minimaxlab.experiments.dcgan_fashion import DCGANFashionConfig, build_models
from minimaxlab.generative import GENERATORS, model_file
from minimaxlab.runs import Run
from minimaxlab.tools.generators import load_generator, run_images
from minimaxlab.tools.sample import sample_images


def make_run(folder, **config_changes):
    config = DCGANFashionConfig(**config_changes)
    run = Run.create("dcgan-fashion", folder)
    run.write_config(config.model_dump(mode="json"))
    models = build_models(config)
    run.save_checkpoint({"models": {k: m.state_dict() for k, m in models.items()}})
    return run, models["generator"]


def test_loads_the_trained_generator_in_eval_mode(tmp_path):
    run, generator = make_run(tmp_path / "run")
    loaded = load_generator(run.path)
    assert not loaded.training
    for key, value in generator.state_dict().items():
        assert torch.equal(value, loaded.state_dict()[key])
    images = sample_images(loaded, 5, seed=1)
    assert images.shape == (5, 1, 28, 28)
    # Close, not equal: with several CPU threads, oneDNN's first run of a convolution shape
    # can differ from later runs in the last bits (measured: 2e-5 here, then stable).
    assert torch.allclose(images, sample_images(loaded, 5, seed=1), atol=1e-4)
    assert not torch.allclose(images, sample_images(loaded, 5, seed=2), atol=1e-2)


def test_a_checkpoint_of_another_architecture_is_a_clear_error(tmp_path):
    run, _ = make_run(tmp_path / "run")
    config = yaml.safe_load(run.config_path.read_text())
    config["model"]["latent_dim"] = 64  # the config no longer matches the weights
    run.write_config(config)
    with pytest.raises(MinimaxlabError, match="does not fit the architecture"):
        load_generator(run.path)


def test_a_run_without_a_generator_is_a_clear_error(tmp_path):
    run = Run.create("bandit", tmp_path / "run")
    run.write_config({"experiment": "bandit"})
    with pytest.raises(MinimaxlabError, match="'bandit', which has no generator"):
        load_generator(run.path)


def test_run_images_are_the_data_set_the_run_trained_on_after_a_fallback(tmp_path):
    run, _ = make_run(tmp_path / "run", data={"name": "fashion-mnist", "image_size": 28})
    run.write_summary({"data": {"name": "digits"}})  # fashion-mnist was not there
    train, test = run_images(run, ("train", "test"))
    assert (train.name, train.split, test.split) == ("digits", "train", "test")
    assert train.shape == (1, 28, 28)


def test_a_named_generator_of_the_run_is_loaded_from_its_model_file(tmp_path):
    run, generator = make_run(tmp_path / "run")
    other = build_models(DCGANFashionConfig())["generator"]  # other initial weights
    run.save_torch(model_file("other-1"), {"models": {"generator": other.state_dict()}})
    run.write_summary({GENERATORS: ["other-1"]})
    loaded, default = load_generator(run.path, name="other-1"), load_generator(run.path)
    for key, value in other.state_dict().items():
        assert torch.equal(value, loaded.state_dict()[key])
    for key, value in generator.state_dict().items():
        assert torch.equal(value, default.state_dict()[key])
    assert not torch.equal(
        loaded.state_dict()["project.0.weight"], generator.state_dict()["project.0.weight"]
    )


def test_an_unlisted_or_unsafe_generator_name_is_a_clear_error(tmp_path):
    run, _ = make_run(tmp_path / "run")
    with pytest.raises(MinimaxlabError, match=r"no generator 'x'; choose none \(leave out"):
        load_generator(run.path, name="x")
    run.write_summary({GENERATORS: ["other-1", "../escape", 3]})
    with pytest.raises(MinimaxlabError, match=r"no generator 'x'; choose one of other-1$"):
        load_generator(run.path, name="x")
    with pytest.raises(MinimaxlabError, match="no generator '../escape'"):
        load_generator(run.path, name="../escape")
    with pytest.raises(ValueError):
        model_file("a/../b")
