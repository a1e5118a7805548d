"""Loading a script of benchmarks/, which is no package, as a module."""

import importlib.util
import sys
from pathlib import Path


def load_benchmark(name):
    script = Path(__file__).parents[2] / "benchmarks" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(name, script)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module
