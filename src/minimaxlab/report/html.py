"""``report.html``: one self-contained page per run, built only from what the run folder holds.

Images are embedded as data URIs so the page opens offline and survives being moved or mailed.
"""

from __future__ import annotations

import base64
import datetime as dt
import mimetypes
from pathlib import Path
from typing import Any

import jinja2
import yaml

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


def metric_rows(evaluation: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(label, generated, floor) for each metric of an evaluation, formatted for reading."""
    return [
        (
            label,
            metric_text(evaluation.get("generated"), key),
            metric_text(evaluation.get("floor"), key),
        )
        for key, label in METRICS
    ]


# summary keys of the latent-space tools → their figure folder under figures/
LATENT_FIGURES = {
    "interpolation": "interpolation",
    "inversion": "inversion",
    "latent_path": "latent_path",
}
# An experiment may put {"title": {"header": [...], "rows": [[...], ...]}} under "tables" in
# its summary; each becomes a table of the report instead of flattened summary rows.
OWN_SECTIONS = ("evaluation", "tables", *LATENT_FIGURES)


def _tables(summary: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "title": title,
            "header": table["header"],
            "rows": [[format_value(cell) for cell in row] for row in table["rows"]],
        }
        for title, table in (summary.get("tables") or {}).items()
    ]


def _latent_sections(summary: dict[str, Any], figures_dir: Path) -> list[dict[str, Any]]:
    """One section per latent-space tool that has run: its figures and a small table."""
    sections = []
    for key, folder in LATENT_FIGURES.items():
        if key not in summary:
            continue
        result = summary[key]
        if key == "interpolation":
            header = ["mode", "from", "to", "classified along the path"]
            rows = [
                [mode, r["from"], r["to"], ", ".join(r["classified_along_the_path"])]
                for mode, r in result.items()
            ]
        elif key == "inversion":
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
        else:
            header = ["path", "U", "image-space energy"]
            rows = [
                [name, format_value(result[name]["U"]), format_value(result[name]["image_energy"])]
                for name in ("straight", "optimised")
            ]
        figures = [
            {"caption": _caption(path, figures_dir), "src": data_uri(path)}
            for path in sorted((figures_dir / folder).glob("*.png"))
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


def write_report(run: Run) -> Path:
    """Write ``report.html`` into the run folder and return its path."""
    config_text = run.config_path.read_text(encoding="utf-8")
    config = yaml.safe_load(config_text) or {}
    env = run.read_json(run.env_path) or {}
    summary = run.read_summary()
    records = list(run.metrics())
    figures_dir = run.path / "figures"
    curves = _curves(run, records)
    evaluation = summary.get("evaluation")
    histogram = figures_dir / "evaluation" / "class_histogram.png"

    images = []
    for path in sorted(figures_dir.rglob("*")):
        relative = path.relative_to(figures_dir)
        # shown in their own sections
        skipped = ("progress", "curves", "evaluation", *LATENT_FIGURES.values())
        if path.suffix.lower() not in (".png", ".gif") or relative.parts[0] in skipped:
            continue  # frames live in the GIF; curves have their own section
        images.append(
            {
                "caption": _caption(path, figures_dir),
                "src": data_uri(path),
                "animated": path.suffix.lower() == ".gif",
                # sample grids are shown small and pixelated; plots at their own size
                "kind": "grid" if relative.parts[0] == "samples" else "plot",
            }
        )

    from minimaxlab.report.account import account_of  # it reads the experiments' registry

    html = templates.get_template("run.html.j2").render(
        title=f"{config.get('experiment', 'run')} — {run.path.name}",
        account=account_of(summary, config),
        files=_files(run),
        run_path=str(run.path.resolve()),
        status=summary.get("status", "running"),
        summary_rows=[
            (k, format_value(v))
            for k, v in flatten(summary)
            if k != "experiment" and k.split(".")[0] not in OWN_SECTIONS
        ],
        latent=_latent_sections(summary, figures_dir),
        tables=_tables(summary),
        evaluation=evaluation,
        metric_rows=metric_rows(evaluation) if evaluation else [],
        class_histogram=data_uri(histogram) if histogram.is_file() else None,
        samples=[i for i in images if not i["animated"] and i["kind"] == "grid"],
        plots=[i for i in images if not i["animated"] and i["kind"] == "plot"],
        animations=[i for i in images if i["animated"]],
        curves=curves,
        config_yaml=config_text,
        env_rows=[
            (k, format_value(v)) for k, v in flatten(env) if not k.startswith("resumed_after")
        ],
        resumed=bool(env.get("resumed_after")),
        written=dt.datetime.now().strftime("%Y-%m-%d %H:%M"),
    )
    atomic_write_text(run.report_path, html)
    return run.report_path
