"""mode-bench: mode collapse measured the way the papers measure it (shared/SPEC.md).

The 2-D set-up of PacGAN's Table 1 (Lin et al. 2018): GAN, PacGAN2/3/4, WGAN-GP and the lab's
NCE sampler on a ring of 8 and a grid of 25 Gaussians, several trials each, scored on 2,500
samples per trial by modes captured, the high-quality share, the reverse KL of the mode
histogram, and the lab's stricter coverage rule. Every trial of a method trains at once as one
stacked model: a GAN method's generators and discriminators (``gan/packed.py``), the NCE
sampler's classifiers (``sampling/nce_trials.py``), each trial drawing from its own seed. Each
(method, data set) cell is one setting of the run's sweep store, so a resumed run trains only
the cells it had not finished (and continues the one it stopped in).
"""

from __future__ import annotations

import math
import time
from typing import Any, Literal

import torch
from pydantic import PositiveInt

from minimaxlab.config import ExperimentConfig
from minimaxlab.data.toy2d import PacganToyName, draw_points
from minimaxlab.experiments.base import Experiment, KeyNumber, RunContext
from minimaxlab.gan.packed import PackedGanConfig, sample_trials, train_trials, trial_seed
from minimaxlab.metrics.toy import paper_mode_statistics
from minimaxlab.plots import PointPanel, plot_bars, plot_point_panels
from minimaxlab.report.account import listing, number
from minimaxlab.reproducibility import derived_seed
from minimaxlab.sampling.nce import NceConfig
from minimaxlab.sampling.nce_trials import NceTrials
from minimaxlab.sweeps import SweepStore

MethodName = Literal["gan", "pacgan2", "pacgan3", "pacgan4", "wgan-gp", "nce"]
LABELS = {
    "gan": "GAN",
    "pacgan2": "PacGAN2",
    "pacgan3": "PacGAN3",
    "pacgan4": "PacGAN4",
    "wgan-gp": "WGAN-GP",
    "nce": "NCE sampler",
}
NCE_STREAM = 20  # a trial's sub-stream for the sampler's draws
MEASURES = ("modes_captured", "modes_covered", "high_quality_fraction", "reverse_kl")

# PacGAN, Table 1 (Lin et al. 2018; read from the authors' repository fjxmlzn/PacGAN,
# synthetic_data_experiments/results/Table1.png): (modes captured, its s.e. over 10 trials,
# % high-quality samples, reverse KL).
PAPER = {
    "pacgan-ring8": {
        "gan": (6.3, 0.5, 98.2, 0.45),
        "pacgan2": (7.9, 0.1, 95.6, 0.07),
        "pacgan3": (7.8, 0.1, 97.7, 0.10),
        "pacgan4": (7.8, 0.1, 95.9, 0.07),
    },
    "pacgan-grid25": {
        "gan": (17.3, 0.8, 94.8, 0.70),
        "pacgan2": (23.8, 0.7, 91.3, 0.13),
        "pacgan3": (24.6, 0.4, 94.2, 0.06),
        "pacgan4": (24.8, 0.2, 93.6, 0.04),
    },
}
PAPER_SETUP = {"trials": 10, "epochs": 400, "n_train": 100_000}


class ModeBenchConfig(ExperimentConfig):
    experiment: str = "mode-bench"
    datasets: list[PacganToyName] = ["pacgan-ring8", "pacgan-grid25"]
    methods: list[MethodName] = ["gan", "pacgan2", "pacgan3", "pacgan4", "wgan-gp", "nce"]
    trials: PositiveInt = 10
    n_train: PositiveInt = 100_000  # one training set per data set, drawn from the run's seed
    n_eval: PositiveInt = 2_500  # samples scored per trial
    gan: PackedGanConfig = PackedGanConfig()
    nce: NceConfig = NceConfig()


def cell_key(method: str, name: str) -> str:
    return f"{method}/{name}"


def _trial_samples(
    config: ModeBenchConfig, context: RunContext, method: str, name: str, train: torch.Tensor
) -> torch.Tensor:
    """T×n_eval×2: each trial's samples, every trial of the method trained at once as one
    stacked model (resumable in the cell's checkpoint)."""
    seeds = [trial_seed(config.seed, t) for t in range(config.trials)]
    options = {"stop": context.stop, "progress": context.progress}
    if method != "nce":
        generator, _ = train_trials(
            context.run,
            train,
            method,
            config.gan,
            seeds,
            key=cell_key(method, name),
            checkpoint=f"cells/{method}/{name}-checkpoint.pt",
            **options,
        )
        return sample_trials(generator, config.n_eval, seeds, config.gan.latent_dim)
    draws = [
        torch.Generator(train.device).manual_seed(derived_seed(seed, NCE_STREAM)) for seed in seeds
    ]
    samplers = NceTrials.fit(
        train,
        config.nce,
        draws,
        context.run,
        key=cell_key(method, name),
        checkpoint=f"cells/nce/{name}-checkpoint.pt",
        **options,
    )
    return samplers.sample(config.n_eval, draws)[0]


