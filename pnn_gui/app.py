"""Starts the app: the QApplication, the style sheet, the main window."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path

STYLE_SHEET = Path(__file__).resolve().parent.parent / "resources" / "style.qss"


def make_application(argv: list[str] | None = None):
    """The QApplication (created once), named and styled."""
    from PySide6 import QtWidgets

    app = QtWidgets.QApplication.instance()
    if app is None:
        app = QtWidgets.QApplication(list(sys.argv if argv is None else argv))
        app.setApplicationName("pnn-gui")
        app.setOrganizationName("pnn-gui")
        app.setStyle("Fusion")
        with contextlib.suppress(OSError):  # the app works unstyled
            app.setStyleSheet(STYLE_SHEET.read_text(encoding="utf-8"))
    return app


def build(argv: list[str] | None = None):
    """``(app, window)``: everything :func:`run_app` does except entering the event loop."""
    app = make_application(argv)
    from pnn_gui.main_window import MainWindow

    window = MainWindow()
    return app, window


def run_app() -> int:
    app, window = build()
    window.show()
    return app.exec()
