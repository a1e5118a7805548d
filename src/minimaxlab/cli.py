"""The ``minimaxlab`` command: parses arguments and calls the library, nothing more."""

from __future__ import annotations

import functools
import os
import sys
import time
import warnings
from pathlib import Path
from typing import Annotated

import typer

from minimaxlab.errors import MinimaxlabError

USER_ERROR = 2
GENERATOR_HELP = "One of the run's named generators (a sweep's: beta-vae's gaussian-beta-3)."
INTERRUPTED = 130  # 128 + SIGINT, as shells report a Ctrl-C

app = typer.Typer(
    help="A laboratory for adversarial and generative learning.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
data_app = typer.Typer(help="Find and fetch data sets.", no_args_is_help=True)
app.add_typer(data_app, name="data")


def _fail(message: str, code: int) -> None:
    # Plain print: rich would wrap a long message over several lines.
    print(f"error: {message}", file=sys.stderr)
    raise typer.Exit(code)


def user_errors(command):
    """Turn project errors into one line on stderr and exit status 2; Ctrl-C into 130."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        from minimaxlab.interrupt import TrainingInterrupted

        try:
            return command(*args, **kwargs)
        except MinimaxlabError as err:
            _fail(str(err), USER_ERROR)
        except TrainingInterrupted as stopped:
            print(f"interrupted at step {stopped.step}; checkpoint saved", file=sys.stderr)
            raise typer.Exit(INTERRUPTED) from None
        except KeyboardInterrupt:
            print("interrupted", file=sys.stderr)
            raise typer.Exit(INTERRUPTED) from None

    return wrapper


@app.command("list")
@user_errors
def list_experiments() -> None:
    """List the experiments, one line each."""
    from minimaxlab.experiments import EXPERIMENTS

    width = max(len(name) for name in EXPERIMENTS)
    for name, experiment in sorted(EXPERIMENTS.items()):
        typer.echo(f"{name:<{width}}  {experiment.description}")


@app.command(context_settings={"allow_interspersed_args": True})
@user_errors
def run(
    name: Annotated[str | None, typer.Argument(help="Experiment name (see 'list').")] = None,
    overrides: Annotated[
        list[str] | None, typer.Argument(help="Config overrides: key=value, dots for nesting.")
    ] = None,
    profile: Annotated[
        str | None,
        typer.Option(
            help="full (SPEC.md; the default), quick (minutes on a CPU) or smoke (seconds)."
        ),
    ] = None,
    device: Annotated[str | None, typer.Option(help="auto, cpu, cuda or cuda:N.")] = None,
    seed: Annotated[int | None, typer.Option(help="Seed for every random draw.")] = None,
    out: Annotated[Path | None, typer.Option(help="Run folder (default runs/NAME-TIME).")] = None,
    resume: Annotated[Path | None, typer.Option(help="Continue this stopped run.")] = None,
    progress: Annotated[bool, typer.Option(help="Show a progress bar.")] = True,
    only: Annotated[
        str | None, typer.Option(help="With 'all': only these experiments (A,B,...).")
    ] = None,
    skip: Annotated[str | None, typer.Option(help="With 'all': leave these out (A,B,...).")] = None,
    jobs: Annotated[
        str | None,
        typer.Option(
            help="With 'all': experiments at a time, each in its own process on its share of "
            "the CPU threads (auto: 1 on a GPU, up to 4 on a CPU)."
        ),
    ] = None,
) -> None:
    """Run an experiment, or 'all' of them (then --out is the folder of the runs and of
    index.html, default runs/); prints the run folder (or index) last."""
    if name == "all":
        if overrides or resume is not None:
            raise MinimaxlabError(
                "'run all' takes no key=value overrides and no --resume; run one experiment "
                "with its overrides instead"
            )
        _run_all(profile or "full", only, skip, out, device, seed, progress, _jobs(jobs))
        return
    if only is not None or skip is not None or jobs is not None:
        raise MinimaxlabError("--only, --skip and --jobs go with 'run all'")
    if resume is not None and (profile is not None or out is not None):
        raise MinimaxlabError(
            "--profile and --out go with a new run; a resumed run keeps its profile and folder"
        )
    overrides = list(overrides or [])
    if name is not None and "=" in name:  # `run --resume DIR key=value`: no name given
        overrides.insert(0, name)
        name = None
    _run_one(name, overrides, profile or "full", device, seed, out, resume, progress)


def _run_one(name, overrides, profile, device, seed, out, resume, progress) -> None:
    """One experiment (or the run ``resume``); its key numbers and folder printed last."""
    from minimaxlab.launch import run_experiment
    from minimaxlab.tools.report import closing_lines

    start = time.perf_counter()
    run_dir = run_experiment(
        name,
        profile=profile,
        overrides=overrides,
        seed=seed,
        device=device,
        out=out,
        resume=resume,
        progress=progress,
    )
    if os.environ.get("RANK", "0") == "0":  # under torchrun, rank 0 wrote the run
        for line in closing_lines(run_dir, time.perf_counter() - start):
            typer.echo(line)
        typer.echo(str(run_dir.path))


def _names(text: str | None) -> list[str]:
    return [n.strip() for n in (text or "").split(",") if n.strip()]


def _jobs(text: str | None) -> int | None:
    """--jobs: a count of 1 or more, or auto (None)."""
    if text is None or text.strip().lower() == "auto":
        return None
    try:
        jobs = int(text)
    except ValueError:
        jobs = 0
    if jobs < 1:
        raise MinimaxlabError(f"--jobs must be auto or a whole number of 1 or more, not {text!r}")
    return jobs


def _run_all(profile, only, skip, out, device, seed, progress, jobs) -> None:
    from minimaxlab.lab import results_table, run_lab

    def show(entry) -> None:
        if entry.status == "running":
            typer.echo(f"{entry.name}: running", err=True)
            return
        took = f" in {entry.seconds:,.1f} s" if entry.seconds is not None else ""
        reason = f": {entry.reason}" if entry.reason else ""
        typer.echo(f"{entry.name}: {entry.status}{took}{reason}", err=True)
        for note in entry.notes:
            typer.echo(f"{entry.name}: warning: {note}", err=True)

    entries, index = run_lab(
        profile=profile,
        only=_names(only),
        skip=_names(skip),
        out=out,
        device=device,
        seed=seed,
        progress=progress,
        on_entry=show,
        jobs=jobs,
    )
    typer.echo(results_table(entries))
    typer.echo(str(index))


# The options of a conditional generator's classes (sample, interpolate).
Truncation = Annotated[
    float | None,
    typer.Option(help="Redraw code entries with |z| above this (BigGAN: ψ in (0, 1]).", min=0.0),
]
BigGANSource = Annotated[
    str | None,
    typer.Option(
        "--biggan",
        help="The published BigGAN-deep instead of a run: a folder with pytorch_model.bin and "
        "config.json, or a name (biggan-deep-128/256/512); needs the biggan extra.",
    ),
]
RunFolder = Annotated[
    Path | None, typer.Argument(help="A run folder with a trained generator (or --biggan).")
]


def _one_source(run_dir: Path | None, biggan: str | None) -> None:
    if (run_dir is None) == (biggan is None):
        raise MinimaxlabError("give either a run folder or --biggan DIR_OR_NAME, not both or none")


@app.command()
@user_errors
def sample(
    run_dir: RunFolder = None,
    out: Annotated[Path, typer.Option(help="PNG file to write.")] = ...,  # type: ignore[assignment]
    n: Annotated[int, typer.Option("--n", help="Number of images.")] = 64,
    seed: Annotated[int, typer.Option(help="Seed of the noise codes.")] = 0,
    class_name: Annotated[
        str | None, typer.Option("--class", help="One class (name or index) of a conditional G.")
    ] = None,
    truncation: Truncation = None,
    biggan: BigGANSource = None,
    device: Annotated[str, typer.Option(help="auto, cpu, cuda or cuda:N.")] = "auto",
    generator: Annotated[str | None, typer.Option(help=GENERATOR_HELP)] = None,
) -> None:
    """Draw N images from a run's generator into a PNG grid (a conditional one: a labelled row
    per class, or N of one --class)."""
    from minimaxlab.device import resolve_device
    from minimaxlab.tools.sample import write_biggan_samples, write_samples

    _one_source(run_dir, biggan)
    if biggan is not None:
        path = write_biggan_samples(
            biggan, out, n, seed, resolve_device(device), class_name, truncation
        )
    else:
        path = write_samples(
            run_dir, out, n, seed, resolve_device(device), class_name, truncation, generator
        )
    typer.echo(str(path))


@app.command()
@user_errors
def evaluate(
    run_dir: Annotated[Path, typer.Argument(help="A run folder with a trained generator.")],
    n: Annotated[int, typer.Option("--n", help="Samples (and real images) to compare.")] = 10000,
    seed: Annotated[int, typer.Option(help="Seed of the samples and subsets.")] = 0,
    device: Annotated[str, typer.Option(help="auto, cpu, cuda or cuda:N.")] = "auto",
    generator: Annotated[str | None, typer.Option(help=GENERATOR_HELP)] = None,
    progress: Annotated[bool, typer.Option(help="Show progress.")] = True,
) -> None:
    """Measure a run's generator (FD, KID, precision/recall, density/coverage, class balance)
    against real data, with the real test split as the floor; writes summary.json and report."""
    from minimaxlab.device import resolve_device
    from minimaxlab.tools.evaluate import evaluate_run, evaluation_text

    evaluation = evaluate_run(
        run_dir, n, resolve_device(device), seed, progress, generator=generator
    )
    typer.echo(evaluation_text(evaluation))
    typer.echo(str(Path(run_dir) / "report.html"))


@app.command()
@user_errors
def interpolate(
    run_dir: RunFolder = None,
    steps: Annotated[int, typer.Option(help="Intermediate images between the ends.")] = 7,
    mode: Annotated[str, typer.Option(help="linear or slerp.")] = "linear",
    classes: Annotated[
        tuple[str, str] | None,
        typer.Option(
            help="Two class names or indices for the ends; for a conditional generator the "
            "classes it is asked for (A,C B,D: a row per pair)."
        ),
    ] = None,
    truncation: Truncation = None,
    biggan: BigGANSource = None,
    out: Annotated[
        Path | None, typer.Option(help="With --biggan: the folder for the figures.")
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed of the candidate codes.")] = 0,
    device: Annotated[str, typer.Option(help="auto, cpu, cuda or cuda:N.")] = "auto",
    generator: Annotated[str | None, typer.Option(help=GENERATOR_HELP)] = None,
    progress: Annotated[bool, typer.Option(help="Show progress.")] = True,
) -> None:
    """Render the path between two codes that the classifier puts in different classes; for a
    conditional generator and --classes, its three interpolations (z, class, both)."""
    from minimaxlab.device import resolve_device
    from minimaxlab.tools.interpolate import (
        interpolate_biggan,
        interpolate_run,
        interpolation_text,
    )

    _one_source(run_dir, biggan)
    if biggan is not None:
        if classes is None or out is None:
            raise MinimaxlabError("--biggan needs --classes A B and --out FOLDER")
        args = (steps, mode, truncation, seed, resolve_device(device))  # type: ignore[arg-type]
        result = interpolate_biggan(biggan, out, classes, *args)
    else:
        result = interpolate_run(
            run_dir,
            steps,
            mode,
            classes,
            seed,
            resolve_device(device),
            progress,
            truncation,
            generator,
        )
    typer.echo(interpolation_text(result, run_dir))


@app.command()
@user_errors
def invert(
    run_dir: Annotated[Path, typer.Argument(help="A run folder with a trained generator.")],
    images: Annotated[int, typer.Option(help="How many test images, from the first.")] = 5,
    restarts: Annotated[int, typer.Option(help="Random starts per image.")] = 8,
    steps: Annotated[int, typer.Option(help="Adam steps.")] = 2000,
    lr: Annotated[float, typer.Option(help="Adam's learning rate.")] = 0.01,
    tolerance: Annotated[float, typer.Option(help="Codes closer than this agree.")] = 0.5,
    seed: Annotated[int, typer.Option(help="Seed of the starts.")] = 0,
    device: Annotated[str, typer.Option(help="auto, cpu, cuda or cuda:N.")] = "auto",
    generator: Annotated[str | None, typer.Option(help=GENERATOR_HELP)] = None,
) -> None:
    """Invert test images through the frozen generator from several starts (all batched)."""
    from minimaxlab.device import resolve_device
    from minimaxlab.tools.invert import inversion_text, invert_run

    torch_device = resolve_device(device)
    report = invert_run(
        run_dir, images, restarts, steps, lr, tolerance, seed, torch_device, generator
    )
    typer.echo(inversion_text(report))


@app.command("latent-path")
@user_errors
def latent_path(
    run_dir: Annotated[Path, typer.Argument(help="A run folder with a trained generator.")],
    points: Annotated[int, typer.Option(help="Points of the discretised path.")] = 16,
    images: Annotated[tuple[int, int], typer.Option(help="Two test-image indices.")] = (0, 1),
    steps: Annotated[int, typer.Option(help="Adam steps on the path.")] = 500,
    invert_steps: Annotated[int, typer.Option(help="Adam steps to invert each image.")] = 2000,
    seed: Annotated[int, typer.Option(help="Seed of the inversion starts.")] = 0,
    device: Annotated[str, typer.Option(help="auto, cpu, cuda or cuda:N.")] = "auto",
    generator: Annotated[str | None, typer.Option(help=GENERATOR_HELP)] = None,
) -> None:
    """The least-change path between two inverted test images, against the straight line."""
    from minimaxlab.device import resolve_device
    from minimaxlab.tools.latent_path import latent_path_run, latent_path_text

    table = latent_path_run(
        run_dir,
        points,
        images,
        steps,
        invert_steps,
        seed=seed,
        device=resolve_device(device),
        generator=generator,
    )
    typer.echo(latent_path_text(table))


@app.command(context_settings={"allow_interspersed_args": True})
@user_errors
def dynamics(
    game: Annotated[str, typer.Option(help="bilinear (V = d·g) or quadratic.")],
    method: Annotated[
        str,
        typer.Option(
            help="simultaneous, alternating (GDA), descent (gradient descent on both), "
            "optimistic (GDA) or extragradient."
        ),
    ],
    lr: Annotated[float, typer.Option(help="Step size α.")],
    coef: Annotated[
        list[str] | None,
        typer.Option(help="Coefficients of ½a x² + b x y − ½c y² + d x + e y (missing: 0)."),
    ] = None,
    more_coef: Annotated[
        list[str] | None,
        typer.Argument(help="More name=value coefficients, as in --coef a=1 b=2 c=1."),
    ] = None,
    steps: Annotated[int, typer.Option(help="Steps of the simulated trajectory.")] = 100,
    start: Annotated[tuple[float, float], typer.Option(help="Starting point.")] = (1.0, 0.5),
    json_output: Annotated[bool, typer.Option("--json", help="One JSON object.")] = False,
) -> None:
    """A method on a linear game: update matrix, eigenvalues, spectral radius, the step sizes
    that converge, and the distance to the stationary point after a simulated trajectory."""
    from minimaxlab.dynamics.text import analysis_text

    coefficients = [*(coef or []), *(more_coef or [])]
    typer.echo(analysis_text(game, method, lr, coefficients, steps, start, json_output))


@app.command()
@user_errors
def compare(
    run_dirs: Annotated[list[Path], typer.Argument(help="Two or more run folders.")],
    out: Annotated[
        Path | None, typer.Option(help="HTML file (default runs/compare-TIME.html).")
    ] = None,
) -> None:
    """Put runs side by side in one HTML page: sample grids, loss curves, metrics."""
    import datetime as dt

    from minimaxlab.report.compare import write_comparison

    if out is None:
        out = Path("runs") / f"compare-{dt.datetime.now():%Y%m%d-%H%M%S}.html"
    typer.echo(str(write_comparison(run_dirs, out)))


@app.command()
@user_errors
def report(run_dir: Annotated[Path, typer.Argument(help="A run folder.")]) -> None:
    """Write a run's report.html again from its folder."""
    from minimaxlab.runs import Run
    from minimaxlab.tools.report import write_run_report

    typer.echo(str(write_run_report(Run.open(run_dir))))


