"""Starts the app (placeholder until the main window lands)."""

from __future__ import annotations

import sys


def run_app() -> int:
    from PySide6 import QtWidgets

    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(sys.argv)
    label = QtWidgets.QLabel("pnn-gui: the main window is coming.")
    label.resize(480, 120)
    label.show()
    return app.exec()
