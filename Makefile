# The two commands a new machine needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test

.PHONY: run test bench bench-large bench-crash install clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip setuptools

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(TEST_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/newsreader $(CURDIR)/seeds

test: $(TEST_STAMP)
	$(BIN)/python -m pytest -q

bench: $(TEST_STAMP)
	$(BIN)/python benchmarks/run.py

bench-large: $(TEST_STAMP)
	$(BIN)/python benchmarks/run.py --large

# Interruptions of real index runs on 400 BBC articles (Ctrl+C, --rebuild, 20 kill -9 trials); ~20-40 min.
bench-crash: $(TEST_STAMP)
	$(BIN)/python benchmarks/crash.py

clean:
	rm -rf $(VENV) .pytest_cache
