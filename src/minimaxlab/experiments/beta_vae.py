"""beta-vae (shared/SPEC.md): the rate–distortion trade-off of a convolutional VAE, D + β·R
over a sweep of β, with a Gaussian encoder and an echo-noise encoder whose rate is exact.

Every (encoder, β) is one training through the generic loop under its own key, checkpointed in
``models/<key>.pt`` (a stop resumes it to the bit; a finished one is recorded in the sweep store
and skipped; a nan stops that one alone, with its message as its result). Each is measured on
the test split when it finishes (vae.quantities). The decoders of the Gaussian settings are the
run's generators (generative.GENERATORS): the one of β closest to 1 is also in checkpoint.pt,
and ``--generator gaussian-beta-3`` picks another. Echo decoders are not offered: their codes
follow the aggregate echo posterior, not the N(0, I) the commands draw from.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import torch
from pydantic import Field, PositiveFloat, PositiveInt, field_validator
from torch import nn

from minimaxlab.config import ExperimentConfig, StrictModel
from minimaxlab.data.config import ImageDataConfig
from minimaxlab.data.images import ImageSet
from minimaxlab.data.registry import load_images
from minimaxlab.errors import MinimaxlabError
from minimaxlab.experiments.base import Experiment, KeyNumber, RunContext
from minimaxlab.experiments.image_gan import evaluation_size, load_training_images
from minimaxlab.generative import GENERATOR, GENERATORS, model_file
from minimaxlab.metrics.config import EvaluationConfig
from minimaxlab.models.vae import ConvDecoder, ConvEncoder
from minimaxlab.plots import save_image_grid
from minimaxlab.report.account import listing, number
from minimaxlab.reproducibility import derived_seed
from minimaxlab.runs import Run
from minimaxlab.sweeps import SweepStore
from minimaxlab.training.state import TrainingDiverged, load_models
from minimaxlab.vae.echo import aggregate_echo_samples, echo_clip
from minimaxlab.vae.figures import plot_rate_distortion
from minimaxlab.vae.likelihood import Likelihood
from minimaxlab.vae.posterior import ENCODERS, Encoder, Posterior
from minimaxlab.vae.quantities import ACTIVE_VARIANCE, encode_all, expected_codes, rate_distortion
from minimaxlab.vae.train import Steps, VaeObjective, train_vae, unit_images

SHOWN = 8  # test images reconstructed, and samples drawn, per β
BATCH = 500  # images per forward pass when measuring
QUANTITIES = ("distortion", "rate", "elbo", "information", "active_units")
TABLE = "Rate and distortion on the test split (nats per image)"


class VaeModelConfig(StrictModel):
    latent_dim: PositiveInt = 16
    likelihood: Likelihood = "bernoulli"  # or gaussian: fixed σ, the sheet's squared error
    gaussian_sigma: PositiveFloat = 0.1  # σ of the Gaussian likelihood (pixels in [0, 1])


class EchoConfig(StrictModel):
    depth: PositiveInt = 100  # terms of the noise series
    bound: float = Field(1.0e-4, gt=0, lt=1)  # the largest remainder the truncation leaves


class VaeTrainConfig(StrictModel):
    epochs: PositiveInt = 30
    batch_size: int = Field(128, ge=2)  # echo noise needs other points in the batch
    lr: PositiveFloat = 1.0e-3
    log_every: PositiveInt = 100


class BetaVaeConfig(ExperimentConfig):
    experiment: str = "beta-vae"
    data: ImageDataConfig = ImageDataConfig(
        name="mnist", fallbacks=["fashion-mnist"], image_size=28
    )
    betas: list[PositiveFloat] = Field(default=[0.1, 0.3, 1.0, 3.0, 10.0, 30.0], min_length=2)
    encoders: list[Encoder] = Field(default=list(ENCODERS), min_length=1)
    model: VaeModelConfig = VaeModelConfig()
    echo: EchoConfig = EchoConfig()
    train: VaeTrainConfig = VaeTrainConfig()
    test_limit: PositiveInt | None = None  # test images measured (all when null)
    evaluation: EvaluationConfig = EvaluationConfig()

    @field_validator("betas")
    @classmethod
    def _distinct(cls, values: list[float]) -> list[float]:
        if len({f"{v:g}" for v in values}) != len(values):
            raise ValueError("the values of β must be distinct")
        return sorted(values)

    @field_validator("encoders")
    @classmethod
    def _with_gaussian(cls, values: list[Encoder]) -> list[Encoder]:
        if "gaussian" not in values or len(set(values)) != len(values):
            raise ValueError("list each encoder once, gaussian among them (its decoders sample)")
        return values


def setting_key(encoder: str, beta: float) -> str:
    """``gaussian-beta-0.3``: one setting, in files, metrics and --generator."""
    return f"{encoder}-beta-{beta:g}"


def sweep_settings(config: BetaVaeConfig) -> dict[str, tuple[Encoder, float]]:
    return {setting_key(e, b): (e, b) for e in config.encoders for b in config.betas}


def build_models(config: BetaVaeConfig) -> dict[str, nn.Module]:
    """The decoder (the run's generator) and the encoder of one setting."""
    latent = config.model.latent_dim
    return {GENERATOR: ConvDecoder(latent), "encoder": ConvEncoder(latent)}


def run(config: BetaVaeConfig, context: RunContext) -> dict[str, Any]:
    train, test = _load_splits(config, context)
    clip = echo_clip(config.echo.depth, config.echo.bound)
    settings = sweep_settings(config)
    results = SweepStore(context.run).run_all(
        settings,
        lambda key: _train_setting(key, settings[key], (train, test), clip, config, context),
    )
    finished = [key for key, result in results.items() if result["status"] == "finished"]
    models = {key: _trained_models(context.run, config, key, context.device) for key in finished}
    default = _write_default_generator(context.run, results, models)
    _write_figures(models, results, test, clip, config, context.run)
    return {
        "data": _data_numbers(train, test),
        "echo": _echo_numbers(clip, config),
        "active_variance": ACTIVE_VARIANCE,
        "log_test_images": math.log(len(test)),  # the most I(x; z) can be, x uniform on them
        "results": results,
        "tables": {TABLE: _table(results)},
        "trade_off": _trade_off(results, config),
        GENERATORS: [key for key in finished if settings[key][0] == "gaussian"],
        "default_generator": default,
    }


def _load_splits(config: BetaVaeConfig, context: RunContext) -> tuple[ImageSet, ImageSet]:
    """The training split (after any fallback) and the test split of the same data set."""
    data = config.data
    train = load_training_images(data, context)
    test = load_images(
        train.name, "test", root=data.root, device=context.device, image_size=data.image_size
    )
    if config.test_limit is not None:
        test = test.head(config.test_limit)
    if train.shape != (1, 28, 28):
        raise MinimaxlabError(
            f"the VAE needs 1×28×28 images but {train.name} has "
            f"{'×'.join(map(str, train.shape))}; set data.image_size=28 (and data.grey=true)"
        )
    return train, test


def _objective(encoder: Encoder, beta: float, clip: float, config: BetaVaeConfig) -> VaeObjective:
    model = config.model
    depth = config.echo.depth
    return VaeObjective(encoder, beta, model.likelihood, model.gaussian_sigma, clip, depth)


def _fresh_models(config: BetaVaeConfig, device: torch.device) -> dict[str, nn.Module]:
    """Every setting starts from the same weights: only β and the encoder differ."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(derived_seed(config.seed, 0))
        return {name: model.to(device) for name, model in build_models(config).items()}


def _train_setting(
    key: str,
    setting: tuple[Encoder, float],
    splits: tuple[ImageSet, ImageSet],
    clip: float,
    config: BetaVaeConfig,
    context: RunContext,
) -> dict[str, Any]:
    """Train one (encoder, β) and measure it on the test split; a nan ends it with a message."""
    (encoder, beta), (train, test) = setting, splits
    models = _fresh_models(config, context.device)
    objective = _objective(encoder, beta, clip, config)
    t = config.train
    steps = Steps(t.epochs, t.batch_size, t.lr, t.log_every)
    try:
        loop = train_vae(
            context.run,
            models,
            train,
            objective,
            steps,
            seed=derived_seed(config.seed, 1),
            key=key,
            checkpoint=model_file(key),
            stop=context.stop,
            progress=context.progress,
        )
    except TrainingDiverged as err:
        return {"encoder": encoder, "beta": beta, "status": "diverged", "message": str(err)}
    for model in models.values():
        model.eval()
    measured = _measure(models, objective, test, config.seed)
    return {
        "encoder": encoder,
        "beta": beta,
        "status": "finished",
        "steps": loop.step,
        "train_time_s": loop.seconds,
        **measured,
    }


def _measure(
    models: dict[str, nn.Module], objective: VaeObjective, test: ImageSet, seed: int
) -> dict[str, Any]:
    q = _posterior_of(models, objective, test)
    generator = torch.Generator().manual_seed(derived_seed(seed, 2))
    o = objective
    return rate_distortion(
        q, models[GENERATOR], _all_images(test), o.likelihood, o.sigma, generator, BATCH
    )


def _all_images(data: ImageSet) -> torch.Tensor:
    return unit_images(data, torch.arange(len(data), device=data.device))


def _posterior_of(
    models: dict[str, nn.Module], objective: VaeObjective, data: ImageSet
) -> Posterior:
    o = objective
    return encode_all(models["encoder"], _all_images(data), o.encoder, o.clip, o.depth, BATCH)


def _trained_models(
    run: Run, config: BetaVaeConfig, key: str, device: torch.device
) -> dict[str, nn.Module]:
    """A finished setting's models, from its checkpoint, in eval mode."""
    models = build_models(config)
    load_models(run.load_torch(model_file(key), map_location=device), **models)
    return {name: model.to(device).eval() for name, model in models.items()}


def _write_default_generator(
    run: Run, results: dict[str, Any], models: dict[str, dict[str, nn.Module]]
) -> str | None:
    """checkpoint.pt: the models of the finished Gaussian setting whose β is closest to 1
    (in log β), the generator that the commands use without --generator."""
    gaussian = [k for k in models if results[k]["encoder"] == "gaussian"]
    if not gaussian:
        return None
    key = min(gaussian, key=lambda k: abs(math.log(results[k]["beta"])))
    run.save_checkpoint({"models": {n: m.state_dict() for n, m in models[key].items()}})
    return key


@torch.no_grad()
def _write_figures(
    models: dict[str, dict[str, nn.Module]],
    results: dict[str, Any],
    test: ImageSet,
    clip: float,
    config: BetaVaeConfig,
    run: Run,
) -> None:
    """The plane, and per encoder: reconstructions of the first test images (top row: the
    images; then one row per β, smallest first) and samples (Gaussian: of the prior; echo: of
    the aggregate posterior), both decoded to their mean images."""
    shown = unit_images(test, torch.arange(min(SHOWN, len(test)), device=test.device))
    series: dict[str, list[tuple[float, float, float]]] = {}
    for encoder in config.encoders:
        keys = [k for k in models if results[k]["encoder"] == encoder]
        if not keys:
            continue
        rows = [shown * 2 - 1]
        samples = []
        for key in keys:
            objective = _objective(encoder, results[key]["beta"], clip, config)
            reconstructed, sampled = _images_of(models[key], objective, test, config.seed)
            rows.append(reconstructed[: len(shown)])
            samples.append(sampled)
        n = len(shown)
        save_image_grid(torch.cat(rows), run.figure_path(f"reconstructions/{encoder}.png"), n)
        name = "prior_samples" if encoder == "gaussian" else "aggregate_posterior_samples"
        save_image_grid(torch.cat(samples), run.figure_path(f"{name}/{encoder}.png"), SHOWN)
        series[encoder] = [
            (results[k]["beta"], results[k]["rate"], results[k]["distortion"]) for k in keys
        ]
    if series:
        plot_rate_distortion(series, run.figure_path("rate_distortion.png"))


def _images_of(
    models: dict[str, nn.Module], objective: VaeObjective, test: ImageSet, seed: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """Decoded E[z|x] of the test images, and SHOWN decoded samples of the code distribution
    (N(0, I), or the aggregate echo posterior over the test split), from one seed."""
    q = _posterior_of(models, objective, test)
    decoder = models[GENERATOR]
    reconstructed = decoder(expected_codes(q)[:SHOWN])
    generator = torch.Generator().manual_seed(derived_seed(seed, 3))
    if objective.encoder == "gaussian":
        return reconstructed, decoder.sample(SHOWN, generator=generator)
    codes = aggregate_echo_samples(q.loc, q.log_scale, SHOWN, objective.depth, generator)
    return reconstructed, decoder(codes)


def _data_numbers(train: ImageSet, test: ImageSet) -> dict[str, Any]:
    return {
        "name": train.name,
        "images": len(train),
        "test_images": len(test),
        "checksum": train.checksum,
    }


def _echo_numbers(clip: float, config: BetaVaeConfig) -> dict[str, Any]:
    """The truncation: depth, the bound on its remainder, the largest S it allows, and the
    smallest rate that leaves an echo encoder (every S at that largest value)."""
    return {
        "depth": config.echo.depth,
        "bound": config.echo.bound,
        "clip": clip,
        "minimum_rate": -config.model.latent_dim * math.log(clip),
    }


def _table(results: dict[str, Any]) -> dict[str, Any]:
    header = ["encoder", "β", "D", "R", "ELBO", "I(x; z)", "active units", "status"]
    rows = []
    for result in results.values():
        numbers = [result.get(name, "—") for name in QUANTITIES]
        rows.append([result["encoder"], result["beta"], *numbers, result["status"]])
    return {"header": header, "rows": rows}


def _trade_off(results: dict[str, Any], config: BetaVaeConfig) -> dict[str, Any]:
    """Per encoder, over its finished settings in increasing β: whether R falls and D rises
    at every step, and whether the largest β has fewer active units than the smallest."""
    trade_off = {}
    for encoder in config.encoders:
        done = [
            r for r in results.values() if r["encoder"] == encoder and r["status"] == "finished"
        ]
        done.sort(key=lambda r: r["beta"])
        if len(done) < 2:
            continue
        pairs = list(itertools.pairwise(done))
        trade_off[encoder] = {
            "rate_falls": all(b["rate"] < a["rate"] for a, b in pairs),
            "distortion_rises": all(b["distortion"] > a["distortion"] for a, b in pairs),
            "fewer_active_units": done[-1]["active_units"] < done[0]["active_units"],
        }
    return trade_off


def account(summary: dict[str, Any], config: dict[str, Any]) -> list[str]:
    """What was trained, the two extremes of the sweep in a sentence each, and the trade-off."""
    data, echo, train = summary["data"], summary["echo"], config["train"]
    results = summary["results"]
    paragraphs = [
        f"A convolutional VAE with {number(config['model']['latent_dim'])} latent units and a "
        f"{config['model']['likelihood']} likelihood was trained on "
        f"{number(data['images'])} images of {data['name']} for "
        f"{number(train['epochs'])} epochs per setting, for β in "
        f"{listing([number(b) for b in config['betas']])}, with a Gaussian and an echo-noise "
        f"encoder, and measured on {number(data['test_images'])} test images. The echo series "
        f"is cut after {number(echo['depth'])} terms with every entry of S(x) at most "
        f"{number(echo['clip'])}, which keeps the remainder below {number(echo['bound'])}; an "
        f"echo encoder's rate is then at least {number(echo['minimum_rate'])} nats.",
        *_extremes(results),
        *_trade_off_sentences(summary["trade_off"]),
        f"I(x; z) is measured with x uniform on the test images, so it cannot exceed "
        f"log N = {number(summary['log_test_images'])} nats, and its exact value is at most "
        "the rate R (equal only when the aggregate posterior is the prior); for echo noise it "
        "is the rate itself. "
        f"Active units are latent coordinates whose E[z|x] varies over x by more than "
        f"{number(summary['active_variance'])}.",
    ]
    diverged = [key for key, r in results.items() if r["status"] == "diverged"]
    if diverged:
        paragraphs.append(
            f"Training diverged (a nan or inf loss) for {listing(diverged)}; the sweep went on "
            "without them, and each one's message is in summary.json."
        )
    return paragraphs


def _extremes(results: dict[str, Any]) -> list[str]:
    """The smallest and the largest β of the Gaussian encoder, a sentence each."""
    done = sorted(
        (r for r in results.values() if r["encoder"] == "gaussian" and r["status"] == "finished"),
        key=lambda r: r["beta"],
    )
    if len(done) < 2:
        return []
    low, high = done[0], done[-1]
    return [
        f"At the smallest β ({number(low['beta'])}) the Gaussian VAE is closest to a plain "
        f"autoencoder: a rate of {number(low['rate'])} nats (I(x; z) = "
        f"{number(low['information'])}) on {number(low['active_units'])} active units buys a "
        f"distortion of {number(low['distortion'])}; nothing makes its codes fill the prior, "
        "which is why its prior samples are the poorest of the sweep.",
        f"At the largest β ({number(high['beta'])}) the posterior is pushed hardest towards the "
        f"prior: a rate of {number(high['rate'])} nats on {number(high['active_units'])} active "
        f"units leaves a distortion of {number(high['distortion'])}; as R → 0 the code says "
        "nothing about x and every reconstruction tends to the same mean image.",
    ]


def _trade_off_sentences(trade_off: dict[str, Any]) -> list[str]:
    sentences = []
    for encoder, seen in trade_off.items():
        rate = "falls" if seen["rate_falls"] else "does not fall"
        distortion = "rises" if seen["distortion_rises"] else "does not rise"
        units = "fewer" if seen["fewer_active_units"] else "no fewer"
        sentences.append(
            f"With the {encoder} encoder, as β grows the rate {rate} at every step and the "
            f"distortion {distortion} at every step; the largest β has {units} active units "
            "than the smallest."
        )
    return sentences


EXPERIMENT = Experiment(
    name="beta-vae",
    description="A convolutional β-VAE swept over β with a Gaussian and an echo-noise encoder: "
    "distortion, rate, ELBO, I(x; z) and active units on the rate–distortion plane.",
    config_class=BetaVaeConfig,
    run=run,
    build_models=build_models,
    evaluation_size=evaluation_size,
    account=account,
    headline_figure="figures/rate_distortion.png",
    key_numbers=(
        "data.name",
        KeyNumber(
            "rate falls at every larger β, Gaussian encoder", "trade_off.gaussian.rate_falls"
        ),
        KeyNumber(
            "distortion rises at every larger β, Gaussian encoder",
            "trade_off.gaussian.distortion_rises",
        ),
        KeyNumber("rate falls at every larger β, echo encoder", "trade_off.echo.rate_falls"),
        KeyNumber("generator of the commands and of the evaluation", "default_generator"),
        "evaluation.generated.frechet_distance",
    ),
)
