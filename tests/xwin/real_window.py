"""The main window on a real X server, driven as a user drives it and read back as a user sees it.

- Input goes through the X server: ``keys("Home")`` and ``click(widget, point)`` run xdotool
  (XTEST events to the focused window), then wait until Qt has received them.
- ``settle()`` runs the event loop until nothing has painted for :data:`QUIET` seconds (a step's
  animation, Qt's delayed relayouts and zero-delay timers included), so no test sleeps a fixed time.
- ``grab()`` reads the window's pixels from the X server (``QScreen.grabWindow``), i.e. what Qt
  actually sent after repainting only what it thought had changed; ``grab_repainted()`` repaints
  every widget first. Where the two differ, the screen shows stale paint: ``assert_no_stale_paint``
  fails with the count and bounding box of the differing pixels and saves both pictures.

The window keeps its focus (and so its active palette) throughout: it is never unmapped, so the
second grab differs from the first only by what a full repaint changes (QT-NOTES.md).
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets

#: seconds without a paint after which the window counts as settled (Qt's own delayed work:
#: QListView lays wrapped rows out 100 ms after a resize)
QUIET = 0.15
_PAINTS = (QtCore.QEvent.Type.Paint, QtCore.QEvent.Type.UpdateRequest)
_INPUT_DONE = (QtCore.QEvent.Type.KeyRelease, QtCore.QEvent.Type.MouseButtonRelease)


class _Watch(QtCore.QObject):
    """Application-wide: when something last painted, which key / button releases arrived."""

    def __init__(self):
        super().__init__()
        self.last_paint = time.monotonic()
        self.released: set[tuple[int, int]] = set()  # (event type, X server timestamp)

    def eventFilter(self, obj, event):
        kind = event.type()
        if kind in _PAINTS:
            self.last_paint = time.monotonic()
        elif kind in _INPUT_DONE:  # (seen once per widget it propagates to: keep distinct)
            self.released.add((int(kind.value), event.timestamp()))
        return False


def xdotool(*args: str) -> None:
    subprocess.run(["xdotool", *args], check=True, capture_output=True, timeout=30)


def pixels(image: QtGui.QImage) -> np.ndarray:
    """``image`` as an (h, w) array of 0xRRGGBB."""
    image = image.convertToFormat(QtGui.QImage.Format.Format_RGB32)
    rows = np.frombuffer(image.constBits(), dtype=np.uint32).reshape(
        image.height(), image.bytesPerLine() // 4)
    return rows[:, :image.width()] & 0xFFFFFF


def differing(a: QtGui.QImage, b: QtGui.QImage) -> tuple[int, QtCore.QRect]:
    """How many pixels differ between ``a`` and ``b``, and the rectangle holding them."""
    if a.size() != b.size():
        return max(a.width() * a.height(), b.width() * b.height()), QtCore.QRect()
    ys, xs = np.nonzero(pixels(a) != pixels(b))
    if len(xs) == 0:
        return 0, QtCore.QRect()
    return len(xs), QtCore.QRect(QtCore.QPoint(xs.min(), ys.min()),
                                 QtCore.QPoint(xs.max(), ys.max()))


class RealWindow:
    """``window`` (shown, focused, at the screen's top-left) with the operations above."""

    def __init__(self, app: QtWidgets.QApplication, window: QtWidgets.QMainWindow,
                 pictures: Path):
        self.app = app
        self.window = window
        self.pictures = pictures  # where assert_no_stale_paint leaves what it compared
        self._watch = _Watch()
        app.installEventFilter(self._watch)

    def close(self) -> None:
        self.app.removeEventFilter(self._watch)

    # -- time -----------------------------------------------------------------------------------
    def settle(self, timeout: float = 10.0) -> None:
        """Run the event loop until nothing has painted for :data:`QUIET` seconds."""
        start = time.monotonic()
        self._watch.last_paint = max(self._watch.last_paint, start)
        while time.monotonic() - self._watch.last_paint < QUIET:
            if time.monotonic() - start > timeout:
                raise AssertionError(f"the window still paints after {timeout} s")
            self.app.processEvents(QtCore.QEventLoop.ProcessEventsFlag.AllEvents, 10)
            time.sleep(0.002)

    def _wait_for_input(self, count: int, send) -> None:
        """Run ``send()`` (xdotool), then the event loop until ``count`` more releases arrived."""
        before = len(self._watch.released)
        send()
        deadline = time.monotonic() + 10
        while len(self._watch.released) < before + count:
            if time.monotonic() > deadline:
                raise AssertionError("the X server's input did not reach the window in 10 s")
            self.app.processEvents(QtCore.QEventLoop.ProcessEventsFlag.AllEvents, 10)

    # -- input ----------------------------------------------------------------------------------
    def focus(self) -> None:
        """Give the window the X input focus and wait until Qt calls it active."""
        xdotool("windowfocus", "--sync", str(int(self.window.winId())))
        deadline = time.monotonic() + 10
        while QtWidgets.QApplication.activeWindow() is not self.window:
            if time.monotonic() > deadline:
                raise AssertionError("the window did not become active")
            self.app.processEvents(QtCore.QEventLoop.ProcessEventsFlag.AllEvents, 10)

    def keys(self, *names: str) -> None:
        """Press and release each key (xdotool's names: Home, End, Right, alt+e, …), then
        settle."""
        for name in names:
            self._wait_for_input(1, lambda name=name: xdotool("key", name))
        self.settle()

    def click(self, widget: QtWidgets.QWidget, point: QtCore.QPoint) -> None:
        """A left click at ``point`` of ``widget``; the pointer then leaves the window (no hover
        effects or tooltips in what is grabbed), and the window settles."""
        at = widget.mapToGlobal(point)
        self._wait_for_input(1, lambda: xdotool("mousemove", str(at.x()), str(at.y()),
                                                "click", "1"))
        self.pointer_away()
        self.settle()

    def pointer_away(self) -> None:
        screen = self.window.screen().geometry()
        xdotool("mousemove", str(screen.right()), str(screen.bottom()))

    # -- pixels ---------------------------------------------------------------------------------
    def grab(self) -> QtGui.QImage:
        """The window's pixels as the X server has them."""
        g = self.window.frameGeometry()
        return self.window.screen().grabWindow(0, g.x(), g.y(), g.width(), g.height()).toImage()

    def grab_repainted(self) -> QtGui.QImage:
        """The window's pixels after every widget was repainted (``window.repaint()`` alone
        leaves the children's viewports as they were: measured here, it hid issue 9's stale
        lines)."""
        for widget in [self.window, *self.window.findChildren(QtWidgets.QWidget)]:
            widget.update()
        self.settle()
        return self.grab()

    def grab_steady(self, timeout: float = 5.0) -> QtGui.QImage:
        """The window's pixels once two grabs a settle apart agree: on a busy machine a timer's
        repaint can come later than :data:`QUIET` after the last paint (seen once, with the
        engine tests and three other jobs on both cores). What is still there after that is
        what a user keeps seeing."""
        shown = self.grab()
        deadline = time.monotonic() + timeout
        while True:
            self.settle()
            again = self.grab()
            if differing(shown, again)[0] == 0 or time.monotonic() > deadline:
                return again
            shown = again

    def assert_no_stale_paint(self, what: str) -> None:
        """The screen, once steady, equals a full repaint of the window, pixel for pixel."""
        shown = self.grab_steady()
        repainted = self.grab_repainted()
        count, box = differing(shown, repainted)
        if count:
            self.pictures.mkdir(parents=True, exist_ok=True)
            stem = self.pictures / "".join(c if c.isalnum() else "-" for c in what)
            shown.save(f"{stem}.png")
            repainted.save(f"{stem}-repainted.png")
            raise AssertionError(
                f"{what}: {count} pixels on screen differ from a full repaint, within x "
                f"{box.left()}..{box.right()}, y {box.top()}..{box.bottom()} of the window "
                f"(pictures: {stem}.png, {stem}-repainted.png)")
