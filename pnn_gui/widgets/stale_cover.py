"""A pale veil with a short note over a widget whose results are out of date.

While a panel's inputs do not compute, its views and the worked solution still show the last
good results; :class:`StaleCover` dims them and says so, one mechanism for every view (heatmaps,
the LSTM timeline, the autodiff graph, the Conv2D views, the solution pane). The cover is a
child widget laid over its target: it follows the target's size, lets every mouse event through
(hovering still shows exact values), and paints nothing while there is no note.
"""

from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets

from pnn_gui import style

#: the veil: white at this opacity over the results (0 clear .. 255 white)
VEIL_ALPHA = 165


class StaleCover(QtWidgets.QWidget):
    """Dims ``target`` and shows a note at its top while :meth:`set_note` has a text."""

    def __init__(self, target: QtWidgets.QWidget):
        super().__init__(target)
        self.setAttribute(QtCore.Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self._note = QtWidgets.QLabel(self)
        self._note.setObjectName("staleNote")
        self._note.setWordWrap(True)
        self._note.setAlignment(QtCore.Qt.AlignmentFlag.AlignCenter)
        self._note.setMargin(6)
        style.tint(self._note, style.NOTE, style.NOTE_BG)
        style.set_point_size(self._note, 10, bold=True)
        target.installEventFilter(self)
        self.hide()

    def set_note(self, text: str) -> None:
        """Dim the target with ``text`` over it; ``""`` uncovers it."""
        if not text:
            self.hide()
            return
        self._note.setText(text)
        self._fit()
        self.raise_()  # above children the target gained since
        self.show()

    def note(self) -> str:
        return self._note.text() if self.isVisible() else ""

    def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:
        if event.type() == QtCore.QEvent.Type.Resize and self.isVisible():
            self._fit()
        return False

    def _fit(self) -> None:
        rect = self.parentWidget().rect()
        self.setGeometry(rect)
        # one line when it fits, else wrapped to the target's width
        one_line = (self._note.fontMetrics().horizontalAdvance(self._note.text())
                    + 2 * self._note.margin() + 4)
        width = max(min(one_line, rect.width() - 16), 80)
        self._note.resize(width, self._note.heightForWidth(width))
        self._note.move((rect.width() - self._note.width()) // 2, 8)

    def paintEvent(self, event: QtGui.QPaintEvent) -> None:
        p = QtGui.QPainter(self)
        p.fillRect(event.rect(), QtGui.QColor(255, 255, 255, VEIL_ALPHA))
