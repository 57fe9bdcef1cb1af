"""The screenshot command: in-process render() and the real CLI in a subprocess."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6 import QtGui

from pnn_gui import screenshot

ROOT = Path(__file__).resolve().parents[2]


def _run(*args, cwd):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *args], capture_output=True,
                          text=True, timeout=120, cwd=cwd, env=env)


def test_render_size_and_step(qtbot):
    img = screenshot.render("fc", 5, (1280, 800))
    assert (img.width(), img.height()) == (1280, 800)
    assert not img.isNull()


def test_parse_step_and_size():
    assert screenshot.parse_step("last", 14, "fc") == 14
    assert screenshot.parse_step("0", 14, "fc") == 0
    with pytest.raises(ValueError, match="fc has 14 steps"):
        screenshot.parse_step("15", 14, "fc")
    with pytest.raises(ValueError, match="step: expected a number"):
        screenshot.parse_step("five", 14, "fc")
    assert screenshot.parse_size("1400x900") == (1400, 900)
    with pytest.raises(ValueError, match="at least 1280x800"):
        screenshot.parse_size("800x600")
    with pytest.raises(ValueError, match="WIDTHxHEIGHT"):
        screenshot.parse_size("big")


def test_screenshot_command_writes_png(tmp_path):
    (tmp_path / "tmp").mkdir()
    proc = _run("screenshot", "fc", "--step", "5", "--out", "tmp/x.png", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    img = QtGui.QImage(str(tmp_path / "tmp" / "x.png"))
    assert not img.isNull()
    assert img.width() >= 1280 and img.height() >= 800
    assert proc.stderr == ""                      # a success prints nothing (not even Qt's
    assert proc.stdout == ""                      # offscreen propagateSizeHints notice)


def test_quiet_qt_messages_drops_only_the_listed_ones(tmp_path):
    code = ("from PySide6 import QtCore\n"
            "from pnn_gui.screenshot import quiet_qt_messages\n"
            "with quiet_qt_messages():\n"
            "    QtCore.qWarning('This plugin does not support propagateSizeHints()')\n"
            "    QtCore.qWarning('something else went wrong')\n"
            "QtCore.qWarning('This plugin does not support propagateSizeHints()')\n")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, cwd=tmp_path, env=env)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stderr.splitlines()
    # the other warning passes through; outside the block Qt's own handler is back
    assert lines == ["something else went wrong",
                     "This plugin does not support propagateSizeHints()"], proc.stderr


@pytest.mark.parametrize("args, words", [
    (("screenshot", "nope", "--out", "x.png"), "nope"),
    (("screenshot", "fc", "--step", "99", "--out", "x.png"), "14 steps"),
    (("screenshot", "fc", "--size", "640x480", "--out", "x.png"), "at least 1280x800"),
])
def test_screenshot_command_bad_input_exits_2_with_one_line(tmp_path, args, words):
    proc = _run(*args, cwd=tmp_path)
    assert proc.returncode == 2
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert words in lines[0]
    assert not (tmp_path / "x.png").exists()
