"""Typed experiment configs: YAML profiles, ``key=value`` overrides, one-line validation errors.

A config is resolved in layers: the model's defaults, the ``full`` section of the experiment's
YAML file, then the sections of the smaller profiles down to the one asked for (``quick`` over
``full``; ``smoke``, the tests' tiny sizes, over ``quick``), then command-line overrides.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from minimaxlab.errors import MinimaxlabError

PROFILES = ("full", "quick", "smoke")  # each layered over the ones before it
Profile = Literal["full", "quick", "smoke"]


class StrictModel(BaseModel):
    """A config section: unknown keys are errors, values are validated on assignment too."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class LoggingConfig(StrictModel):
    """Where a run's records go besides its folder."""

    # stream records and sample grids to RUN/tensorboard/ (the tensorboard extra)
    tensorboard: bool = False


class ExperimentConfig(StrictModel):
    """What every experiment's config has."""

    experiment: str
    seed: int = 0
    device: str = "auto"  # auto, cpu, cuda or cuda:N; what was used goes into env.json
    # Bitwise-repeatable numbers between processes, at a cost in speed: one CPU thread
    # (multi-threaded CPU kernels may round differently from run to run), deterministic GPU
    # kernels. Within one process, and across a stop and resume, runs repeat without it.
    deterministic: bool = False
    logging: LoggingConfig = LoggingConfig()


def configs_dir() -> Path:
    """The folder of experiment YAML files: inside the installed package, else the checkout's."""
    packaged = Path(__file__).parent / "configs"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "configs"


def load_yaml(path: str | os.PathLike) -> dict[str, Any]:
    """Read a YAML mapping, with an error that names the file when it is missing or malformed."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise MinimaxlabError(f"config file {path} does not exist") from None
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise MinimaxlabError(f"config file {path} is not valid YAML{where}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise MinimaxlabError(f"config file {path} must hold a mapping of keys to values")
    return data


def parse_override(text: str) -> tuple[list[str], Any]:
    """Split ``a.b=value`` into its key path and a YAML-typed value (``3``, ``[1, 2]``)."""
    key, sep, raw = text.partition("=")
    key = key.strip()
    if not sep or not key or any(not part for part in key.split(".")):
        raise MinimaxlabError(
            f"override {text!r} is not of the form key=value (nested keys with dots, "
            "for example train.epochs=3)"
        )
    try:
        value = yaml.safe_load(raw) if raw.strip() else None
    except yaml.YAMLError:
        value = raw  # not YAML: let validation judge it as a plain string
    return key.split("."), value


def deep_merge(base: Mapping[str, Any], update: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``base`` with ``update`` merged in, recursing into nested mappings."""
    merged = dict(base)
    for key, value in update.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _check_key_path(model: type[BaseModel], path: list[str]) -> None:
    """Raise a one-line error when a dotted key names no field of the config."""
    current: type[BaseModel] | None = model
    for depth, part in enumerate(path):
        prefix = ".".join(path[:depth])
        if current is None:
            raise MinimaxlabError(
                f"unknown config key {'.'.join(path)!r}: {prefix!r} is a value, not a section"
            )
        if part not in current.model_fields:
            where = f"under {prefix!r}" if prefix else "at the top level"
            allowed = ", ".join(current.model_fields)
            raise MinimaxlabError(
                f"unknown config key {'.'.join(path)!r}; keys {where} are: {allowed}"
            )
        annotation = current.model_fields[part].annotation
        is_section = isinstance(annotation, type) and issubclass(annotation, BaseModel)
        current = annotation if is_section else None


def _set_path(data: dict[str, Any], path: list[str], value: Any) -> None:
    for part in path[:-1]:
        child = data.get(part)
        if not isinstance(child, dict):
            child = {}
            data[part] = child
        data = child
    data[path[-1]] = value


def validation_message(err: ValidationError, model: type[BaseModel]) -> str:
    """Turn pydantic's report into one line that names the key and what is allowed."""
    first = err.errors()[0]
    key = ".".join(str(part) for part in first["loc"])
    if first["type"] == "extra_forbidden":
        try:
            _check_key_path(model, [str(part) for part in first["loc"]])
        except MinimaxlabError as unknown:
            return str(unknown)
    got = first.get("input")
    shown = "" if isinstance(got, dict) else f" (got {got!r})"
    more = len(err.errors()) - 1
    tail = f"; and {more} more problem{'s' if more > 1 else ''}" if more else ""
    return f"config key {key!r}: {first['msg']}{shown}{tail}"


def validate(model: type[ExperimentConfig], data: Mapping[str, Any]) -> ExperimentConfig:
    """Build a config from plain data, or raise a one-line MinimaxlabError."""
    try:
        return model.model_validate(dict(data))
    except ValidationError as err:
        raise MinimaxlabError(validation_message(err, model)) from None


def apply_overrides(
    data: Mapping[str, Any], model: type[BaseModel], overrides: Iterable[str]
) -> dict[str, Any]:
    """Apply ``key=value`` overrides to plain config data, rejecting unknown keys."""
    result = deep_merge({}, data)
    for text in overrides:
        path, value = parse_override(text)
        _check_key_path(model, path)
        _set_path(result, path, value)
    return result


def resolve_config(
    model: type[ExperimentConfig],
    name: str,
    profile: str = "full",
    overrides: Iterable[str] = (),
    yaml_path: str | os.PathLike | None = None,
) -> ExperimentConfig:
    """The validated config of experiment ``name`` for ``profile``, with overrides applied."""
    if profile not in PROFILES:
        raise MinimaxlabError(f"unknown profile {profile!r}; choose one of: {', '.join(PROFILES)}")
    path = Path(yaml_path) if yaml_path is not None else configs_dir() / f"{name}.yaml"
    sections = load_yaml(path)
    unknown = set(sections) - set(PROFILES)
    if unknown:
        raise MinimaxlabError(
            f"config file {path} has sections {sorted(unknown)}; "
            f"only {', '.join(map(repr, PROFILES))} are allowed"
        )
    data: dict[str, Any] = {"experiment": name}
    for layer in PROFILES[: PROFILES.index(profile) + 1]:
        data = deep_merge(data, sections.get(layer) or {})
    data = apply_overrides(data, model, overrides)
    data["experiment"] = name
    return validate(model, data)
