"""The app's look, set in code (palettes and fonts) rather than Qt style sheets, and its one
text size (View → Zoom).

A style sheet — app-wide or on one widget — switches the widgets it touches to
QStyleSheetStyle, which made building and first painting the main window ~20 ms (about 15 %)
slower in benchmarks/gui.py. These helpers give the same colours through palettes.

Text size, one mechanism for the whole window:

- :func:`set_zoom` is the only place that changes it: the application font becomes the desktop's
  font × the zoom (so every widget without a font of its own follows, through Qt), and
  :func:`notifier` emits ``changed``.
- A size in the code is written for 9-point text at 100 % (the default font here) and read
  through :func:`points` (fonts) or :func:`px` (cell sizes, widths tied to text): both scale
  with the desktop's font and the zoom. A widget's own font goes through
  :func:`set_point_size`, which re-applies it on a zoom; anything else that sizes text itself
  (pyqtgraph items, painted labels, table cells) reads :func:`points` / :func:`px` again in a
  method connected with :func:`on_zoom`.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from PySide6 import QtCore, QtGui, QtWidgets

MUTED = "#555555"
FAINT = "#777777"
ERROR = "#c62828"
NOTE = "#8a4b00"
NOTE_BG = "#fff4e0"
SELECTION = "#dbe7f7"
SELECTION_TEXT = "#0d3c78"
SIDEBAR_BG = "#f5f6f8"

_Role = QtGui.QPalette.ColorRole


def tint(widget: QtWidgets.QWidget, color: str, background: str | None = None) -> None:
    """Text colour (and optionally a background) of ``widget``, without a style sheet."""
    pal = widget.palette()
    pal.setColor(_Role.WindowText, QtGui.QColor(color))
    pal.setColor(_Role.Text, QtGui.QColor(color))
    if background is not None:
        pal.setColor(_Role.Window, QtGui.QColor(background))
        widget.setAutoFillBackground(True)
    widget.setPalette(pal)


#: View → Zoom's steps, 10–15 % apart; 1.0 is the desktop's own text size
ZOOMS = (0.7, 0.8, 0.9, 1.0, 1.1, 1.25, 1.4, 1.6, 1.8, 2.0)
#: the text size every size in the code is written for (points)
DESIGN_POINTS = 9.0
_POINTS_PROPERTY = "pnnPoints"


class _Notifier(QtCore.QObject):
    #: the zoom factor, after every widget's font changed
    changed = QtCore.Signal(float)


_state: dict = {"zoom": 1.0, "desktop": None, "notifier": None}


def notifier() -> _Notifier:
    """The object whose ``changed(factor)`` says the zoom changed (one for the application)."""
    if _state["notifier"] is None:
        _state["notifier"] = _Notifier(QtWidgets.QApplication.instance())
    return _state["notifier"]


def on_zoom(slot: Callable[[float], None]) -> None:
    """Call ``slot(factor)`` after each zoom. ``slot`` is a method of a QObject (a widget, a
    pyqtgraph item): the connection goes when that object is deleted."""
    notifier().changed.connect(slot)


def _desktop_font() -> QtGui.QFont:
    """The application's font before any zoom (the desktop's choice)."""
    if _state["desktop"] is None:
        _state["desktop"] = QtGui.QFont(QtWidgets.QApplication.font())
    return _state["desktop"]


def _desktop_points() -> float:
    font = _desktop_font()
    if font.pointSizeF() > 0:
        return font.pointSizeF()
    return font.pixelSize() * 72 / 96  # a desktop that gives its font in pixels


def zoom() -> float:
    """The zoom factor in force (1.0: the desktop's text size)."""
    return _state["zoom"]


def set_zoom(factor: float) -> None:
    """Every text and cell in the application at ``factor`` × the desktop's size (see the module
    docstring); ``factor`` is kept within :data:`ZOOMS`' range."""
    factor = min(max(float(factor), ZOOMS[0]), ZOOMS[-1])
    if factor == _state["zoom"]:
        return
    font = QtGui.QFont(_desktop_font())
    font.setPointSizeF(_desktop_points() * factor)
    _state["zoom"] = factor
    QtWidgets.QApplication.setFont(font)
    # Qt posts the change to every widget: deliver it now, so that what follows (and every
    # on_zoom slot) sees the new fonts
    QtCore.QCoreApplication.sendPostedEvents(None, QtCore.QEvent.Type.ApplicationFontChange)
    for widget in QtWidgets.QApplication.allWidgets():
        design = widget.property(_POINTS_PROPERTY)
        if design is not None:
            _apply_points(widget, float(design))
    notifier().changed.emit(factor)


def scale() -> float:
    """How much larger than the sizes written in the code things are now: the zoom × the
    desktop's text size / :data:`DESIGN_POINTS`."""
    return _state["zoom"] * _desktop_points() / DESIGN_POINTS


def points(design: float) -> float:
    """A font size written for 9-point text at 100 %, as it is now."""
    return design * scale()


def px(design: float) -> int:
    """A length in pixels tied to text (a cell, a column) written for 100 %, as it is now."""
    return round(design * scale())


def font(design: float, bold: bool = False) -> QtGui.QFont:
    """The application's font at ``design`` points (see :func:`points`)."""
    f = QtGui.QFont(QtWidgets.QApplication.font())
    f.setPointSizeF(points(design))
    f.setBold(bold)
    return f


def set_point_size(widget: QtWidgets.QWidget, design: float, bold: bool | None = None) -> None:
    """``widget``'s font at ``design`` points (written for 100 %), kept so on every zoom."""
    widget.setProperty(_POINTS_PROPERTY, float(design))
    if bold is not None:
        f = widget.font()
        f.setBold(bold)
        widget.setFont(f)
    _apply_points(widget, design)


def _apply_points(widget: QtWidgets.QWidget, design: float) -> None:
    f = widget.font()
    f.setPointSizeF(points(design))
    widget.setFont(f)


def style_sidebar(sidebar: QtWidgets.QListWidget) -> None:
    """Larger entries, a light background and a soft selection colour."""
    set_point_size(sidebar, 11)
    sidebar.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
    sidebar.setSpacing(2)
    sidebar.setViewportMargins(6, 6, 0, 0)
    pal = sidebar.palette()
    pal.setColor(_Role.Base, QtGui.QColor(SIDEBAR_BG))
    pal.setColor(_Role.Highlight, QtGui.QColor(SELECTION))
    pal.setColor(_Role.HighlightedText, QtGui.QColor(SELECTION_TEXT))
    sidebar.setPalette(pal)


def swatch(fill: str, text: str = "") -> str:
    """A small box of colour ``fill`` in rich text (QLabel), for legends; ``text`` on it says
    what it is where the colour is close to the background's (``&nbsp;`` keeps it on one
    line)."""
    inside = f"&nbsp;{text}&nbsp;" if text else "&nbsp;" * 4
    return f"<span style='background-color:{fill}'>{inside}</span>"


# Qt breaks a line at a space, and after "/" or a dash even between digits ("(4 + 2·1 − 3)/" ⏎
# "2⌋"): spaces become no-break spaces, the others get a word joiner (U+2060, no width)
_GLUED = str.maketrans({" ": "\u00a0", "/": "/\u2060", "-": "\u2060-\u2060",
                        "–": "\u2060–\u2060", "—": "\u2060—\u2060"})
_TAG = re.compile(r"(<[^>]*>)")


def nowrap(text: str) -> str:
    """``text`` (plain or rich) as one unbreakable piece: a formula, or a legend entry (its
    swatch and its label); rich text breaks only between such pieces. Tags are left alone.
    (Qt's ``white-space: nowrap`` on a span only glues the spaces: it still breaks after "/".)"""
    return "".join(part if part.startswith("<") else part.translate(_GLUED)
                   for part in _TAG.split(text))


def plain(text: str) -> str:
    """What :func:`nowrap` did, undone: ordinary spaces and no word joiners (for comparing text,
    copying it)."""
    return text.replace("\u2060", "").replace("\u00a0", " ")


def box(fill: str, border: str = "#8a8a8a") -> str:
    """A text-sized square of colour ``fill`` outlined in ``border`` (visible even when ``fill``
    is close to the background, white or light grey), in rich text (QLabel), for legends: a "□"
    on ``fill``. Text, so it zooms with the words after it and stays on their line (an inline
    image would not: Qt breaks a line beside one; a "■" stroked with ``-qt-stroke-*`` painted
    differently in a partial repaint on a real screen)."""
    return f"<span style='background-color:{fill}; color:{border}'>□</span>"


def glyph(char: str, color: str) -> str:
    """``char`` (□ for an outline, ━ for a line, ● for a marker) bold in ``color``, rich text."""
    return f"<b style='color:{color}'>{char}</b>"
