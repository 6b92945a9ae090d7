# domeplan — two commands for a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint bench clean

# The venv is rebuilt only when pyproject.toml changes (idempotent).
$(STAMP): pyproject.toml
	@# A venv left half-made (e.g. Debian's python3 without python3-venv) has python but no pip: remake it.
	$(BIN)/python -m pip --version >/dev/null 2>&1 || { rm -rf $(VENV); $(PYTHON) -m venv $(VENV); }
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/domeplan run scenarios/north_america.yaml

# The browser tests need Chromium, the PDF tests poppler-utils and WeasyPrint's Pango: installed with apt-get where
# missing (CI runs as root on a fresh Debian/Ubuntu machine). Where they cannot be installed, the
# tests that need them skip and say why; the stamp is only set once both are present.
BROWSER := $(VENV)/.browser
$(BROWSER): $(STAMP)
	@if ! (command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1) \
	    || ! command -v pdftotext >/dev/null 2>&1 || ! ldconfig -p | grep -q libpangoft2-1.0; then \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium poppler-utils libpango-1.0-0 libpangoft2-1.0-0) \
	  || echo "warning: chromium/poppler-utils could not be installed (needs root and apt-get): the browser and PDF page tests will skip"; \
	fi
	@(command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1) \
	  && command -v pdftotext >/dev/null 2>&1 && touch $@ || true

# `make test` is what CI runs: lint, format and types first (seconds), then every test.
test: lint $(BROWSER)
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# The peers the benchmarks compare against (spopt + PuLP/CBC, scikit-learn) come with the bench extra.
$(VENV)/.bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[dev,bench]"
	touch $@

bench: $(VENV)/.bench
	$(BIN)/python bench/coverage.py
	$(BIN)/python bench/solve.py
	$(BIN)/python bench/orlib.py
	$(BIN)/python bench/shapley_geo.py
	$(BIN)/python bench/batch.py
	$(BIN)/python bench/engagement.py
	$(BIN)/python bench/sbi_sizing.py
	$(BIN)/python bench/adversary.py

clean:
	rm -rf $(VENV) out .pytest_cache .ruff_cache .mypy_cache
