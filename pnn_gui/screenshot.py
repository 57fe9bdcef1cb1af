"""``python main.py screenshot NAME [--step N|last] --out FILE.png``: the window, offscreen.

:func:`render` gives the QImage (tests); :func:`screenshot_command` is the CLI's sub-command:
bad input raises ValueError with one clear line (the CLI prints it and exits 2); the PNG is
written atomically.
"""

from __future__ import annotations

import os
import re
import sys
from contextlib import contextmanager

MIN_SIZE = (1280, 800)
#: Qt messages the offscreen platform prints on every shown window; harmless, so a successful
#: screenshot prints nothing (every other message still reaches stderr)
QUIET_MESSAGES = frozenset({"This plugin does not support propagateSizeHints()"})


def parse_size(text: str) -> tuple[int, int]:
    m = re.fullmatch(r"\s*(\d+)\s*[xX×]\s*(\d+)\s*", str(text))
    if not m:
        raise ValueError(f"size: expected WIDTHxHEIGHT such as 1400x900, got {text!r}")
    w, h = int(m.group(1)), int(m.group(2))
    if w < MIN_SIZE[0] or h < MIN_SIZE[1] or w > 8000 or h > 8000:
        raise ValueError(f"size: must be at least {MIN_SIZE[0]}x{MIN_SIZE[1]} (and at most "
                         f"8000x8000), got {w}x{h}")
    return w, h


def parse_step(text, n: int, name: str) -> int:
    """'last' -> n; an int 0..n; anything else a ValueError naming the range."""
    t = str(text).strip().lower()
    if t == "last":
        return n
    try:
        k = int(t)
    except ValueError:
        raise ValueError(f"step: expected a number from 0 to {n} or 'last', got {text!r}") \
            from None
    if not 0 <= k <= n:
        raise ValueError(f"step: example {name} has {n} steps; expected 0 to {n} or 'last', "
                         f"got {k}")
    return k


def render(name: str, step="last", size: tuple[int, int] = (1400, 900), digits: int = 4):
    """The main window with example ``name`` at ``step``, its numbers written with ``digits``
    significant digits, rendered offscreen (a QImage)."""
    from engine import examples
    from engine.steps import check_digits

    digits = check_digits(digits)
    if name not in examples.NAMES:
        raise ValueError(f"unknown example {name!r}; choose one of: {', '.join(examples.NAMES)}")
    w, h = size
    if w < MIN_SIZE[0] or h < MIN_SIZE[1]:
        raise ValueError(f"size: must be at least {MIN_SIZE[0]}x{MIN_SIZE[1]}, got {w}x{h}")
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from pnn_gui.app import make_application
    from pnn_gui.main_window import MainWindow

    app = make_application(["pnn-gui"])
    with quiet_qt_messages():
        return _grab(app, MainWindow, name, step, w, h, digits)


def _grab(app, window_class, name: str, step, w: int, h: int, digits: int = 4):
    window = window_class(settings=False)
    try:
        window.set_animations_enabled(False)
        window.set_precision(digits)
        window.resize(w, h)
        window.load_example(name)
        panel = window.current_panel()
        k = parse_step(step, panel.state.n_steps, name)
        window.show()
        app.processEvents()
        panel.state.set_step(k)
        for _ in range(3):
            app.processEvents()
        image = window.grab().toImage()
    finally:
        window.set_saved()  # a screenshot never asks about saving
        window.close()
        window.deleteLater()
        app.processEvents()
    return image


@contextmanager
def quiet_qt_messages(quiet=QUIET_MESSAGES):
    """Drop the Qt messages in ``quiet``; pass every other one to the handler that was
    installed before (pytest-qt's in tests) or, with none, to stderr as Qt would write it."""
    from PySide6 import QtCore

    def handler(mode, context, message):
        if message in quiet:
            return
        if previous is not None:
            previous(mode, context, message)
        else:
            sys.stderr.write(QtCore.qFormatLogMessage(mode, context, message) + "\n")

    previous = QtCore.qInstallMessageHandler(handler)
    try:
        yield
    finally:
        QtCore.qInstallMessageHandler(previous)


def screenshot_command(args) -> int:
    from engine import export

    size = parse_size(args.size)
    image = render(args.name, args.step, size, int(args.digits))
    from pnn_gui.file_actions import png_bytes

    export.write_bytes_atomic(args.out, png_bytes(image))
    return 0
