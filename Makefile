# Yikatong: `make run` (everything up, the demo payroll, then serving) and `make test` (lint, types, tests).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: install run test lint types unit integration e2e bench loadtest faults crosscheck up down clean

$(STAMP): pyproject.toml
	@command -v java >/dev/null || { echo "Java 17+ is needed for Kafka (apt-get install openjdk-17-jre-headless)"; exit 1; }
	@command -v mvn >/dev/null || { echo "Maven is needed to fetch Kafka's jars (apt-get install maven)"; exit 1; }
	@dpkg -s chromium fonts-noto-cjk >/dev/null 2>&1 || { \
	  echo "installing Debian's Chromium and CJK fonts for the browser tests"; \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q chromium fonts-noto-cjk >/dev/null || { \
	    $$SUDO apt-get update -q >/dev/null && \
	    DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q chromium fonts-noto-cjk >/dev/null; }; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[dev]"
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

run: install  ## start Kafka, PostgreSQL and every service; pay the demo county's month; keep serving
	$(PY) -m deploy.run

test: install lint types  ## ruff, mypy and every test (unit, integration, end-to-end) on real Kafka and PostgreSQL
	$(PY) -m pytest -q -p no:cacheprovider

lint: install
	$(PY) -m ruff check .

types: install
	$(PY) -m mypy .

unit: install
	$(PY) -m pytest -q tests/unit

integration: install
	$(PY) -m pytest -q tests/integration

e2e: install
	$(PY) -m pytest -q tests/e2e

bench: install  ## a county-sized payroll end to end (YKT_BENCH_PEOPLE, default 100000), timed
	$(PY) -m deploy.run --no-serve --no-campaign --bench --publicity-seconds 0 --people $${YKT_BENCH_PEOPLE:-100000}

loadtest: install  ## the public pages (roster, village query, personal query) at YKT_LOAD_RATE req/s each: p50/p99/errors
	$(PY) -m deploy.loadtest --rate $${YKT_LOAD_RATE:-167} --seconds $${YKT_LOAD_SECONDS:-10}

faults: install  ## 100,000 people while money-path services are SIGKILLed 60 times and Kafka restarts once
	$(PY) -m deploy.faults --people $${YKT_FAULT_PEOPLE:-100000} --kills $${YKT_FAULT_KILLS:-60}

crosscheck: install  ## a 100,000-row XLSX declaration with planted fraud of every rule, checked through the API
	$(PY) -m deploy.crosscheck --rows $${YKT_CROSSCHECK_ROWS:-100000}

up:  ## the whole suite in Docker (needs a Docker engine)
	docker compose up -d --build

down:
	docker compose down

clean:
	rm -rf .ykt .mypy_cache .ruff_cache .pytest_cache
