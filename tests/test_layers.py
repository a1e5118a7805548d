"""The layer table itself (tests/test_architecture.py enforces it on the package)."""

import pytest

from minimaxlab.layers import LAYERS, layer_of


def test_layers_run_from_the_command_line_down_to_the_foundation():
    names = [name for name, _, _ in LAYERS]
    assert names[0] == "command line" and names[-1] == "foundation"
    assert layer_of("minimaxlab.tools.report") < layer_of("minimaxlab.experiments")
    assert layer_of("minimaxlab.experiments.gan_mnist") < layer_of("minimaxlab.report.html")
    assert layer_of("minimaxlab.report.html") < layer_of("minimaxlab.gan.trainer")
    assert layer_of("minimaxlab.gan.trainer") == layer_of("minimaxlab.training.loop")
    assert layer_of("minimaxlab") == layer_of("minimaxlab.checkpoint") == len(LAYERS) - 1


def test_every_package_is_in_one_layer_only():
    members = [m for _, group, _ in LAYERS for m in group]
    assert len(members) == len(set(members))


def test_a_module_outside_the_table_is_named():
    with pytest.raises(KeyError, match="minimaxlab.newthing"):
        layer_of("minimaxlab.newthing.x")
