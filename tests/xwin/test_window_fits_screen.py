"""The window opens inside the screen (issue 9: at 1280 x 800 it opened 1400 x 900, the step player
below the screen's edge). ``python main.py`` is started as a user starts it, on an X server of
that size, and the X server is asked where its window is."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6 import QtCore, QtWidgets

from tests.xwin.xserver import Xvfb

ROOT = Path(__file__).resolve().parents[2]
SCREEN = (1280, 800)


def _save_geometry(config: Path, size: tuple[int, int]) -> None:
    """Settings as the app writes them on quitting, with a window of ``size``."""
    window = QtWidgets.QMainWindow()
    window.resize(*size)
    settings = QtCore.QSettings(str(config / "pnn-gui" / "pnn-gui.conf"),
                                QtCore.QSettings.Format.IniFormat)
    settings.setValue("window/geometry", window.saveGeometry())
    settings.sync()
    window.deleteLater()


def _window_geometry(env: dict) -> dict[str, int]:
    def xdotool(*args):
        return subprocess.run(["xdotool", *args], env=env, capture_output=True, text=True,
                              check=True, timeout=60).stdout

    window = xdotool("search", "--sync", "--onlyvisible", "--name", "pnn-gui").split()[0]
    shell = xdotool("getwindowgeometry", "--shell", window)
    return {k: int(v) for k, v in (line.split("=") for line in shell.split())
            if k in ("X", "Y", "WIDTH", "HEIGHT")}


@pytest.mark.parametrize("saved", [None, (1600, 1000)], ids=["first start", "saved larger"])
def test_window_opens_inside_the_screen(qapp, tmp_path, saved):
    config = tmp_path / "config"
    if saved is not None:
        _save_geometry(config, saved)
    with Xvfb(SCREEN) as display:
        env = dict(os.environ, DISPLAY=display, QT_QPA_PLATFORM="xcb", HOME=str(tmp_path),
                   XDG_CONFIG_HOME=str(config))
        app = subprocess.Popen([sys.executable, "main.py"], cwd=ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            g = _window_geometry(env)
        finally:
            app.terminate()
            err = app.communicate(timeout=30)[1].decode(errors="replace")
    width, height = SCREEN
    assert g["X"] >= 0 and g["X"] + g["WIDTH"] <= width, (g, err)
    assert g["Y"] >= 0 and g["Y"] + g["HEIGHT"] <= height, (g, err)
    assert g["WIDTH"] >= width - 100 and g["HEIGHT"] >= height - 100, g  # and uses the room
