# The two commands: `make demo` and `make test`. Each target installs what it needs itself.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test install data lint clean bench

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

# Reference loop against the trainer, both in this process: images/s, ratio, peak memory.
# BENCH_ARGS="--device cuda --data fashion-mnist" etc.; results in benchmarks/results/.
bench: install
	$(BIN)/python benchmarks/throughput.py $(BENCH_ARGS)

test: lint
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
