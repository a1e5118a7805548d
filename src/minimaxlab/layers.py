"""The package's layers, top to bottom: a module imports only from its own layer or lower ones.

``tests/test_architecture.py`` enforces this table (and the absence of import cycles) on every
module, function-local imports included; ``docs/architecture.md`` shows the same table. A lower
layer that needs something from a higher one takes it as an argument instead.
"""

from __future__ import annotations

# (layer, the top-level modules or packages of minimaxlab in it, what it is for)
LAYERS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("command line", ("cli", "__main__"), "parses, calls one public function, prints"),
    ("runners", ("launch", "lab"), "run one experiment / the whole lab end to end"),
    ("tools", ("tools",), "commands on a run folder: evaluate, sample, latent tools, notebooks"),
    ("experiments", ("experiments",), "one module per experiment (wiring only) and the registry"),
    ("report", ("report",), "renders a run folder into HTML"),
    (
        "stages",
        ("training", "gan", "metrics", "latent", "dynamics", "sampling", "domains", "vae"),
        "take models, tensors and configs; return tensors, numbers and figures",
    ),
    ("data and models", ("data", "models"), "data sets and architectures"),
    (
        "foundation",
        (
            "",  # the package itself (minimaxlab/__init__.py)
            "config",
            "runs",
            "sweeps",
            "checkpoint",
            "generative",
            "plots",
            "tensorboard",
            "device",
            "distributed",
            "atomic",
            "errors",
            "reproducibility",
            "interrupt",
            "processes",
            "layers",
        ),
        "configs, run folders, checkpoints, plots, devices, seeds, errors",
    ),
)


def layer_of(module: str) -> int:
    """The index in :data:`LAYERS` (0 is the top) of ``minimaxlab.<module>``."""
    parts = module.split(".")
    top = parts[1] if len(parts) > 1 else ""
    for index, (_, members, _) in enumerate(LAYERS):
        if top in members:
            return index
    raise KeyError(f"{module} is in no layer of minimaxlab.layers.LAYERS; add it to the table")
