#!/usr/bin/env bash
# The GPU figures of issue 19 in one run, about 8 minutes on one H100/H200, all into one JSON:
# $OUT/gpu_check.json (stages: see benchmarks/gpu_check.py). Usage, from anywhere:
#
#   benchmarks/gpu_check.sh             # on the GPU machine
#   benchmarks/gpu_check.sh --dry-run   # every stage on the CPU at tiny sizes (tests/benchmarks)
#
# The device machine's python3 has torch, numpy, scipy, matplotlib, pillow, pyyaml, typer, rich,
# scikit-learn and jinja2, but not pydantic, and no Fashion-MNIST. Carry two ignored folders
# (device tool: carry [".whl", ".data"]), prepared here once from the repository's root:
#   echo /.whl/ >> .git/info/exclude; echo /.data/ >> .git/info/exclude
#   python3 -m pip download --no-deps --only-binary=:all: --python-version 3.12 \
#     --implementation cp --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
#     -d .whl pydantic==2.14.4 pydantic-core==2.50.5 annotated-types==0.8.0 \
#     typing-inspection==0.4.5
#   mkdir -p .data/fashion-mnist && cp /usr/share/datasets/fashion-mnist/*.gz .data/fashion-mnist/
# (about 33 MB together, under the tool's 64 MiB). Then the command there is
#   PYTHONUNBUFFERED=1 benchmarks/gpu_check.sh
set -euo pipefail
cd "$(dirname "$0")/.."
OUT="${OUT:-/tmp/gpu_check}"
PYTHON="${PYTHON:-python3}"
mkdir -p "$OUT"

if compgen -G ".whl/*.whl" >/dev/null; then
  "$PYTHON" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
    --target /tmp/gpu_check_site .whl/*.whl
  export PYTHONPATH="/tmp/gpu_check_site${PYTHONPATH:+:$PYTHONPATH}"
fi
export PYTHONPATH="$PWD/src${PYTHONPATH:+:$PYTHONPATH}"
if [ -d .data ]; then
  export MINIMAXLAB_DATA="$PWD/.data"
fi

"$PYTHON" - <<'PY'
import importlib.util
import sys

needed = ("torch", "numpy", "scipy", "matplotlib", "PIL", "yaml", "pydantic", "typer", "rich",
          "sklearn", "jinja2")
missing = [name for name in needed if importlib.util.find_spec(name) is None]
if missing:
    sys.exit(f"gpu_check: missing {', '.join(missing)}: carry their wheels in .whl "
             "(see the head of benchmarks/gpu_check.sh)")
PY

exec "$PYTHON" benchmarks/gpu_check.py --out "$OUT/gpu_check.json" "$@"
