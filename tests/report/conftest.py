"""One tiny lab for the report tests: every experiment on its smoke profile, one made to fail,
dcgan-fashion skipped for want of its data. Run once per session (about 15 s on 2 cores)."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from minimaxlab.data import registry
from minimaxlab.experiments import EXPERIMENTS

# Every experiment on its smoke profile (configs/*.yaml), dcgan-fashion pointed back at its
# own data set so that it is skipped for want of it.
OVERRIDES = {"dcgan-fashion": ["data.name=fashion-mnist"]}
BROKEN = "wgan-gp"  # made to fail; it shares gan-mnist's account, so no account goes untested
SKIPPED = "dcgan-fashion"  # fashion-mnist is kept out of reach, as in every test
NAMES = sorted(EXPERIMENTS)
FINISHED = sorted(set(NAMES) - {BROKEN, SKIPPED})  # what the tiny lab trains to the end


def _broken_run(config: Any, context: Any) -> dict[str, Any]:
    raise RuntimeError("the discriminator caught fire\nsecond line")


@pytest.fixture(scope="session")
def tiny_lab(tmp_path_factory):
    """(entries, index path) of run_lab over NAMES, with data kept out of reach as in
    tests/conftest.py's isolated_data."""
    from minimaxlab.lab import run_lab

    home = tmp_path_factory.mktemp("lab-cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(home))
        patch.delenv("MINIMAXLAB_DATA", raising=False)
        patch.setattr(registry, "SYSTEM_DATA_DIR", home / "system-datasets")
        patch.setattr(registry, "_apt_command", lambda: None)
        patch.setitem(
            EXPERIMENTS, BROKEN, dataclasses.replace(EXPERIMENTS[BROKEN], run=_broken_run)
        )
        return run_lab(
            profile="smoke",
            only=NAMES,
            out=tmp_path_factory.mktemp("lab") / "runs",
            device="cpu",
            overrides=OVERRIDES,
            progress=False,
        )


@pytest.fixture(scope="session")
def entries(tiny_lab):
    return {entry.name: entry for entry in tiny_lab[0]}
