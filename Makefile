# Two commands: `make site` builds the site, `make test` runs every test. Both set up what they need.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml | sha1sum | cut -c1-12)
JOBS   ?= $(shell nproc 2>/dev/null || echo 2)
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

export NO_MKDOCS_2_WARNING := 1

.PHONY: site test serve bench bench-scale plan shard audit chromium clean

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "folio needs Python 3.11"'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	rm -f $(VENV)/.installed-* && touch $@

chromium:
	@command -v chromium >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

site: $(STAMP)
	$(BIN)/folio build --keep-going --jobs $(JOBS)

test: $(STAMP) chromium
	$(BIN)/folio build --keep-going --jobs $(JOBS)
	$(BIN)/python -m pytest -q -n $(JOBS)

serve: $(STAMP)
	$(BIN)/folio serve

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_build.py

# The synthetic site at 11, 100 and 500 posts: cold, no-op and prose-edit builds, and the
# 100-code-post cold build as one shard against two run at once.
bench-scale: $(STAMP) chromium
	$(BIN)/python benchmarks/bench_scale.py

# CI: how many execution shards the posts that need executing are worth (shards=N, matrix=[..]).
plan: $(STAMP)
	@$(BIN)/folio build --plan

# CI: one execution shard, SHARD=K/N (REQUIRES="--requires gpu" for the GPU runner).
shard: $(STAMP)
	$(BIN)/folio build --shard $(SHARD) $(REQUIRES) --no-site --keep-going --jobs $(JOBS)

# Lighthouse, axe and the Nu checker over every post page (needs Node.js, npm and Java).
audit: site chromium
	cd audit && npm ci --no-audit --no-fund --loglevel=error
	$(BIN)/python audit/run_audit.py

clean:
	rm -rf build site_src/blog/posts site_src/series site_src/notebooks site_src/report.md