@app.command()
@user_errors
def notebook(
    run_dir: Annotated[Path, typer.Argument(help="A run folder.")],
    out: Annotated[
        Path | None, typer.Option(help="Notebook to write (default RUN_DIR/notebook.ipynb).")
    ] = None,
) -> None:
    """Write a Jupyter notebook that loads the run through the library and redraws its figures."""
    from minimaxlab.tools.notebook import export_notebook

    typer.echo(str(export_notebook(run_dir, out)))


@app.command()
@user_errors
def nce(
    data: Annotated[str, typer.Option(help="moons, ring8 or grid25.")] = "moons",
    n: Annotated[int, typer.Option("--n", help="Points to print.")] = 100,
    seed: Annotated[int, typer.Option(help="Seed of the data, the classifier and the draws.")] = 0,
    steps: Annotated[int | None, typer.Option(help="Classifier training steps.")] = None,
    noise: Annotated[
        str, typer.Option(help="fitted (a Gaussian fitted to the data) or standard.")
    ] = "fitted",
    device: Annotated[str, typer.Option(help="auto, cpu, cuda or cuda:N.")] = "auto",
) -> None:
    """Sample N points of a 2-D data set by noise-contrastive rejection sampling.

    Standard output gets exactly N lines "x1,x2"; progress and statistics go to standard error.
    """
    from minimaxlab.device import resolve_device
    from minimaxlab.tools.nce import acceptance_text, nce_points, points_text

    points, stats = nce_points(data, n, seed, steps, noise, resolve_device(device))
    print(points_text(points))
    print(acceptance_text(stats), file=sys.stderr)


