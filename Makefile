# digonce: `make demo` solves the sample into out/, `make test` runs the suite.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
SAMPLE ?= inputs/hepingli
OUT ?= out
LIMIT ?= 60

.PHONY: demo test install install-test clean

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

clean:
	rm -rf $(VENV) out
