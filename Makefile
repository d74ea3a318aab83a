# The two commands: `make run` (set up and serve on SQLite with demo data) and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 5000
PYTEST_ARGS ?= -n auto --dist loadscope
export FLASK_APP := portal

.PHONY: run test setup test-setup translations db demo serve clean-venv extract-messages

run: setup db demo serve

setup:
	@scripts/system-packages.sh run
	@$(MAKE) --no-print-directory $(VENV)/.stamp-run translations

test-setup:
	@scripts/system-packages.sh test
	@$(MAKE) --no-print-directory $(VENV)/.stamp-dev translations

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

$(VENV)/.stamp-run: requirements.txt | $(VENV)/bin/python
	$(PY) -m pip install -q -r requirements.txt
	touch $@

$(VENV)/.stamp-dev: requirements.txt requirements-dev.txt | $(VENV)/bin/python
	$(PY) -m pip install -q -r requirements-dev.txt
	touch $@ $(VENV)/.stamp-run

translations:
	@$(VENV)/bin/pybabel compile -d portal/translations

extract-messages:
	$(VENV)/bin/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k lazy_pgettext:1c,2 -o portal/translations/messages.pot .
	$(VENV)/bin/pybabel update -i portal/translations/messages.pot -d portal/translations --no-fuzzy-matching

db:
	@$(VENV)/bin/flask db upgrade

demo:
	@$(VENV)/bin/flask demo-data --if-empty

serve:
	@echo ""
	@echo "  Partner Portal: http://127.0.0.1:$(PORT)"
	@echo "  (the demo accounts are listed above)"
	@echo ""
	@exec $(VENV)/bin/gunicorn --bind 127.0.0.1:$(PORT) --workers 2 --access-logfile - "portal:create_app()"

test: test-setup
	@$(PY) -m pytest $(PYTEST_ARGS)

clean-venv:
	rm -rf $(VENV)
