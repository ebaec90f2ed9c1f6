# Everyday commands. `make run` and `make test` work on a fresh machine with Python 3.11:
# they create .venv and install the locked dependencies first.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: install run serve test test-fast fuzz lint wsdl db-check lock clean

$(STAMP): pyproject.toml requirements.lock
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is needed (spyne 2.14 does not import on 3.12+): set PYTHON=/path/to/python3.11"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@touch $(STAMP)

install: $(STAMP)

## run: migrate, load demo data (prints credentials), serve on 127.0.0.1:8080
run: install
	$(BIN)/raas db upgrade
	$(BIN)/raas demo
	$(BIN)/raas serve

serve: install
	$(BIN)/raas serve

## test: lint and the whole test suite on real PostgreSQL (what CI runs)
test: install
	$(BIN)/ruff check src tests migrations bench
	$(BIN)/python -m pytest

test-fast: install
	$(BIN)/python -m pytest -m "not slow" -q

## fuzz: the fuzz suite's long mode (FUZZ_EXAMPLES per operation; CI runs 75)
FUZZ_EXAMPLES ?= 1000
fuzz: install
	RAAS_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/python -m pytest tests/fuzz -q --hypothesis-show-statistics

lint: install
	$(BIN)/ruff check src tests migrations bench

## wsdl: rewrite wsdl/ and xsd/ from the service definitions (commit the result)
wsdl: install
	$(BIN)/raas wsdl

db-check: install
	$(BIN)/raas db check

## lock: refresh requirements.lock from pyproject.toml (needs network)
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/pip install --quiet '.[test]'
	.lock-venv/bin/pip freeze --exclude raas > requirements.lock
	rm -rf .lock-venv

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis .ruff_cache build src/*.egg-info
