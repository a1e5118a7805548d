"""Seeds and RNG states: derived seeds are stable, states are plain data."""

import random

import numpy as np
import torch

from minimaxlab.reproducibility import (
    derived_seed,
    environment_info,
    global_rng_state,
    seeded_generator,
    set_global_rng_state,
)


def test_derived_seeds_are_stable_distinct_and_non_negative():
    assert derived_seed(0, 3, 1) == derived_seed(0, 3, 1)
    # (NumPy's SeedSequence pads with zeros, so a trailing 0 names the same stream: (1,) and
    # (1, 0) collide; the lab's streams never differ only by a trailing 0.)
    seeds = {derived_seed(s, *stream) for s in (0, 1) for stream in ((1,), (2,), (1, 5))}
    assert len(seeds) == 6 and all(0 <= s < 2**63 for s in seeds)


def test_a_seeded_generator_repeats_its_draws():
    a, b = seeded_generator(7, "cpu"), seeded_generator(7, "cpu")
    assert torch.equal(torch.rand(4, generator=a), torch.rand(4, generator=b))


def test_the_global_state_is_tensors_and_plain_values_and_restores_every_generator():
    state = global_rng_state()
    assert isinstance(state["numpy"]["key"], torch.Tensor) and isinstance(state["python"], tuple)
    first = (random.random(), np.random.rand(), np.random.randn(), torch.rand(1).item())
    set_global_rng_state(state)
    assert (random.random(), np.random.rand(), np.random.randn(), torch.rand(1).item()) == first


def test_the_environment_names_versions_device_and_seed():
    info = environment_info(torch.device("cpu"), 5)
    assert info["seed"] == 5 and info["device"] == "cpu" and info["torch"] == torch.__version__
