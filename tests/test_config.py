import pytest

from minimaxlab.config import (
    apply_overrides,
    parse_override,
    resolve_config,
    validate,
)
from minimaxlab.errors import MinimaxlabError
from minimaxlab.experiments.dcgan_fashion import DCGANFashionConfig


def resolve(profile="full", overrides=(), **kwargs):
    return resolve_config(DCGANFashionConfig, "dcgan-fashion", profile, overrides, **kwargs)


def test_full_profile_is_the_spec():
    config = resolve()
    assert config.train.epochs == 50
    assert config.train.batch_size == 64
    assert config.train.generator_optimizer.lr == 1e-4
    assert config.train.generator_optimizer.betas == (0.9, 0.999)
    assert config.train.discriminator_optimizer.lr == 1e-4
    assert config.train.loss == "non-saturating"
    assert config.model.latent_dim == 100
    assert config.samples.grid_size == 4
    assert config.samples.grid_epochs == [10, 30, 50]
    assert config.data.name == "fashion-mnist" and config.data.limit is None
    # The YAML spells out the defaults of the typed config: no hidden second source of truth.
    assert config == DCGANFashionConfig()


def test_quick_profile_is_layered_over_full():
    config = resolve("quick")
    assert config.train.epochs < 50
    assert config.data.limit is not None
    assert config.model.latent_dim == 100 and config.train.loss == "non-saturating"  # from full
    assert config.train.generator_optimizer.betas == (0.0, 0.99)  # lists merge as values


def test_overrides_are_typed_and_nested():
    config = resolve(
        "quick",
        [
            "train.epochs=3",
            "train.generator_optimizer.betas=[0.5, 0.9]",
            "samples.grid_epochs=[1,2]",
            "data.name=digits",
            "seed=7",
            "train.generator_optimizer.lr=2e-4",
        ],
    )
    assert config.train.epochs == 3
    assert config.train.generator_optimizer.betas == (0.5, 0.9)
    assert config.train.generator_optimizer.lr == 2e-4
    assert config.samples.grid_epochs == [1, 2]
    assert config.data.name == "digits"
    assert config.seed == 7


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        ("train.epoch=3", "unknown config key 'train.epoch'; keys under 'train' are: epochs"),
        ("epochs=3", "unknown config key 'epochs'; keys at the top level are:"),
        ("seed.value=3", "'seed' is a value, not a section"),
        ("train.batch_size=-1", "config key 'train.batch_size': Input should be greater than 0"),
        ("train.batch_size=many", "config key 'train.batch_size': Input should be a valid integer"),
        (
            "train.loss=hinge",
            "config key 'train.loss': Input should be 'non-saturating', "
            "'saturating' or 'wgan-gp' (got 'hinge')",
        ),
        ("data.name=cifar", "config key 'data.name'"),
        ("train.generator_optimizer.betas=[0.5, 1.5]", "betas must both lie in [0, 1)"),
        ("train.epochs", "is not of the form key=value"),
        ("=3", "is not of the form key=value"),
        ("train..epochs=3", "is not of the form key=value"),
    ],
)
def test_bad_overrides_are_one_line_errors_naming_the_key(override, expected):
    with pytest.raises(MinimaxlabError) as info:
        resolve("quick", [override])
    message = str(info.value)
    assert expected in message
    assert "\n" not in message


def test_parse_override_reads_yaml_values():
    assert parse_override("a.b=3") == (["a", "b"], 3)
    assert parse_override("a=[1, 2]") == (["a"], [1, 2])
    assert parse_override("a=true") == (["a"], True)
    assert parse_override("a=") == (["a"], None)
    assert parse_override("a=x: [") == (["a"], "x: [")  # not YAML: kept as text


def test_unknown_profile_and_bad_files(tmp_path):
    with pytest.raises(MinimaxlabError, match="unknown profile 'fast'"):
        resolve("fast")
    broken = tmp_path / "broken.yaml"
    broken.write_text("full: [1,\n")
    with pytest.raises(MinimaxlabError, match=r"broken.yaml is not valid YAML at line"):
        resolve(yaml_path=broken)
    extra = tmp_path / "extra.yaml"
    extra.write_text("full: {}\nmedium: {}\n")
    with pytest.raises(MinimaxlabError, match="only 'full', 'quick', 'smoke' are allowed"):
        resolve(yaml_path=extra)
    typo = tmp_path / "typo.yaml"
    typo.write_text("full:\n  train:\n    epoch: 3\n")
    with pytest.raises(MinimaxlabError, match="unknown config key 'train.epoch'"):
        resolve(yaml_path=typo)
    with pytest.raises(MinimaxlabError, match="does not exist"):
        resolve(yaml_path=tmp_path / "missing.yaml")


def test_config_round_trips_through_yaml():
    import yaml

    config = resolve("quick", ["seed=3"])
    again = validate(
        DCGANFashionConfig, yaml.safe_load(yaml.safe_dump(config.model_dump(mode="json")))
    )
    assert again == config
    assert apply_overrides(config.model_dump(), DCGANFashionConfig, [])["seed"] == 3


def test_every_experiments_full_yaml_spells_out_its_typed_defaults():
    from minimaxlab.experiments import EXPERIMENTS

    for name, experiment in EXPERIMENTS.items():
        assert resolve_config(experiment.config_class, name, "full") == experiment.config_class()
        quick = resolve_config(experiment.config_class, name, "quick")
        assert quick != experiment.config_class(), f"{name}: quick is the full profile"


def test_mlp_gan_and_wgan_gp_settings_are_the_spec():
    from minimaxlab.experiments.gan_mnist import MLPGanConfig
    from minimaxlab.experiments.wgan_gp import WganGpConfig

    gan = resolve_config(MLPGanConfig, "gan-mnist")
    assert (gan.train.epochs, gan.train.batch_size, gan.train.loss) == (100, 64, "non-saturating")
    assert gan.train.generator_optimizer.lr == gan.train.discriminator_optimizer.lr == 1e-4
    assert gan.samples.grid_size**2 == 25 and gan.samples.grid_epochs == [0, 50, 100]
    assert gan.data.name == "mnist" and gan.data.fallbacks == ["fashion-mnist", "digits"]
    wgan = resolve_config(WganGpConfig, "wgan-gp")
    assert (wgan.train.loss, wgan.train.gp_weight, wgan.train.d_steps) == ("wgan-gp", 10.0, 5)
    for optimizer in (wgan.train.generator_optimizer, wgan.train.discriminator_optimizer):
        assert optimizer.lr == 1e-4 and optimizer.betas == (0.5, 0.9)
