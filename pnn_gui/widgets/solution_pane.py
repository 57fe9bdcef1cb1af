"""The worked solution: every step's formula and its numbers, grouped forward / backward.

Public API (the main window drives it; panels need not touch it)::

    pane = SolutionPane()
    pane.set_trace(trace)                 # None clears; trace.note shows at the top
    pane.set_current(k)                   # k steps done: step k highlighted and scrolled to
    pane.step_clicked.connect(state.set_step)   # int k: the user clicked step k's line
    pane.line_text(k) -> str              # what step k's line says (tests)

One QListView over a model: 2,000 steps cost no more widgets than 2.
"""

from __future__ import annotations

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets

from engine.steps import Trace
from pnn_gui.style import NOTE, NOTE_BG, tint
from pnn_gui.widgets.cached_scrollbar import CachedScrollBar

_Role = QtCore.Qt.ItemDataRole
_PHASE_TITLES = {"forward": "Forward pass", "backward": "Backward pass"}
#: longest trace whose lines wrap (beyond, rows are uniform and elided, for speed)
WRAP_LIMIT = 400
_CURRENT = QtGui.QBrush(QtGui.QColor("#fff3c4"))
_HEADER_BG = QtGui.QBrush(QtGui.QColor("#eceff1"))
_DONE_FG = QtGui.QBrush(QtGui.QColor("#222222"))
_TODO_FG = QtGui.QBrush(QtGui.QColor("#8a8a8a"))


class _StepModel(QtCore.QAbstractListModel):
    """Rows are phase headers and steps; ``step_of_row[row]`` is 1-based or 0 for a header."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.trace: Trace | None = None
        self.step_of_row = np.zeros(0, dtype=np.int64)
        self.row_of_step = np.zeros(1, dtype=np.int64)  # index k (1-based) -> row
        self.headers: dict[int, str] = {}
        self.current = 0
        self._bold = QtGui.QFont()
        self._bold.setBold(True)

    def set_trace(self, trace: Trace | None) -> None:
        self.beginResetModel()
        self.trace = trace
        rows: list[int] = []
        self.headers = {}
        row_of_step = [0]
        last_phase = None
        if trace is not None:
            for k, s in enumerate(trace.steps, 1):
                if s.phase != last_phase:
                    self.headers[len(rows)] = _PHASE_TITLES.get(s.phase, s.phase)
                    rows.append(0)
                    last_phase = s.phase
                row_of_step.append(len(rows))
                rows.append(k)
        self.step_of_row = np.asarray(rows, dtype=np.int64)
        self.row_of_step = np.asarray(row_of_step, dtype=np.int64)
        self.endResetModel()

    def rowCount(self, parent=QtCore.QModelIndex()):  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self.step_of_row)

    def flags(self, index):
        f = QtCore.Qt.ItemFlag
        if index.isValid() and self.step_of_row[index.row()] == 0:
            return f.ItemIsEnabled
        return f.ItemIsEnabled | f.ItemIsSelectable

    def text(self, k: int) -> str:
        """Step k's line as :attr:`Step.text` writes it, the formula on a line of its own."""
        s = self.trace.steps[k - 1]
        whole = s.text
        rest = whole[len(s.formula):] if whole.startswith(s.formula) else " = " + whole
        return f"{k}. {s.formula}" + (f"\n    {rest.lstrip()}" if rest else "")

    def data(self, index, role=_Role.DisplayRole):
        if not index.isValid() or self.trace is None:
            return None
        row = index.row()
        k = int(self.step_of_row[row])
        if k == 0:
            if role == _Role.DisplayRole:
                return "\n" + self.headers.get(row, "")
            if role == _Role.FontRole:
                return self._bold
            if role == _Role.BackgroundRole:
                return _HEADER_BG
            return None
        if role == _Role.DisplayRole:
            return self.text(k)
        if role == _Role.ToolTipRole:
            s = self.trace.steps[k - 1]
            tip = f"{s.title}: {s.text}"
            return tip + (f"\n{s.note}" if s.note else "")
        if role == _Role.BackgroundRole and k == self.current:
            return _CURRENT
        if role == _Role.ForegroundRole:
            return _DONE_FG if k <= self.current else _TODO_FG
        if role == _Role.FontRole and k == self.current:
            return self._bold
        return None


class _BoldMeasure(QtWidgets.QStyledItemDelegate):
    """Every row measured as if bold, so the current line (drawn bold) fits the room laid out
    for it: a step change then repaints without Qt re-measuring (re-wrapping) the rows."""

    def sizeHint(self, option, index):
        opt = QtWidgets.QStyleOptionViewItem(option)
        font = QtGui.QFont(opt.font)
        font.setBold(True)
        opt.font = font
        return super().sizeHint(opt, index)


