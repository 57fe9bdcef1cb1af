# make run   — set up (a .venv, the install, Qt's Debian libraries when missing) and launch the app
# make test  — set up and run ruff and every test, offscreen
# make bench — the speed figures (benchmarks/); torch is compared when installed (make bench-deps)

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
SYSTAMP := $(VENV)/.syslibs
# Debian packages the Qt wheels need at run time (EGL, fontconfig, xkbcommon, fonts, ...).
QT_DEBS := fontconfig fonts-dejavu-core libegl1 libgl1 libxkbcommon0 libdbus-1-3 libglib2.0-0
# Only for a visible window under Xvfb (xcb platform).
XCB_DEBS := libxcb-icccm4 libxcb-keysyms1 libxcb-cursor0 libxcb-shape0 libxkbcommon-x11-0

export PYQTGRAPH_QT_LIB := PySide6

.PHONY: run test lint bench bench-deps setup syslibs xvfb-libs clean

run: setup syslibs
	$(PY) main.py

test: setup syslibs
	$(PY) -m ruff check .
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q
	@echo "engine tests again, with Qt made unimportable:"
	$(PY) tests/run_without_qt.py

lint: setup
	$(PY) -m ruff check .

bench: setup syslibs
	QT_QPA_PLATFORM=offscreen $(PY) benchmarks/engine.py
	QT_QPA_PLATFORM=offscreen $(PY) benchmarks/gui.py

bench-deps: setup
	$(PY) -m pip install -q torch==2.13.0

setup: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "pnn-gui needs Python 3.11 or newer")'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $(STAMP)

# Installs Qt's Debian libraries when any is missing and we are root on Debian; otherwise says what
# to install. Missing fonts make every glyph a box without any error, so they are checked too.
# Without dpkg-query (macOS, Fedora, Arch, ...) there is nothing to check: one line says so.
syslibs: $(SYSTAMP)

$(SYSTAMP): Makefile
	@if ! command -v dpkg-query >/dev/null 2>&1; then \
	  echo "no dpkg-query (not Debian): skipping the check for Qt's Debian libraries"; \
	else missing=""; for p in $(QT_DEBS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing Qt's system libraries:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else \
	    echo "missing Debian packages for Qt:$$missing (install them, e.g. sudo apt-get install$$missing)"; exit 1; \
	  fi; \
	fi; fi
	@mkdir -p $(VENV) && touch $(SYSTAMP)

# For a real window under Xvfb: make xvfb-libs, then xvfb-run -s "-screen 0 1600x1000x24" .venv/bin/python main.py
xvfb-libs:
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq xvfb $(XCB_DEBS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
