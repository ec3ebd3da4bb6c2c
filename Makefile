# Readyline: `make run` serves the demo portal, `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: run test lint bench backup install fonts messages clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@rm -f $(VENV)/.installed-* && touch $(STAMP)

install: $(STAMP) fonts

# Certificates and transcripts print Chinese names with Noto Sans CJK (Debian fonts-noto-cjk);
# without it they would print boxes. Installed when apt-get may run, otherwise say what to do.
fonts:
	@fc-list :lang=zh-cn family 2>/dev/null | grep -i "Noto Sans CJK" >/dev/null || \
	  { if [ "$$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then \
	      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends fonts-noto-cjk >/dev/null; \
	    else echo "make: install the Chinese font for PDFs: sudo apt-get install fonts-noto-cjk"; fi; }

run: install
	mkdir -p var
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py demo
	@echo "Serving Readyline at http://127.0.0.1:8000 (background worker with beat beside it; Ctrl+C stops both)"
	@trap 'kill 0' INT TERM EXIT; \
	  $(BIN)/celery -A portal worker --beat --pool=solo --loglevel=INFO & \
	  $(BIN)/python manage.py runserver 127.0.0.1:8000 --noreload & \
	  wait -n

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: install
	$(BIN)/python -m bench.roster_import

# A backup of the database and media with its manifest (README: the yearly recovery drill).
# The demo authenticator app's current code (privileged demo logins ask for it).
code: install
	@$(BIN)/python manage.py demo --code

backup: install
	$(BIN)/python manage.py backup

# Regenerate the translation catalogue after changing strings; commit both .po and .mo.
messages: install
	$(BIN)/python manage.py makemessages -l zh_Hans --ignore=.venv --ignore=var --ignore=bench
	$(BIN)/python manage.py compilemessages -l zh_Hans --ignore=.venv

clean:
	rm -rf var .pytest_cache
