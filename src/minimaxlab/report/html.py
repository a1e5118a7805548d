"""``report.html``: one self-contained page per run, built only from what the run folder holds.

Images are embedded as data URIs so the page opens offline and survives being moved or mailed.
"""

from __future__ import annotations

import base64
import datetime as dt
import mimetypes
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import jinja2

from minimaxlab.atomic import atomic_write_text
from minimaxlab.plots import plot_curves
from minimaxlab.runs import Run

CURVE_GROUPS: dict[str, tuple[str, ...]] = {
    "losses": ("d_loss", "g_loss"),
    "beliefs": ("d_real", "d_fake"),
    "throughput": ("images_per_s",),
}
CURVE_TITLES = {
    "losses": "Losses",
    "beliefs": "What the discriminator believes: mean D(x) and D(G(z))",
    "throughput": "Images per second",
}
NOT_CURVES = {"step", "epoch"}

templates = jinja2.Environment(
    loader=jinja2.PackageLoader("minimaxlab.report", "templates"),
    autoescape=jinja2.select_autoescape(["html", "j2"]),
    undefined=jinja2.StrictUndefined,
)


def data_uri(path: Path) -> str:
    mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return f"data:{mime};base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def _caption(path: Path, root: Path) -> str:
    """``samples/epoch_010.png`` → ``samples · epoch 10``."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    words = []
    for part in parts:
        stem, _, number = part.rpartition("_")
        words.append(
            f"{stem} {int(number)}" if stem and number.isdigit() else part.replace("_", " ")
        )
    return " · ".join(words)


def flatten(data: Any, prefix: str = "") -> list[tuple[str, Any]]:
    """(dotted key, value) for every leaf of nested dicts."""
    if isinstance(data, dict):
        rows = []
        for key, value in data.items():
            rows += flatten(value, f"{prefix}{key}." if prefix or key else "")
        return rows
    return [(prefix.rstrip("."), data)]


def format_value(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.4g}" if abs(value) < 1e4 else f"{value:,.0f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


# (key in the evaluation, label with the direction that is better)
METRICS = (
    ("frechet_distance", "Fréchet distance ↓"),
    ("kid_mean", "KID ↓"),
    ("precision", "precision ↑"),
    ("recall", "recall ↑"),
    ("density", "density (≈ 1)"),
    ("coverage", "coverage ↑"),
    ("class_kl_to_uniform", "class KL to uniform ↓"),
)


def metric_text(numbers: dict[str, Any] | None, key: str) -> str:
    if not numbers or numbers.get(key) is None:
        return "—"
    if key == "kid_mean":
        return f"{numbers[key]:.4f} ± {numbers.get('kid_std') or 0:.4f}"
    return f"{numbers[key]:.4g}"


# A conditional generator's metrics (metrics/conditional.py), under "conditional".
CONDITIONAL_METRICS = (
    ("per_class_accuracy", "per-class accuracy ↑"),
    ("intra_class_frechet_distance", "intra-class Fréchet distance ↓"),
)


def metric_rows(evaluation: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(label, generated, floor) for each metric of an evaluation, formatted for reading."""
    sections = [(evaluation, METRICS)]
    if evaluation.get("conditional"):
        sections.append((evaluation["conditional"], CONDITIONAL_METRICS))
    return [
        (
            label,
            metric_text(section.get("generated"), key),
            metric_text(section.get("floor"), key),
        )
        for section, metrics in sections
        for key, label in metrics
    ]


# An experiment may put {"title": {"header": [...], "rows": [[...], ...]}} under "tables" in
# its summary; each becomes a table of the report instead of flattened summary rows.
def _tables(summary: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "title": title,
            "header": table["header"],
            "rows": [[format_value(cell) for cell in row] for row in table["rows"]],
        }
        for title, table in (summary.get("tables") or {}).items()
    ]


