"""Starts the app: the QApplication and the main window."""

from __future__ import annotations

import os
import sys


def make_application(argv: list[str] | None = None):
    """The QApplication (created once), named, in the Fusion style (colours: pnn_gui.style)."""
    from PySide6 import QtWidgets

    app = QtWidgets.QApplication.instance()
    if app is None:
        app = QtWidgets.QApplication(list(sys.argv if argv is None else argv))
        app.setApplicationName("pnn-gui")
        app.setOrganizationName("pnn-gui")
        app.setStyle("Fusion")
        collect_garbage_on_gui_thread(app)
    return app


def collect_garbage_on_gui_thread(app) -> None:
    """Python's cyclic garbage collector, left automatic, runs at whatever allocation crosses its
    threshold: inside Qt code that holds Qt's signal mutex (seen here: a test run hung for good in
    ``QObject::disconnect`` when a collection destroyed a leftover QMenu), or on the solver's
    worker thread (pnn_gui.compute), where destroying a Qt object is not allowed. So automatic
    collection is off and pyqtgraph's ``GarbageCollector`` collects from a timer on the GUI thread,
    between events, where it is safe. The tests do the same between tests (tests/gui/conftest.py).
    """
    from pyqtgraph.util.garbage_collector import GarbageCollector

    app._pnn_garbage_collector = GarbageCollector(interval=1.0)  # kept alive by the app


def build(argv: list[str] | None = None, **window_options):
    """``(app, window)``: the application and the main window (``window_options`` as MainWindow
    takes them), not shown yet."""
    app = make_application(argv)
    from pnn_gui.main_window import MainWindow

    window = MainWindow(**window_options)
    return app, window


def fit_to_screen(window, area=None) -> bool:
    """Shrink ``window`` to ``area`` (default: its screen's available geometry, the desktop
    without its panels) and move it inside, so the step player at its bottom is on screen; a
    window that fits, at its default size or its saved geometry, is left alone. True when it had
    to shrink."""
    area = window.screen().availableGeometry() if area is None else area
    size = window.size().boundedTo(area.size())
    shrunk = size != window.size()
    if shrunk:
        window.resize(size)
    size = window.size()  # (a minimum size may keep it larger)
    x = max(area.left(), min(window.x(), area.right() + 1 - size.width()))
    y = max(area.top(), min(window.y(), area.bottom() + 1 - size.height()))
    if (x, y) != (window.x(), window.y()):
        window.move(x, y)
    return shrunk


def install_error_hook(window) -> None:
    """An unexpected error (a bug) in a slot shows a message instead of dying silently; the
    traceback goes to stderr for the bug report. Inputs are never touched by it."""
    import traceback

    from PySide6 import QtWidgets

    showing = []

    def hook(exc_type, exc, tb):
        traceback.print_exception(exc_type, exc, tb, file=sys.stderr)
        if showing:  # one box at a time, even if every repaint fails
            return
        showing.append(True)
        try:
            QtWidgets.QMessageBox.critical(
                window, "Unexpected error",
                f"{exc_type.__name__}: {exc}\n\nThis is a bug in pnn-gui (details on the "
                "terminal). Your inputs are unchanged; saving the session is safe.")
        finally:
            showing.clear()

    sys.excepthook = hook


def check_display(environ=None, platform: str | None = None) -> None:
    """On Linux without X11 / Wayland (and no QT_QPA_PLATFORM), Qt would abort with a fatal
    message; say it in one line instead (the CLI prints it and exits 2)."""
    env = os.environ if environ is None else environ
    platform = sys.platform if platform is None else platform
    if not platform.startswith("linux"):
        return
    if env.get("QT_QPA_PLATFORM") or env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"):
        return
    raise ValueError("no display to open a window on (DISPLAY and WAYLAND_DISPLAY are unset); "
                     "run it on a desktop, under xvfb-run, or use `python main.py screenshot`")


def run_app() -> int:
    check_display()
    app, window = build()
    install_error_hook(window)
    if fit_to_screen(window):
        window.showMaximized()  # a window manager fits it, title bar included, to the desktop
    else:
        window.show()
    return app.exec()