class SolutionPane(QtWidgets.QWidget):
    """Title, the trace's note, and one line per step; see the module docstring."""

    #: the user clicked step k's line (k is 1-based: "show the tensors after step k")
    step_clicked = QtCore.Signal(int)

    def __init__(self, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        title = QtWidgets.QLabel("<b>Worked solution</b>")
        self.note = QtWidgets.QLabel()
        self.note.setObjectName("traceNote")
        self.note.setWordWrap(True)
        tint(self.note, NOTE, NOTE_BG)
        self.note.setContentsMargins(4, 4, 4, 4)
        self.note.setVisible(False)
        self.model = _StepModel(self)
        self.view = QtWidgets.QListView()
        # Fusion repaints a tall scroll bar's gradients in ~2 ms on every scroll (every step)
        self.view.setVerticalScrollBar(CachedScrollBar(QtCore.Qt.Orientation.Vertical))
        self.view.setModel(self.model)
        self.view.setItemDelegate(_BoldMeasure(self.view))
        self.view.setTextElideMode(QtCore.Qt.TextElideMode.ElideRight)
        self._set_wrapping(True)
        self.view.setSpacing(1)
        self.view.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setSelectionMode(QtWidgets.QAbstractItemView.SelectionMode.NoSelection)
        self.view.setHorizontalScrollBarPolicy(QtCore.Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.view.setVerticalScrollMode(QtWidgets.QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.view.setFocusPolicy(QtCore.Qt.FocusPolicy.NoFocus)
        self.view.clicked.connect(self._on_clicked)
        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addWidget(title)
        lay.addWidget(self.note)
        lay.addWidget(self.view, 1)

    def _set_wrapping(self, wrap: bool) -> None:
        """Long lines wrap in a trace of up to :data:`WRAP_LIMIT` steps. Longer traces get
        uniform two-line rows, long lines elided (the tooltip has the whole line), so layout and
        scrolling stay O(1) per step: word wrap makes Qt re-measure every row."""
        self._wrap = wrap
        self._settled = False
        self._pitch = 0  # uniform rows: height + spacing, measured on first use
        self.view.setWordWrap(wrap)
        self.view.setUniformItemSizes(not wrap)

    def set_trace(self, trace: Trace | None) -> None:
        """Show ``trace``'s steps (None clears) and its note, if any, at the top."""
        current = self.model.current
        wrap = trace is None or len(trace) <= WRAP_LIMIT
        if wrap != self._wrap:
            self._set_wrapping(wrap)
        self.model.set_trace(trace)
        self._pitch = 0
        self._settled = False  # laid out (and scrolled) once the event loop has run
        note = trace.note if trace is not None else ""
        self.note.setText(note)
        self.note.setVisible(bool(note))
        self.set_current(min(current, len(trace) if trace is not None else 0), force=True)

    def set_current(self, k: int, force: bool = False) -> None:
        """Highlight step ``k`` (0: none) and scroll it into view."""
        old = self.model.current
        if k == old and not force:
            return
        self.model.current = k
        # colours and weight are read from ``model.current`` at paint time and every row was
        # measured bold: a repaint is enough. dataChanged would make QListView lay out (and
        # re-wrap) every row again on the next visualRect or paint, O(rows) per step.
        if k > 0:
            self._ensure_visible(int(self.model.row_of_step[k]))
        else:
            self.view.scrollToTop()
        self._repaint_between(old, k, force)

    def _repaint_between(self, old: int, new: int, everything: bool) -> None:
        """Repaint the rows from step ``old``'s to step ``new``'s (their colours changed;
        scrolling repaints what it uncovers by itself); all of the viewport when not laid out."""
        viewport = self.view.viewport()
        rows = self.model.row_of_step
        rects = [self.view.visualRect(self.model.index(int(rows[k])))
                 for k in (old, new) if 0 < k < len(rows)]
        if everything or (not self._settled and self._wrap) or not rects \
                or any(r.height() <= 0 for r in rects):
            viewport.update()
            return
        top = min(r.top() for r in rects) - self.view.spacing()
        bottom = max(r.bottom() for r in rects) + self.view.spacing()
        area = QtCore.QRect(0, top, viewport.width(), bottom - top + 1) & viewport.rect()
        if not area.isEmpty():
            viewport.update(area)

    def _ensure_visible(self, row: int) -> None:
        """Scroll so ``row`` shows. Uniform rows: arithmetic on the row pitch measured once per
        trace (QListView's own scrollTo asks the model for its row count thousands of times)."""
        if self._wrap:  # rows of varied height, laid out once per trace: Qt knows where
            self.view.scrollTo(self.model.index(row),
                               QtWidgets.QAbstractItemView.ScrollHint.EnsureVisible)
            if not self._settled:  # a new trace is laid out later: scroll again once it is
                QtCore.QTimer.singleShot(0, self._scroll_to_current)
            return
        if self._pitch <= 0:
            first = self.view.visualRect(self.model.index(0))
            if first.height() <= 0:  # not laid out yet: scroll once it is
                QtCore.QTimer.singleShot(0, self._scroll_to_current)
                return
            self._pitch = first.height() + 2 * self.view.spacing()
        pitch = self._pitch
        bar = self.view.verticalScrollBar()
        top = row * pitch
        height = self.view.viewport().height()
        if top < bar.value():
            bar.setValue(max(0, top - pitch))
        elif top + pitch > bar.value() + height:
            bar.setValue(top + 2 * pitch - height)

    def _scroll_to_current(self) -> None:
        self._settled = True
        k = self.model.current
        if 0 < k < len(self.model.row_of_step):
            self.view.scrollTo(self.model.index(int(self.model.row_of_step[k])),
                               QtWidgets.QAbstractItemView.ScrollHint.EnsureVisible)

    def current(self) -> int:
        return self.model.current

    def line_text(self, k: int) -> str:
        """The text of step k's line (1-based)."""
        return self.model.text(k)

    def index_of_step(self, k: int) -> QtCore.QModelIndex:
        """The model index of step k's line (for tests: ``view.clicked.emit(idx)``)."""
        return self.model.index(int(self.model.row_of_step[k]))

    def _on_clicked(self, index: QtCore.QModelIndex) -> None:
        k = int(self.model.step_of_row[index.row()])
        if k > 0:
            self.step_clicked.emit(k)
