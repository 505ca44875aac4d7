# Matrix Calculus for Machine Learning and Beyond: the course-book's commands.
#
#   make book      set up .venv, then build the HTML book into _build/html
#   make test      set up .venv, build the book strictly, run every test
#
# Every recipe runs under bash with -e -u -o pipefail, so a failing command
# fails the target even when its output is piped.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:

PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
export PATH := $(BIN):$(PATH)
# One BLAS thread unless asked otherwise: on a small shared machine threaded BLAS
# was seen to make 100x100 products 10-50x slower, and results (hence stored
# outputs) can depend on the thread count.
export OPENBLAS_NUM_THREADS ?= 1
export OMP_NUM_THREADS ?= 1
export MKL_NUM_THREADS ?= 1

# Which book to build (tests build small books elsewhere with the same recipe).
BOOK ?= .
# Notebooks that `make refresh` re-executes.
NOTEBOOKS ?= $(wildcard lectures/*.ipynb solutions/*.ipynb)
PORT ?= 8000
# The browser the tests drive (Debian's package; `make test` installs it if missing).
CHROMIUM ?= /usr/bin/chromium
export CHROMIUM

.PHONY: help venv assets nodejs chromium book test lint serve refresh bench bench-fresh-test clean distclean

help:
	@echo "make book      build the HTML book into _build/html (sets up .venv first)"
	@echo "make test      build the book strictly and run every test"
	@echo "make serve     build, then preview the book at http://127.0.0.1:$(PORT)/"
	@echo "make refresh   re-execute notebooks in place: stored outputs and widget state"
	@echo "               (NOTEBOOKS='lectures/01-....ipynb' for just some)"
	@echo "make cookbook  regenerate appendix/cookbook.md from matdiff's registry of identities"
	@echo "make lint      ruff over the library, tests, tools and benchmarks"
	@echo "make bench     run the benchmarks bench/*.py: _build/bench/report.md and figures"
	@echo "make bench-fresh-test  time make test in a fresh clone, kept in bench/fresh-test.json"
	@echo "make chromium  install Debian's chromium for the browser tests, if missing"
	@echo "make clean     remove _build;  make distclean  also removes .venv, node_modules"

# ---------------------------------------------------------------- environment

$(VENV)/.installed: requirements.txt pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else \
	  "Python 3.11 or newer is needed, found " + sys.version.split()[0] + \
	  ": run make PYTHON=/path/to/python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

venv: $(VENV)/.installed

# The book serves MathJax and the widget manager itself, so it works offline:
# package.json and package-lock.json pin them, `npm ci` installs them into
# node_modules/, and tools/offline_assets.py copies them into the built book.
node_modules/.installed: package.json package-lock.json
	@command -v npm >/dev/null || $(MAKE) --no-print-directory nodejs
	npm ci --ignore-scripts --no-audit --no-fund
	touch $@

assets: node_modules/.installed

# Missing system packages (npm, Chromium) are installed with apt-get: directly
# as root (as in CI), with `sudo -n` where that needs no password, and otherwise
# make stops and says what to install.
APT_GET = if [ "$$(id -u)" = 0 ]; then sudo=; \
	elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then sudo="sudo -n"; \
	else echo "Install: sudo apt-get install $(1)  (or run make as root)." >&2; exit 1; fi; \
	echo "Installing Debian's $(1)"; $$sudo apt-get update -qq && \
	$$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(1)

nodejs:
	@command -v npm >/dev/null && exit 0; \
	echo "The book serves MathJax and widgets itself, from npm packages, and npm is missing." >&2; \
	$(call APT_GET,nodejs npm)

# Headless Chromium for the browser tests.  CHROMIUM=/path/to/chrome uses another.
chromium:
	@if [ -x "$(CHROMIUM)" ]; then exit 0; fi; \
	if [ "$(CHROMIUM)" != /usr/bin/chromium ]; then \
	  echo "CHROMIUM=$(CHROMIUM) is not an executable file." >&2; exit 1; fi; \
	echo "The browser tests need Chromium, and /usr/bin/chromium is missing." >&2; \
	$(call APT_GET,chromium)

# ---------------------------------------------------------------- the book

# --all: re-read every page, so warnings from unchanged pages are not hidden.
# -W --keep-going: report every warning, then fail.  Notebooks re-execute when
# their code changes (jupyter-cache); the cache cannot see changes to lib/ or the
# pinned packages, so it is dropped whenever those change.
book: $(VENV)/.installed node_modules/.installed
	@cache="$(BOOK)/_build/.jupyter_cache"; \
	key=$$(cat requirements.txt $$(find lib -name '*.py' | LC_ALL=C sort) | sha256sum | cut -c1-16); \
	if [ -d "$$cache" ] && [ "$$(cat "$$cache/matdiff-key" 2>/dev/null)" != "$$key" ]; then \
	  echo "lib/ or requirements changed: re-executing every notebook"; rm -rf "$$cache"; \
	fi
	$(BIN)/jupyter-book build $(BOOK) --all --warningiserror --keep-going --builder html
	@key=$$(cat requirements.txt $$(find lib -name '*.py' | LC_ALL=C sort) | sha256sum | cut -c1-16); \
	mkdir -p "$(BOOK)/_build/.jupyter_cache" && echo "$$key" > "$(BOOK)/_build/.jupyter_cache/matdiff-key"

serve: book
	@echo "Serving the book at http://127.0.0.1:$(PORT)/ (Ctrl-C to stop)"
	$(BIN)/python -m http.server $(PORT) --bind 127.0.0.1 --directory $(BOOK)/_build/html

# ---------------------------------------------------------------- notebooks

refresh: $(VENV)/.installed
	$(BIN)/python tools/refresh.py $(NOTEBOOKS)

# The appendix's cookbook page is generated from matdiff.cookbook.IDENTITIES;
# tests/test_cookbook.py fails when the committed page is out of date.
.PHONY: cookbook
cookbook: $(VENV)/.installed
	$(BIN)/python tools/cookbook_page.py

# ---------------------------------------------------------------- tests

lint: $(VENV)/.installed
	$(BIN)/ruff check lib tests tools bench

# Lint first (fast); the book is built before pytest because several tests read
# it, and the browser tests open it in Chromium.
test: lint book chromium
	$(BIN)/python -m pytest

# ---------------------------------------------------------------- benchmarks

# Benchmarks are not tests (no timing assertions anywhere): each bench/<topic>.py
# writes _build/bench/<topic>.md and figures _build/bench/<topic>-*.png; files
# named bench/_*.py are helpers.  report.md joins the topics' reports.
BENCH_SCRIPTS = $(filter-out bench/_%,$(sort $(wildcard bench/*.py)))

# The benchmarks' peers live in environments of their own, apart from .venv: they
# are what the project is compared with, not its dependencies.  .venv-peers holds
# the AD peers (HIPS autograd, JAX) for bench/ad.py, .venv-otter holds otter-grader
# for bench/grading.py; each is built from bench/requirements-<name>.txt.  If one
# cannot be installed (no wheel for this machine, no network) the benchmark still
# runs and its report says which peer is missing.
PEERS_VENV := .venv-peers
OTTER_VENV := .venv-otter

.venv-%/.installed: bench/requirements-%.txt
	rm -rf .venv-$*
	$(PYTHON) -m venv .venv-$*
	.venv-$*/bin/python -m pip install --quiet --disable-pip-version-check -r $<
	touch $@

bench: $(VENV)/.installed
	rm -rf _build/bench && mkdir -p _build/bench && date +%s > _build/bench/started
	$(MAKE) --no-print-directory $(PEERS_VENV)/.installed || \
	  { rm -rf $(PEERS_VENV); echo "The AD peers did not install: bench/ad.py reports matdiff alone."; }
	$(MAKE) --no-print-directory $(OTTER_VENV)/.installed || \
	  { rm -rf $(OTTER_VENV); echo "otter-grader did not install: bench/grading.py reports matdiff alone."; }
	@# each script's wall-clock seconds go to timings.tsv, which report.md lists
	@set -e; for script in $(BENCH_SCRIPTS); do \
	  echo "== $$script"; start=$$(date +%s); \
	  $(BIN)/python $$script; \
	  printf '%s\t%s\n' "$$script" "$$(( $$(date +%s) - start ))" >> _build/bench/timings.tsv; \
	done
	$(BIN)/python bench/_report.py

# make test from a fresh clone takes longer than the rest of make bench: it is
# measured on its own and recorded (with its commit) for make bench to report.
bench-fresh-test: $(VENV)/.installed
	$(BIN)/python bench/_fresh_test.py

clean:
	rm -rf _build

distclean: clean
	rm -rf $(VENV) $(PEERS_VENV) $(OTTER_VENV) node_modules
