# Everyday commands. `make run` and `make test` work on a fresh machine with Python 3.11:
# they create .venv and install the locked dependencies first.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: install run serve test test-fast fuzz lint audit soak wsdl db-check lock clean bench

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

## test: lint, audit of the locked dependencies, the whole test suite on real PostgreSQL (what CI runs)
test: install audit
	$(BIN)/ruff check src tests migrations bench tools
	$(BIN)/python -m pytest

test-fast: install
	$(BIN)/python -m pytest -m "not slow" -q

## fuzz: the fuzz suite's long mode (FUZZ_EXAMPLES per operation; CI runs 75)
FUZZ_EXAMPLES ?= 1000
fuzz: install
	RAAS_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/python -m pytest tests/fuzz -q --hypothesis-show-statistics

lint: install
	$(BIN)/ruff check src tests migrations bench tools

## audit: known vulnerabilities in requirements.lock (pip-audit; needs network to PyPI)
audit: install
	$(BIN)/python tools/audit_locked.py requirements.lock

## soak: 80% of the measured maximum for SOAK_SECONDS (default 600) on loopback; fails on errors
SOAK_SECONDS ?= 600
soak: install
	$(BIN)/python bench/soak.py --seconds $(SOAK_SECONDS)

## bench: builds the benchmark data sets once (kept), then prints the table of every hot operation
bench: install
	$(BIN)/python bench/suite.py $(BENCH_ARGS)

## interop: Lino Welfare's unmodified cbss code against a live RAAS through the SSDN channel;
## builds once and keeps .interop-venv/ (the pins of interop/requirements-lino.txt). The script
## exits 77 when that venv cannot be built here (says why); INTEROP_SKIP_OK=1 turns 77 into 0.
.PHONY: interop
interop: install
	@$(BIN)/python tools/interop.py --python $(PYTHON); rc=$$?; \
	if [ $$rc -eq 77 ] && [ -n "$(INTEROP_SKIP_OK)" ]; then exit 0; fi; exit $$rc

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