@data_app.command("list")
@user_errors
def data_list() -> None:
    """Show where each data set was found."""
    from minimaxlab.data.registry import IDX_DATASETS, MAT_DATASETS, find_dataset

    for name in (*IDX_DATASETS, *MAT_DATASETS):
        found = find_dataset(name)
        typer.echo(
            f"{name:<14} {found if found else 'not found (minimaxlab data fetch ' + name + ')'}"
        )
    typer.echo(f"{'digits':<14} scikit-learn (always available)")
    typer.echo(f"{'syndigits':<14} rendered from a seed (always available)")


@data_app.command("fetch")
@user_errors
def data_fetch(
    name: Annotated[str, typer.Argument(help="fashion-mnist, mnist or svhn.")],
    apt: Annotated[bool, typer.Option(help="Install the Debian package when possible.")] = True,
) -> None:
    """Make a data set available: found, its Debian package, or verified downloads."""
    from minimaxlab.data.registry import fetch_dataset

    typer.echo(str(fetch_dataset(name, use_apt=apt)))


def _one_line_warning(message, category, filename, lineno, line=None) -> str:
    return f"warning: {message}\n"


def main() -> None:
    """Console-script entry point."""
    warnings.formatwarning = _one_line_warning  # users need the message, not our source line
    app()


if __name__ == "__main__":
    main()
