# Everyday commands. `make run` and `make test` work on a fresh machine with Python 3.11, 3.12
# or 3.13: they create .venv with the newest of them found and install the locked dependencies.
SUPPORTED := 3.11 3.12 3.13
# The newest supported interpreter (python3.13, python3.12, python3.11 on the PATH, each followed
# by pyenv's own ~/.pyenv/versions/3.X.*/bin/python3.X, since pyenv's shims refuse installed
# versions that are not selected; then python3 when it is one of them), as its real path; or
# PYTHON=/path/to/python3.x given on the command line.
PYTHON ?= $(shell for p in python3.13 $(HOME)/.pyenv/versions/3.13.*/bin/python3.13 \
	python3.12 $(HOME)/.pyenv/versions/3.12.*/bin/python3.12 \
	python3.11 $(HOME)/.pyenv/versions/3.11.*/bin/python3.11 python3; do \
	$$p -c 'import sys; sys.exit(not (3, 11) <= sys.version_info[:2] <= (3, 13)); ' 2>/dev/null \
	&& { $$p -c 'import sys; print(sys.executable)'; break; }; done)
PYVER  := $(if $(PYTHON),$(shell $(PYTHON) -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null))
VENV   ?= .venv
BIN    := $(VENV)/bin
# One stamp per interpreter version: another Python makes the venv be rebuilt, not reused.
STAMP  := $(VENV)/.installed-$(PYVER)
# Lino Welfare (make interop) runs on Python 3.11, whatever runs RAAS.
INTEROP_PYTHON ?= $(shell for p in python3.11 $(HOME)/.pyenv/versions/3.11*/bin/python3.11; do \
	$$p -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null \
	&& { $$p -c 'import sys; print(sys.executable)'; break; }; done)

.PHONY: install run serve client test test-fast fuzz lint typecheck audit soak wsdl db-check lock clean bench

$(STAMP): pyproject.toml requirements.lock
	@case " $(SUPPORTED) " in *" $(PYVER) "*) ;; *) \
	  echo "RAAS needs Python 3.11, 3.12 or 3.13, and $(if $(PYTHON),PYTHON=$(PYTHON) is" \
	       "$(or $(PYVER),not a Python that runs),none was found on the PATH (python3.13," \
	       "python3.12, python3.11, python3)). Install one, or run make PYTHON=/path/to/python3.x"; \
	  exit 1;; esac
	@if [ -x $(BIN)/python ] && [ "$$($(BIN)/python -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)" != "$(PYVER)" ]; then \
	  echo "$(VENV) was made by another Python: rebuilding it with $(PYTHON) ($(PYVER))"; rm -rf $(VENV); fi
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@rm -f $(VENV)/.installed-*; touch $(STAMP)

install: $(STAMP)

# python-version: the Python version make uses here (for .ci/run)
.PHONY: python-version
python-version:
	@echo $(PYVER)

## run: migrate, load demo data (prints credentials), serve on 127.0.0.1:8080 (PORT=…, HOST=…)
PORT ?= 8080
HOST ?= 127.0.0.1
run: install
	$(BIN)/raas db upgrade
	$(BIN)/raas demo
	$(BIN)/raas serve --host $(HOST) --port $(PORT)

## client: the SOAP client of every operation, e.g. make client ARGS="Consult --ssin 00012971305"
## (RAAS_USER, RAAS_PASSWORD; the same as .venv/bin/raas client …)
client: install
	@$(BIN)/raas client $(ARGS)

serve: install
	$(BIN)/raas serve

## test: lint, type check, audit of the locked dependencies, the whole test suite on real
## PostgreSQL (what CI runs)
test: install audit
	$(BIN)/ruff check src tests migrations bench tools
	$(BIN)/mypy
	$(BIN)/python -m pytest

## test-fast: the tests that need neither PostgreSQL nor the HTTP app (tests/unit: the domain, and
## the use cases on in-memory fakes of their ports), in seconds; a database they reach is nowhere
test-fast: install
	RAAS_TEST_DATABASE_URL=postgresql://nobody@127.0.0.1:1/nowhere \
	RAAS_DATABASE_URL=postgresql://nobody@127.0.0.1:1/nowhere \
	$(BIN)/python -m pytest tests/unit -q

## fuzz: the fuzz suite's long mode (FUZZ_EXAMPLES per operation; CI runs 75)
FUZZ_EXAMPLES ?= 1000
fuzz: install
	RAAS_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/python -m pytest tests/fuzz -q --hypothesis-show-statistics

lint: install
	$(BIN)/ruff check src tests migrations bench tools

## typecheck: mypy over src/, strict; [tool.mypy] in pyproject.toml says where it is relaxed and why
typecheck: install
	$(BIN)/mypy

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
	@$(BIN)/python tools/interop.py --python "$(or $(INTEROP_PYTHON),python3.11)"; rc=$$?; \
	if [ $$rc -eq 77 ] && [ -n "$(INTEROP_SKIP_OK)" ]; then exit 0; fi; exit $$rc

## failover: RAAS on pg_auto_failover (a primary and a synchronous standby on loopback) loses
## its primary under a load of writes, twice, and a planned switchover; nothing acknowledged may
## be lost or doubled (docs/operator-guide.md, "High availability"). Needs the Debian package
## postgresql-15-auto-failover (FAILOVER_INSTALL=1 installs it); exits 77 without it.
.PHONY: failover
failover: install
	@if [ -n "$(FAILOVER_INSTALL)" ] && ! command -v pg_autoctl >/dev/null; then \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    postgresql-15-auto-failover) >/dev/null 2>&1 \
	  || echo "failover: could not install postgresql-15-auto-failover"; fi
	@$(BIN)/python tools/failover.py; rc=$$?; \
	if [ $$rc -eq 77 ] && [ -n "$(FAILOVER_SKIP_OK)" ]; then exit 0; fi; exit $$rc

## wsdl: rewrite wsdl/ and xsd/ from the service definitions (commit the result)
wsdl: install
	$(BIN)/raas wsdl

db-check: install
	$(BIN)/raas db check

## lock: refresh requirements.lock from pyproject.toml (needs network), on the newest Python
## found, keeping the environment markers pyproject.toml declares (tools/lock_markers.py)
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/pip install --quiet '.[test]'
	.lock-venv/bin/pip freeze --exclude raas > requirements.lock
	.lock-venv/bin/python tools/lock_markers.py requirements.lock
	rm -rf .lock-venv

clean:
	rm -rf $(VENV) .venv-3.* .pytest_cache .hypothesis .ruff_cache .mypy_cache build src/*.egg-info
