# Two entry points for a fresh machine: `make demo` and `make test`. Everything else is a helper.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test lint typecheck unit system-deps golden bench screenshots clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

# --force: output/ is committed without its manifest, so a fresh clone's files look like the user's.
demo: $(STAMP)
	$(BIN)/feedgen-news build seeds -o output --unpublished --force
	@echo "Built with --unpublished, so the demo shows its drafts too; a real build leaves them out."
	@echo "Open output/index.html, or preview over HTTP: $(BIN)/feedgen-news serve output"

test: lint typecheck system-deps unit

# newsboat and chromium for the end-to-end tests (Debian packages; needs root the first time).
system-deps:
	bash .ci/system-deps.sh

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/pytest

# output/ is committed: it is the golden output tests/test_golden.py checks. Same as demo, but
# every file is rendered again (the digests hash the code too; this also covers a hand-edited output).
golden:
	rm -f output/.feedgen-news-manifest.json
	$(MAKE) demo

# The README's screenshots (docs/*.png): the demo site and a made-up page embedding two feeds.
screenshots: $(STAMP) system-deps
	$(BIN)/python -m scripts.screenshots

# Hugo runs as a peer when installed; installed here (root + apt-get) if missing, never by `test`.
# Then the watch's latency at 100,000 records (its own section of benchmarks/results.md).
bench: $(STAMP)
	@bash .ci/hugo.sh
	$(BIN)/python -m benchmarks.run
	$(BIN)/python -m benchmarks.watch_latency

clean:
	rm -rf $(VENV) output .feedgen-news .mypy_cache .pytest_cache .ruff_cache
