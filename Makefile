# digonce: `make demo` solves the sample into out/, `make test` runs the suite.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
SAMPLE ?= inputs/hepingli

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

test: install-test
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) out
