# The two commands of the README: `make reports` and `make test`.
# Both create .venv when missing and install cjwork from pyproject.toml into it.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.cjwork-installed
JOBS   ?= 2

.PHONY: reports test lint format install clean chromium benchmarks

install: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (cjwork)" > /dev/null
	@touch $(STAMP)

## make reports: one HTML report per journey of the bundled sample data, into reports/
reports: $(STAMP)
	$(BIN)/cjwork report data/sample --all -o reports --jobs $(JOBS)

## make test: the whole suite (package, notebooks under nbval, reports, browser check)
# --dist loadfile: one test module (or notebook) per worker at a time, so nbval's cells of a
# notebook share one kernel and module fixtures are built once. (--dist loadgroup does not
# group with pytest 9 + xdist 3.8: xdist renames item._nodeid, which pytest 9 no longer reads.)
test: $(STAMP) chromium
	$(BIN)/python -m pytest -n $(JOBS) --dist loadfile

## chromium: the headless browser the HTML report test uses (Debian package, installed when missing)
chromium:
	@command -v chromium > /dev/null || command -v chromium-browser > /dev/null || \
	  ( [ "$$(id -u)" = 0 ] && (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium > /dev/null) ) || \
	  echo "warning: could not install chromium; the browser test will fail"

lint: $(STAMP)
	$(BIN)/ruff check cjwork tests benchmarks
	$(BIN)/ruff format --check cjwork tests benchmarks

format: $(STAMP)
	$(BIN)/ruff format cjwork tests benchmarks
	$(BIN)/ruff check --fix cjwork tests benchmarks

clean:
	rm -rf reports test-output .pytest_cache