def mean_and_error(trials: list[dict[str, Any]]) -> dict[str, Any]:
    """Each measure's mean over the trials and its standard error (0 for a single trial),
    and the mean mode histogram."""
    summary: dict[str, Any] = {}
    for measure in MEASURES:
        values = torch.tensor([trial[measure] for trial in trials], dtype=torch.float64)
        summary[measure] = float(values.mean())
        spread = float(values.std()) if len(trials) > 1 else 0.0
        summary[f"{measure}_se"] = spread / math.sqrt(len(trials))
    histograms = torch.tensor([trial["mode_histogram"] for trial in trials], dtype=torch.float64)
    summary["mode_histogram"] = histograms.mean(dim=0).tolist()
    return summary


def train_cell(
    config: ModeBenchConfig, context: RunContext, method: str, name: str
) -> dict[str, Any]:
    """Train every trial of ``method`` on data set ``name`` and score each one: the cell's
    entry in the sweep store. Trial 0's samples are kept in ``cells/<method>/<name>.pt``."""
    distribution, train, _ = draw_points(name, config.seed, config.n_train, 1, context.device)
    started = time.perf_counter()
    samples = _trial_samples(config, context, method, name, train)
    seconds = time.perf_counter() - started
    trials = [paper_mode_statistics(points.cpu(), distribution) for points in samples]
    context.run.save_torch(f"cells/{method}/{name}.pt", {"samples": samples[0].cpu()})
    return {**mean_and_error(trials), "trials": trials, "seconds": seconds}


def _ours(result: dict[str, Any], measure: str, scale: float = 1.0, digits: int = 2) -> str:
    mean, error = scale * result[measure], scale * result[f"{measure}_se"]
    return f"{mean:.{digits}f} ± {error:.{digits}f}"


TABLE_HEADER = [
    "method",
    "modes captured",
    "paper",
    "high-quality %",
    "paper",
    "reverse KL",
    "paper",
    "modes with ≥ 1% of samples",
]


def table(config: ModeBenchConfig, name: str, results: dict[str, Any]) -> dict[str, Any]:
    """Our mean ± s.e. over the trials beside PacGAN's Table 1, one row per method."""
    rows = []
    for method in config.methods:
        result = results[cell_key(method, name)]
        paper = PAPER[name].get(method)
        rows.append(
            [
                LABELS[method],
                _ours(result, "modes_captured", digits=1),
                f"{paper[0]} ± {paper[1]}" if paper else "—",
                _ours(result, "high_quality_fraction", scale=100, digits=1),
                paper[2] if paper else "—",
                _ours(result, "reverse_kl"),
                paper[3] if paper else "—",
                _ours(result, "modes_covered", digits=1),
            ]
        )
    return {"header": TABLE_HEADER, "rows": rows}


def draw(config: ModeBenchConfig, context: RunContext, name: str, results: dict[str, Any]) -> None:
    """Trial 0's samples of every method over real points, and the mean mode histograms."""
    _, _, real = draw_points(name, config.seed, config.n_train, config.n_eval)
    panels = []
    for method in config.methods:
        samples = context.run.load_torch(f"cells/{method}/{name}.pt")["samples"]
        result = results[cell_key(method, name)]["trials"][0]
        caption = (
            f"{result['modes_captured']}/{result['n_modes']} modes, "
            f"{100 * result['high_quality_fraction']:.1f}% high quality"
        )
        panels.append(PointPanel(LABELS[method], real.numpy(), samples.numpy(), caption=caption))
    plot_point_panels(
        panels,
        context.run.figure_path(f"{name}_samples.png"),
        ncols=min(len(panels), 3),
        title=f"{name}: trial 0 of each method, {config.n_eval} samples",
    )
    histograms = {LABELS[m]: results[cell_key(m, name)]["mode_histogram"] for m in config.methods}
    n_modes = len(next(iter(histograms.values())))
    plot_bars(
        histograms,
        [str(k) for k in range(n_modes)],
        context.run.figure_path(f"{name}_mode_histograms.png"),
        title=f"{name}: share of samples nearest to each mode (mean over trials)",
        ylabel="share of samples",
    )


