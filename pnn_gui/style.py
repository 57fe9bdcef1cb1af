"""The app's look, set in code (palettes and fonts) rather than Qt style sheets.

A style sheet — app-wide or on one widget — switches the widgets it touches to
QStyleSheetStyle, which made building and first painting the main window ~20 ms (about 15 %)
slower in benchmarks/gui.py. These helpers give the same colours through palettes.
"""

from __future__ import annotations

from PySide6 import QtGui, QtWidgets

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


def set_point_size(widget: QtWidgets.QWidget, points: float, bold: bool | None = None) -> None:
    font = widget.font()
    font.setPointSizeF(points)
    if bold is not None:
        font.setBold(bold)
    widget.setFont(font)


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


def glyph(char: str, color: str) -> str:
    """``char`` (□ for an outline, ━ for a line, ● for a marker) bold in ``color``, rich text."""
    return f"<b style='color:{color}'>{char}</b>"