def _interpolation_table(result: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    header = ["mode", "from", "to", "classified along the path"]
    rows = [
        [mode, r["from"], r["to"], ", ".join(r["classified_along_the_path"])]
        for mode, r in result.items()
    ]
    return header, rows


def _inversion_table(result: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    header = [
        "image",
        "verdict",
        "largest distance between starts",
        "best error",
        "errors of the starts",
    ]
    rows = [
        [
            i,
            r["verdict"],
            format_value(r["largest_distance_between_starts"]),
            format_value(min(r["errors"])),
            ", ".join(format_value(e) for e in r["errors"]),
        ]
        for i, r in enumerate(result["per_image"])
    ]
    return header, rows


def _latent_path_table(result: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    header = ["path", "U", "image-space energy"]
    rows = [
        [name, format_value(result[name]["U"]), format_value(result[name]["image_energy"])]
        for name in ("straight", "optimised")
    ]
    return header, rows


# summary key of a latent-space tool (also its figure folder under figures/) → its table
LATENT_SECTIONS = {
    "interpolation": _interpolation_table,
    "inversion": _inversion_table,
    "latent_path": _latent_path_table,
}
# summary keys shown in sections of their own, not as flattened summary rows
OWN_SECTIONS = ("evaluation", "tables", *LATENT_SECTIONS)


def _latent_sections(summary: dict[str, Any], figures_dir: Path) -> list[dict[str, Any]]:
    """One section per latent-space tool that has run: its figures and a small table."""
    sections = []
    for key, table in LATENT_SECTIONS.items():
        if key not in summary:
            continue
        header, rows = table(summary[key])
        figures = [
            {"caption": _caption(path, figures_dir), "src": data_uri(path)}
            for path in sorted((figures_dir / key).glob("*.png"))
        ]
        sections.append(
            {"title": key.replace("_", " "), "header": header, "rows": rows, "figures": figures}
        )
    return sections


def curve_groups(records: list[dict[str, Any]]) -> dict[str, tuple[str, ...]]:
    """The curves of a metrics log: the known groups present, and every other number alone."""
    numeric = {k for r in records for k, v in r.items() if isinstance(v, (int, float))}
    groups = {name: keys for name, keys in CURVE_GROUPS.items() if numeric & set(keys)}
    grouped = {k for keys in CURVE_GROUPS.values() for k in keys}
    for key in sorted(numeric - grouped - NOT_CURVES):
        # keys "name/line" (one per setting, say) become the lines of one plot called "name"
        name = key.partition("/")[0]
        groups[name] = (*groups.get(name, ()), key)
    return groups


# The run's own files the report links to, with what each holds.
RUN_FILES = (
    ("config.yaml", "the full resolved config"),
    ("metrics.jsonl", "one JSON record per logged step"),
    ("summary.json", "the numbers of this report"),
    ("env.json", "versions, device, seed"),
    ("checkpoint.pt", "models, optimisers and RNG states (torch.load)"),
)


def _files(run: Run) -> list[dict[str, str]]:
    return [
        {"name": name, "what": what, "size": _size((run.path / name).stat().st_size)}
        for name, what in RUN_FILES
        if (run.path / name).is_file()
    ]


def _size(n: int) -> str:
    if n < 1000:
        return f"{n} bytes"
    return f"{n / 1e3:,.1f} kB" if n < 1e6 else f"{n / 1e6:,.1f} MB"


def curve_axis(records: list[dict[str, Any]], keys: tuple[str, ...]) -> str:
    """What a curve group is drawn against: epochs when its lines come from several settings
    of a sweep trained by epochs (records with a step and an epoch), because settings can take
    different steps per epoch (multitask's batches of 128 against 64 + 64); else steps."""
    mine = [r for r in records if any(key in r for key in keys)]
    settings = {r.get("setting") for r in mine}
    if len(settings) > 1 and all("step" in r and "epoch" in r for r in mine):
        return "epoch"
    return "step"


def _curves(run: Run, records: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Plot the known metric groups, and every other numeric metric on its own."""
    curves = []
    for name, keys in curve_groups(records).items():
        path = run.figure_path(f"curves/{name}.png")
        title = CURVE_TITLES.get(name, name)
        if plot_curves(records, keys, path, x=curve_axis(records, keys), title=title):
            curves.append({"title": title, "src": data_uri(path)})
    return curves


# figures/ folders shown in sections of their own: frames live in the GIF, curves are redrawn
# from metrics.jsonl, the evaluation and the latent-space tools have their own sections
OWN_FIGURE_FOLDERS = ("progress", "curves", "evaluation", *LATENT_SECTIONS)


def _figures(figures_dir: Path) -> dict[str, list[dict[str, Any]]]:
    """The run's other figures: sample grids (shown small and pixelated), plots (at their own
    size) and animations."""
    images = []
    for path in sorted(figures_dir.rglob("*")):
        relative = path.relative_to(figures_dir)
        if path.suffix.lower() not in (".png", ".gif") or relative.parts[0] in OWN_FIGURE_FOLDERS:
            continue
        images.append(
            {
                "caption": _caption(path, figures_dir),
                "src": data_uri(path),
                "animated": path.suffix.lower() == ".gif",
                "kind": "grid" if relative.parts[0] == "samples" else "plot",
            }
        )
    still = [i for i in images if not i["animated"]]
    return {
        "samples": [i for i in still if i["kind"] == "grid"],
        "plots": [i for i in still if i["kind"] == "plot"],
        "animations": [i for i in images if i["animated"]],
    }


def _summary_sections(summary: dict[str, Any], figures_dir: Path) -> dict[str, Any]:
    """The summary's plain rows, its tables, its evaluation and the latent-space sections."""
    evaluation = summary.get("evaluation")
    histogram = figures_dir / "evaluation" / "class_histogram.png"
    return {
        "status": summary.get("status", "running"),
        "summary_rows": [
            (k, format_value(v))
            for k, v in flatten(summary)
            if k != "experiment" and k.split(".")[0] not in OWN_SECTIONS
        ],
        "latent": _latent_sections(summary, figures_dir),
        "tables": _tables(summary),
        "evaluation": evaluation,
        "metric_rows": metric_rows(evaluation) if evaluation else [],
        "class_histogram": data_uri(histogram) if histogram.is_file() else None,
    }


def _environment(env: dict[str, Any]) -> dict[str, Any]:
    """env.json's rows; the environment a resumed run started in is summed up as a flag."""
    return {
        "env_rows": [
            (k, format_value(v)) for k, v in flatten(env) if not k.startswith("resumed_after")
        ],
        "resumed": bool(env.get("resumed_after")),
    }


def write_report(
    run: Run, account: Sequence[str] | None = None, numbers: Sequence[Any] = ()
) -> Path:
    """Write ``report.html`` into the run folder and return its path.

    ``account`` is the section "What this run did": paragraphs that the caller chose (the
    experiment's own account, see ``minimaxlab.tools.report``); without it, the section names
    the experiment only, since the report itself never looks an experiment up. ``numbers``
    (``report.numbers.ShownNumber``) are the experiment's key numbers, in words, each beside
    its floor.
    """
    config = run.read_config()
    html = templates.get_template("run.html.j2").render(
        title=f"{config['experiment']} — {run.path.name}",
        account=list(account) if account is not None else [f"A run of {config['experiment']}."],
        numbers=list(numbers),
        files=_files(run),
        run_path=str(run.path.resolve()),
        curves=_curves(run, list(run.metrics())),
        config_yaml=run.config_path.read_text(encoding="utf-8"),
        written=dt.datetime.now().strftime("%Y-%m-%d %H:%M"),
        **_summary_sections(run.read_summary(), run.path / "figures"),
        **_figures(run.path / "figures"),
        **_environment(run.read_json(run.env_path) or {}),
    )
    atomic_write_text(run.report_path, html)
    return run.report_path
