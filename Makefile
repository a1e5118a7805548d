# The two commands: `make demo` and `make test`. Each target installs what it needs itself.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test install data browser lint clean bench bench-mode

# torch==2.13.0 first: it is the local CPU build; any looser request would pull CUDA wheels.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -c "import torch" 2>/dev/null || $(BIN)/pip install -q "torch==2.13.0"
	$(BIN)/pip install -q -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

data: install
	$(BIN)/minimaxlab data fetch fashion-mnist

demo: data
	$(BIN)/minimaxlab run dcgan-fashion --profile quick

# Reference loop against the trainer, in one process, at 2 threads and all: images/s, the
# ratio, peak memory, the load average; then each train.speed switch on against off (--levers).
# BENCH_ARGS="--device cuda --data fashion-mnist" etc.; results in benchmarks/results/.
bench: install
	$(BIN)/python benchmarks/throughput.py $(BENCH_ARGS)
	$(BIN)/python benchmarks/throughput.py --levers $(BENCH_ARGS)

# mode-bench's trials trained at once against one at a time, in one process (ratio in JSON).
# MODE_BENCH_ARGS="--device cuda --trials 10 --steps 500" (--method nce: the NCE sampler);
# results in benchmarks/results/.
bench-mode: install
	$(BIN)/python benchmarks/mode_bench.py $(MODE_BENCH_ARGS)

# The browser test of the reports needs Chromium and its WebDriver: installed from Debian
# packages when missing and apt-get can be used (as root, or through sudo without a password);
# otherwise that test skips and says why (under CI, which sets CI=1, it fails instead).
browser:
	@if command -v chromedriver >/dev/null 2>&1 && \
	    { command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; }; then \
	  :; \
	elif ! command -v apt-get >/dev/null 2>&1; then \
	  echo "no apt-get: install Chromium and chromedriver yourself, or the browser test skips"; \
	else \
	  if [ "$$(id -u)" = 0 ]; then apt=apt-get; \
	  elif sudo -n true 2>/dev/null; then apt="sudo -n apt-get"; \
	  else echo "apt-get needs root: the browser test skips"; exit 0; fi; \
	  $$apt update -q && DEBIAN_FRONTEND=noninteractive $$apt install -y -q chromium chromium-driver; \
	fi

test: lint browser
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
