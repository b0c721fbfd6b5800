# HealthStack: `make run` serves the demo on http://127.0.0.1:8000 (`make run PORT=8101` elsewhere),
# `make test` runs everything.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.requirements-installed
PORT ?= 8000

# Links in emails and PDFs and the payment gateway's callbacks follow PORT, unless SITE_URL is
# set in the environment or in .env (which settings.py reads, and which must then win).
ifeq ($(origin SITE_URL),undefined)
ifeq ($(shell grep -sE '^[[:space:]]*(export[[:space:]]+)?SITE_URL[[:space:]]*=[[:space:]]*[^[:space:]#]' .env),)
run: export SITE_URL = http://127.0.0.1:$(PORT)
endif
endif

.PHONY: venv install run test clean

venv: $(BIN)/python

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall only when a requirements file changed since the last install.
$(STAMP): requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/python -m pip install --disable-pip-version-check -q -r requirements-dev.txt
	touch $@

install: $(STAMP)

run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	@echo "==> http://127.0.0.1:$(PORT)/ (SITE_URL $${SITE_URL:-from .env}); Ctrl-C stops Daphne and the task consumer"
# honcho stamps each line in its own zone and Django puts web and worker in TIME_ZONE: honcho gets
# that zone too, so every time in the output reads one clock.
	TZ=$$($(BIN)/python -c 'from config.settings import TIME_ZONE; print(TIME_ZONE)') \
		PORT=$(PORT) $(BIN)/honcho start --env /dev/null

# Extra pytest arguments: make test ARGS="accounts -k signup"
test: install
	bash scripts/test.sh $(ARGS)

clean:
	rm -rf db.sqlite3 db.sqlite3-journal db.sqlite3-wal db.sqlite3-shm tasks.sqlite3* media private_media test-artifacts
