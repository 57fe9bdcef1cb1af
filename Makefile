# make run   — set up (a .venv, the install, Qt's Debian libraries when missing) and launch the app
# make test  — set up and run ruff, the import contracts and every test: the engine tests (Qt
#              unimportable) beside the real-window tier (test-xwin), then the GUI tests offscreen
# make bench — the speed figures (benchmarks/); torch is compared when installed (make bench-deps)

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
SYSTAMP := $(VENV)/.syslibs
# Debian packages the Qt wheels need at run time (EGL, fontconfig, xkbcommon, fonts, ...).
QT_DEBS := fontconfig fonts-dejavu-core libegl1 libgl1 libxkbcommon0 libdbus-1-3 libglib2.0-0
# Only for a visible window (Qt's xcb platform): what its plugin libqxcb.so loads.
XCB_DEBS := libx11-xcb1 libxcb1 libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 \
            libxcb-randr0 libxcb-render0 libxcb-render-util0 libxcb-shape0 libxcb-shm0 \
            libxcb-sync1 libxcb-util1 libxcb-xfixes0 libxcb-xkb1 libxkbcommon-x11-0
# The real-window tier (tests/xwin) also runs an X server and sends it input.
XWIN_DEBS := xvfb xauth xdotool $(XCB_DEBS)
XSTAMP := $(VENV)/.xvfb-libs

export PYQTGRAPH_QT_LIB := PySide6

.PHONY: run test test-engine test-xwin lint bench bench-deps setup syslibs xvfb-libs clean

run: setup syslibs
	$(PY) main.py

# The tiers side by side where they leave a core idle: the real-window tier mostly waits for the
# X server, so it runs beside the engine tests; then the offscreen GUI tests take both cores.
test: setup syslibs
	$(PY) -m ruff check .
	$(VENV)/bin/lint-imports
	@$(MAKE) --no-print-directory -j2 --output-sync=target test-engine test-xwin
	@echo "every other test (the GUI's, the packaging's), offscreen, in two processes:"
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q -n 2 --ignore=tests/engine --ignore=tests/state

test-engine: setup
	@echo "engine and panel-state tests, with Qt made unimportable (they need none):"
	$(PY) tests/run_without_qt.py

# The real-window tier: tests/xwin on Qt's xcb platform. Its conftest starts a private Xvfb (no
# desktop needed, none used), the tests press keys and click through xdotool and read the
# screen back from the X server, then compare it with a full repaint. A plain (offscreen) pytest
# does not collect tests/xwin. Needs Xvfb, xdotool and the xcb libraries (XWIN_DEBS): installed
# here when root on Debian; where they are missing and cannot be installed, the tier is skipped
# with a warning and everything else still counts. About 40 s.
test-xwin: setup syslibs
	-@$(MAKE) --no-print-directory xvfb-libs
	@if missing=$$($(PY) -m tests.xwin.xserver); then \
	  echo "real-window tests (tests/xwin, Xvfb + xcb; two processes, an X server each):"; \
	  QT_QPA_PLATFORM=xcb $(PY) -m pytest -q -n 2 tests/xwin; \
	else \
	  echo; echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"; \
	  echo "!!! WARNING: the real-window tests (tests/xwin) did NOT run: missing $$missing"; \
	  echo "!!! Install them (make xvfb-libs as root, or: apt-get install $(XWIN_DEBS))."; \
	  echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"; echo; \
	fi

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

# A real window without a desktop: make xvfb-libs, then
#   xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python main.py
# Installs XWIN_DEBS when any is missing and we are root on Debian; otherwise says what to install
# and fails (test-xwin then skips the tier, loudly).
xvfb-libs: $(XSTAMP)

$(XSTAMP): Makefile
	@command -v dpkg-query >/dev/null || { echo "not Debian: install Xvfb, xdotool and Qt's xcb libraries yourself"; exit 1; }; \
	missing=""; for p in $(XWIN_DEBS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing what a window under Xvfb needs:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else \
	    echo "missing Debian packages for a window under Xvfb:$$missing (sudo apt-get install$$missing)"; exit 1; \
	  fi; \
	fi
	@mkdir -p $(VENV) && touch $(XSTAMP)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
