"""The real-window tier: the app on Qt's xcb platform, on a private Xvfb, driven by X input events
(xdotool), read back from the X server (``QScreen.grabWindow``), never from ``widget.grab()``.

Collected only when ``QT_QPA_PLATFORM=xcb`` (``make test`` runs ``QT_QPA_PLATFORM=xcb pytest
tests/xwin`` after the offscreen run; a plain ``pytest`` is offscreen and ignores this folder).
The tier starts its own X server, so it runs the same with or without a desktop, and never on it.

Fixtures, for new tests to build on:

- ``x_display`` (session): an Xvfb of :data:`SCREEN` pixels, ``DISPLAY`` set for this process
  and for the xdotool it runs (skips the tier, saying why, when Xvfb, xdotool or a library of
  Qt's xcb plugin is missing).
- ``qapp``: the app's own QApplication (``pnn_gui.app.make_application``: Fusion, as
  ``main.py`` makes it) on that display; text cursors do not blink.
- ``real_window``: ``real_window(example="fc", size=(1280, 800))`` shows a fresh main window with
  that example loaded (animations on, at the fastest speed), at the screen's top-left, focused
  and settled, and returns a
  :class:`tests.xwin.real_window.RealWindow` (``keys``, ``click``, ``settle``, ``grab``,
  ``grab_repainted``, ``assert_no_stale_paint``). The window is closed after the test.

The offscreen tests' isolation applies here too (tests/gui/conftest.py): settings and HOME in
tmp_path, no modal dialogs, garbage collected between tests only.
"""

from __future__ import annotations

import os

import pytest

if os.environ.get("QT_QPA_PLATFORM") != "xcb":
    collect_ignore_glob = ["test_*.py"]
else:
    from tests.gui.conftest import (  # noqa: F401 - the offscreen tests' isolation, reused
        _collect_garbage_after_each_test,
        _isolated_settings,
        _no_automatic_garbage_collection,
        _no_modal_dialogs,
    )

#: the X server's screen: room for the largest window the tests show
SCREEN = (1600, 1000)


@pytest.fixture(scope="session")
def x_display():
    from tests.xwin.xserver import Xvfb, missing

    absent = missing()
    if absent:
        pytest.skip(f"real-window tests need {', '.join(absent)} (make xvfb-libs installs them)")
    with Xvfb(SCREEN) as display:
        os.environ["DISPLAY"] = display
        yield display


@pytest.fixture(scope="session")
def qapp(x_display):
    from pnn_gui.app import make_application

    app = make_application(["pnn-gui"])
    assert app.platformName() == "xcb"
    # a blinking text cursor would repaint twice a second: never settled, and two grabs could
    # catch it in different phases
    app.setCursorFlashTime(0)
    yield app
    app.shutdown()  # off the X server before it stops (Qt would report a broken connection)


@pytest.fixture
def real_window(qapp, qtbot, tmp_path):
    from pnn_gui.main_window import MainWindow
    from pnn_gui.widgets.step_player import SPEEDS
    from tests.xwin.real_window import RealWindow

    made = []

    def make(example: str | None = "fc", size: tuple[int, int] = (1280, 800)) -> RealWindow:
        window = MainWindow()
        qtbot.addWidget(window)
        window.player.set_speed(SPEEDS[-1])  # animations as a user sees them, only shorter
        if example is not None:
            window.load_example(example)
        window.resize(*size)
        window.move(0, 0)
        window.show()
        qtbot.waitExposed(window)
        rw = RealWindow(qapp, window, tmp_path / "pictures")
        made.append(rw)
        rw.pointer_away()
        rw.focus()
        rw.settle()
        return rw

    yield make
    for rw in made:
        rw.close()
