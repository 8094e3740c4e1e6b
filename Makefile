# Chairside: `make run` starts the whole system locally, `make test` runs every test.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
export PYTHONPATH := $(CURDIR)

.PHONY: run stop test bench bench-signin bench-office bench-forms bench-texting bench-portal dlq-list dlq-replay clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

venv: $(VENV)/.installed

run: $(VENV)/.installed
	$(PY) -m scripts.run

stop: $(VENV)/.installed
	$(PY) -m scripts.run --stop

test: $(VENV)/.installed
	$(PY) -m scripts.infra
	$(PY) -m pytest $(PYTEST_ARGS)

bench: $(VENV)/.installed
	$(PY) -m scripts.infra
	$(PY) -m bench.run

bench-signin: $(VENV)/.installed
	$(PY) -m scripts.infra
	$(PY) -m bench.signin

bench-office: $(VENV)/.installed
	$(PY) -m scripts.infra
	$(PY) -m bench.office

bench-forms: $(VENV)/.installed
	$(PY) -m scripts.infra
	$(PY) -m bench.forms

bench-texting: $(VENV)/.installed
	$(PY) -m scripts.infra
	$(PY) -m bench.texting

bench-portal: $(VENV)/.installed
	$(PY) -m scripts.infra
	$(PY) -m bench.portal

dlq-list: $(VENV)/.installed
	$(PY) -m chairside.dlq list

dlq-replay: $(VENV)/.installed
	$(PY) -m chairside.dlq replay --all

clean:
	rm -rf $(VENV) var
