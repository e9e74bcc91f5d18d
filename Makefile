# digonce: `make demo` solves the sample into out/, `make test` runs the suite.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
SAMPLE ?= inputs/hepingli
OUT ?= out
LIMIT ?= 60

.PHONY: demo test install install-test bench mutation clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[test]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

demo: install
	$(BIN)/digonce validate $(SAMPLE)
	$(BIN)/digonce solve $(SAMPLE) -o $(OUT) --time-limit $(LIMIT)
	$(BIN)/digonce check $(SAMPLE) $(OUT)/schedule.json

test: install-test
	$(BIN)/python -m pytest

# PSPLIB against PyJobShop in one run, same limit and workers: a j30 group and the hardest j60/j120 groups
# (BENCH_SAMPLE; the full tables in docs/benchmarks.md come from the commands written there).
PSPLIB ?= ../shared/benchmarks/psplib
BENCH_LIMIT ?= 10
BENCH_SAMPLE ?= $(PSPLIB)/j30/j3013_*.sm $(PSPLIB)/j60/j6013_[1-5].sm $(PSPLIB)/j120/j12016_[1-5].sm

$(VENV)/.installed-bench: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[bench]'
	touch $@ $(VENV)/.installed

bench: $(VENV)/.installed-bench
	$(BIN)/digonce bench psplib $(BENCH_SAMPLE) --time-limit $(BENCH_LIMIT) --workers 2 --peer pyjobshop

# Mutation testing of the rule-bearing modules (tests/mutation.py; results in docs/benchmarks.md "Mutation
# score"). Modules run one after another in copies under out/mutation/; MUTATE picks some of them, e.g.
# `make mutation MUTATE="referee feeds"`. Tens of minutes on two cores: a benchmark, not a CI gate.
MUTATE ?=

$(VENV)/.installed-mutation: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[test,mutation]'
	touch $@ $(VENV)/.installed $(VENV)/.installed-test

mutation: $(VENV)/.installed-mutation
	$(BIN)/python tests/mutation.py $(MUTATE)

clean:
	rm -rf $(VENV) out