def is_shortened(config: ModeBenchConfig) -> bool:
    """Whether the run is smaller than the paper's set-up (fewer trials, epochs or points)."""
    sizes = (config.trials, config.gan.epochs, config.n_train)
    return any(ours < paper for ours, paper in zip(sizes, PAPER_SETUP.values(), strict=True))


def run(config: ModeBenchConfig, context: RunContext) -> dict[str, Any]:
    cells = {cell_key(m, d): (m, d) for d in config.datasets for m in config.methods}
    results = SweepStore(context.run).run_all(
        cells, lambda key: train_cell(config, context, *cells[key])
    )
    tables, numbers = {}, {}
    for name in config.datasets:
        tables[f"{name}: ours (mean ± s.e. over trials) beside PacGAN Table 1"] = table(
            config, name, results
        )
        draw(config, context, name, results)
        numbers[name] = {
            method: {
                k: v
                for k, v in results[cell_key(method, name)].items()
                if k not in ("trials", "mode_histogram")
            }
            for method in config.methods
        }
    return {
        **numbers,
        "shortened": is_shortened(config),
        "paper_setup": PAPER_SETUP,
        "tables": tables,
    }


def account(summary: dict[str, Any], config: dict[str, Any]) -> list[str]:
    """The set-up, whether it is shortened, and each method's figures beside the paper's."""
    gan = config["gan"]
    methods = [LABELS[m] for m in config["methods"]]
    paragraphs = [
        f"On {listing(config['datasets'])}, {number(config['trials'])} trials of each of "
        f"{listing(methods)} were trained on {number(config['n_train'])} points. Every trial "
        f"of a GAN method trained at once as one stacked model, for {number(gan['epochs'])} "
        f"epochs in batches of {number(gan['batch_size'])} (PacGAN: packed samples of m "
        "points each): G ReLU layers of "
        f"{listing([number(w) for w in gan['generator_hidden']])} units, D "
        f"{number(gan['discriminator_layers'])} maxout layers of "
        f"{number(gan['discriminator_width'])} units × {number(gan['maxout_pieces'])} pieces, "
        f"Adam with a step of {number(gan['lr'])} and β₁ {number(gan['betas'][0])}. "
        f"{number(config['n_eval'])} samples of each trial were scored the papers' way: "
        "modes captured (at "
        "least one sample within three standard deviations of it and nearest to it), the "
        "high-quality share (samples within three standard deviations of their nearest "
        "mode) and the reverse KL of the mode histogram against the uniform one; beside them "
        "the lab's stricter rule, modes with at least one percent of the samples."
    ]
    if "nce" in config["methods"]:
        nce = config["nce"]
        paragraphs[0] += (
            " The NCE sampler's classifiers of every trial were fitted at once too, as one "
            f"stacked model, for {number(nce['steps'])} steps of {number(nce['batch_size'])} "
            "data and as many noise points, and sampled by rejection together."
        )
    if summary["shortened"]:
        setup = summary["paper_setup"]
        paragraphs.append(
            "This is a shortened run: the paper's set-up is "
            f"{number(setup['trials'])} trials of {number(setup['epochs'])} epochs over "
            f"{number(setup['n_train'])} points, so its figures are a reference, not a target."
        )
    for name in config["datasets"]:
        parts = []
        for method in config["methods"]:
            ours = summary[name][method]
            paper = PAPER[name].get(method)
            parts.append(
                f"{LABELS[method]} {number(ours['modes_captured'])} ± "
                f"{number(ours['modes_captured_se'])}, a high-quality share of "
                f"{number(ours['high_quality_fraction'])}"
                + (f" (the paper: {number(paper[0])} and {number(paper[2])}%)" if paper else "")
            )
        paragraphs.append(
            f"{name}, modes captured (mean ± s.e. over the trials): {'; '.join(parts)}."
        )
    return paragraphs


EXPERIMENT = Experiment(
    name="mode-bench",
    description="Mode collapse the papers' way: GAN, PacGAN2-4, WGAN-GP, NCE on ring 8, grid 25.",
    config_class=ModeBenchConfig,
    run=run,
    account=account,
    headline_figure="figures/*_samples.png",
    key_numbers=tuple(
        KeyNumber(f"{measure_label}, {data_label}, {LABELS[method]}", f"{name}.{method}.{measure}")
        for name, data_label in (("pacgan-ring8", "ring of 8"), ("pacgan-grid25", "grid of 25"))
        for method in ("gan", "pacgan4")
        for measure, measure_label in (
            ("modes_captured", "modes captured"),
            ("high_quality_fraction", "high-quality share"),
        )
    ),
)
