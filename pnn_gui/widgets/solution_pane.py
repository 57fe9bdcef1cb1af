"""The worked solution: every step's formula and its numbers, grouped forward / backward.

- One row per phase header and per step; step k's line is :attr:`Step.text` with the formula on
  a line of its own (``line_text(k)``). A step with a :attr:`Step.sheet_note` (where exercise
  sheet 4's printed solution differs) has one more row right under it: the note, marked
  :data:`SHEET_MARK`, in its own colours (:data:`SHEET_FG` on :data:`SHEET_BG`, whatever the
  step); clicking it is clicking its step. (A mark in the text, not an icon: with a decoration
  Qt measures a wrapped row a few pixels wider than it paints it, and the note lost its middle.)
- ``current()`` is k, the number of steps done: step k's row has the current background, steps
  1..k are written dark ("done") with their numbers, the rest grey with their formula only (the
  student thinks before the numbers show); a sheet note shows with its step, and before it its
  row says only that the sheet differs there and at which step (:func:`sheet_placeholder`, no
  numbers, muted: :data:`SHEET_TODO_FG` on :data:`SHEET_TODO_BG`). What a row says
  and its colours are read from the model when Qt paints it, and nothing about a row's size
  depends on k: every row is measured with its whole text (its display role; a note row with
  the longer of its note and its placeholder), a line not reached yet leaves blank the room its
  numbers will take (:data:`SHOWN_TEXT_ROLE` is what it
  shows), and a step change repaints the list's viewport (its visible rows) and never lays a
  row out again.
- Qt's own delegate measures and paints the rows (told only to paint the shown text).
  Up to :data:`WRAP_LIMIT` steps the lines wrap to the pane's width, each row as tall as its
  whole text, so every line shows whole. Longer traces get uniform two-line rows (laying out and
  scrolling cost O(1) per step) in which a line too wide for the pane loses its middle, never its
  result; its tooltip holds all of it.

Public API (the main window drives it; panels need not touch it)::

    pane = SolutionPane()
    pane.set_trace(trace)                 # None clears; trace.note shows at the top
    pane.set_current(k)                   # k steps done: step k highlighted and scrolled to
    pane.step_clicked.connect(state.set_step)   # int k: the user clicked step k's line
    pane.line_text(k) -> str              # step k's whole line (once reached)
    pane.shown_text(k) -> str             # what step k's line shows now (formula only before)
    pane.index_of_sheet_note(k)           # the model index of step k's sheet note (invalid: none)
    pane.set_limit(k)                     # practice: only steps 1..k have a line (None: all)
    pane.shown_steps() -> int             # how many step lines there are
"""

from __future__ import annotations

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets

from engine.steps import Trace
from pnn_gui import style
from pnn_gui.style import NOTE, NOTE_BG, tint

_Role = QtCore.Qt.ItemDataRole
_PHASE_TITLES = {"forward": "Forward pass", "backward": "Backward pass"}
#: longest trace whose lines wrap (beyond, rows are uniform, for speed)
WRAP_LIMIT = 400
CURRENT_BG = QtGui.QColor("#fff3c4")
HEADER_BG = QtGui.QColor("#eceff1")
DONE_FG = QtGui.QColor("#222222")
TODO_FG = QtGui.QColor("#8a8a8a")
#: a sheet note's text and background: apart from the step colours, the current step's yellow
#: and the trace note's orange
SHEET_FG = QtGui.QColor("#5b1f8a")
SHEET_BG = QtGui.QColor("#f3ebfa")
SHEET_MARK = "⚑ "
#: a sheet note's row before its step is reached: the note's colours, muted
SHEET_TODO_FG = QtGui.QColor("#9c80b8")
SHEET_TODO_BG = QtGui.QColor("#faf7fc")
_HEADER_FLAGS = QtCore.Qt.ItemFlag.ItemIsEnabled
_STEP_FLAGS = QtCore.Qt.ItemFlag.ItemIsEnabled | QtCore.Qt.ItemFlag.ItemIsSelectable
#: what a row shows now (its display role is its whole text, which its size is measured with)
SHOWN_TEXT_ROLE = _Role.UserRole + 1
_TOP_LEFT = QtCore.Qt.AlignmentFlag.AlignLeft | QtCore.Qt.AlignmentFlag.AlignTop


def sheet_placeholder(k: int) -> str:
    """What the row of step k's sheet note says before step k is reached (no numbers: the
    student has not worked the step yet)."""
    return f"{SHEET_MARK}The sheet's printed solution differs here — shown at step {k}"


class _StepModel(QtCore.QAbstractListModel):
    """Rows are phase headers, steps and sheet notes; ``step_of_row[row]`` is the 1-based step
    of a step's row and of its note's row (``is_note[row]``), 0 for a header."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.trace: Trace | None = None
        self.step_of_row = np.zeros(0, dtype=np.int64)
        self.is_note = np.zeros(0, dtype=bool)
        self.row_of_step = np.zeros(1, dtype=np.int64)  # index k (1-based) -> row
        self.headers: dict[int, str] = {}
        self.current = 0
        self.limit: int | None = None  # steps with a row (practice); None: all
        self._lines: list[str | None] = []  # row -> its text, made on first use
        self._bold = style.font(style.DESIGN_POINTS, bold=True)
        style.on_zoom(self._on_zoom)
        self._brushes = {c.name(): QtGui.QBrush(c)
                         for c in (CURRENT_BG, HEADER_BG, DONE_FG, TODO_FG, SHEET_FG, SHEET_BG,
                                   SHEET_TODO_FG, SHEET_TODO_BG)}

    def _on_zoom(self, _factor: float) -> None:
        self._bold = style.font(style.DESIGN_POINTS, bold=True)  # the headers' (View → Zoom)

    def set_trace(self, trace: Trace | None) -> None:
        self.beginResetModel()
        self.trace = trace
        rows: list[int] = []
        notes: list[bool] = []
        self.headers = {}
        row_of_step = [0]
        last_phase = None
        if trace is not None:
            for k, s in enumerate(trace.steps, 1):
                if s.phase != last_phase:
                    self.headers[len(rows)] = _PHASE_TITLES.get(s.phase, s.phase)
                    rows.append(0)
                    notes.append(False)
                    last_phase = s.phase
                row_of_step.append(len(rows))
                rows.append(k)
                notes.append(False)
                if s.sheet_note:
                    rows.append(k)
                    notes.append(True)
        self.step_of_row = np.asarray(rows, dtype=np.int64)
        self.is_note = np.asarray(notes, dtype=bool)
        self.row_of_step = np.asarray(row_of_step, dtype=np.int64)
        self._lines = [None] * len(rows)
        self.endResetModel()

    def rowCount(self, parent=QtCore.QModelIndex()):  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else self._rows_for(self.limit)

    def _rows_for(self, limit: int | None) -> int:
        """Rows shown when steps 1..limit have a line: the rows up to step limit's, and its
        sheet note under it."""
        if limit is None:
            return len(self.step_of_row)
        k = min(limit, len(self.row_of_step) - 1)
        if k <= 0:
            return 0
        rows = int(self.row_of_step[k]) + 1
        while rows < len(self.step_of_row) and self.is_note[rows]:
            rows += 1
        return rows

    def set_limit(self, limit: int | None) -> None:
        """Only steps 1..limit have a row (None: every step); rows come and go, nothing else
        is laid out again."""
        old, new = self._rows_for(self.limit), self._rows_for(limit)
        root = QtCore.QModelIndex()
        if new > old:
            self.beginInsertRows(root, old, new - 1)
            self.limit = limit
            self.endInsertRows()
        elif new < old:
            self.beginRemoveRows(root, new, old - 1)
            self.limit = limit
            self.endRemoveRows()
        else:
            self.limit = limit

    def flags(self, index):
        if index.isValid() and self.step_of_row[index.row()] == 0:
            return _HEADER_FLAGS
        return _STEP_FLAGS

    def text(self, k: int) -> str:
        """Step k's line as :attr:`Step.text` writes it, the formula on a line of its own."""
        s = self.trace.steps[k - 1]
        whole = s.text
        rest = whole[len(s.formula):] if whole.startswith(s.formula) else " = " + whole
        return f"{k}. {s.formula}" + (f"\n    {rest.lstrip()}" if rest else "")

    def shown(self, row: int) -> str:
        """Row ``row``'s text as it shows at the current step: a step not reached yet shows
        its formula only (the start of its whole text) and its sheet note's row the
        placeholder."""
        k = int(self.step_of_row[row])
        if not k or k <= self.current:
            return self.line(row)
        if self.is_note[row]:
            return sheet_placeholder(k)
        return f"{k}. {self.trace.steps[k - 1].formula}"

    def line(self, row: int) -> str:
        """Row ``row``'s text as shown (a header's, :meth:`text` or a sheet note), made once
        per trace."""
        got = self._lines[row]
        if got is None:
            k = int(self.step_of_row[row])
            if not k:
                got = "\n" + self.headers.get(row, "")
            elif self.is_note[row]:
                got = SHEET_MARK + self.trace.steps[k - 1].sheet_note
            else:
                got = self.text(k)
            self._lines[row] = got
        return got

    def data(self, index, role=_Role.DisplayRole):
        if not index.isValid() or self.trace is None:
            return None
        row = index.row()
        if role == _Role.DisplayRole:  # what the row is measured with
            line = self.line(row)
            if self.is_note[row]:
                return max(line, sheet_placeholder(int(self.step_of_row[row])), key=len)
            return line
        if role == SHOWN_TEXT_ROLE:
            return self.shown(row)
        k = int(self.step_of_row[row])
        if k and role == _Role.TextAlignmentRole:  # (the numbers come below the formula)
            return _TOP_LEFT
        if k == 0:  # a phase header
            if role == _Role.FontRole:
                return self._bold
            if role == _Role.BackgroundRole:
                return self._brushes[HEADER_BG.name()]
            return None
        reached = k <= self.current
        if self.is_note[row]:  # the sheet's note under step k (its placeholder before)
            if role == _Role.ForegroundRole:
                return self._brushes[(SHEET_FG if reached else SHEET_TODO_FG).name()]
            if role == _Role.BackgroundRole:
                return self._brushes[(SHEET_BG if reached else SHEET_TODO_BG).name()]
            if role == _Role.ToolTipRole:
                return (self.line(row) if reached else
                        f"Where the sheet's printed solution differs; the note shows at step {k}.")
            return None
        if role == _Role.ForegroundRole:
            return self._brushes[(DONE_FG if reached else TODO_FG).name()]
        if role == _Role.BackgroundRole and k == self.current:
            return self._brushes[CURRENT_BG.name()]
        if role == _Role.ToolTipRole:
            s = self.trace.steps[k - 1]
            if not reached:
                return f"{s.title}: {s.formula} (its numbers show when the step is reached)"
            return f"{s.title}: {s.text}" + (f"\n{s.note}" if s.note else "")
        return None


class _ShownTextDelegate(QtWidgets.QStyledItemDelegate):
    """Qt's own delegate: it measures a row by its whole text (the display role) and paints
    what the row shows now (:data:`SHOWN_TEXT_ROLE`), so a row never changes size when the
    step does. (The painting is QStyledItemDelegate.paint's, with the shown text in the
    style option.)"""

    def paint(self, painter, option, index):
        opt = QtWidgets.QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        shown = index.data(SHOWN_TEXT_ROLE)
        if shown is not None:
            opt.text = self.displayText(shown, opt.locale)
        style = opt.widget.style() if opt.widget is not None else QtWidgets.QApplication.style()
        style.drawControl(QtWidgets.QStyle.ControlElement.CE_ItemViewItem, opt, painter,
                          opt.widget)


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
        self.view.setModel(self.model)
        self.view.setItemDelegate(_ShownTextDelegate(self.view))
        # a line too long for a uniform row keeps its formula and its result
        self.view.setTextElideMode(QtCore.Qt.TextElideMode.ElideMiddle)
        self._set_wrapping(True)
        self.view.setSpacing(1)
        self.view.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setSelectionMode(QtWidgets.QAbstractItemView.SelectionMode.NoSelection)
        self.view.setHorizontalScrollBarPolicy(QtCore.Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.view.setVerticalScrollMode(QtWidgets.QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.view.setFocusPolicy(QtCore.Qt.FocusPolicy.NoFocus)
        self.view.clicked.connect(self._on_clicked)
        style.on_zoom(self._on_zoom)  # (after the model's: its headers' font first)
        #: practice: says how many steps are hidden below the revealed ones
        self.hidden_note = QtWidgets.QLabel()
        self.hidden_note.setObjectName("hiddenSteps")
        self.hidden_note.setWordWrap(True)
        tint(self.hidden_note, TODO_FG.name())
        self.hidden_note.setVisible(False)
        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addWidget(title)
        lay.addWidget(self.note)
        lay.addWidget(self.view, 1)
        lay.addWidget(self.hidden_note)

    def _on_zoom(self, _factor: float) -> None:
        """Rows at the new text size (laid out now, not after Qt's delay) with the current
        step's line still in view."""
        self.view.doItemsLayout()
        self._scroll_to_current()

    def _set_wrapping(self, wrap: bool) -> None:
        """Wrapped rows of their own heights, or uniform unwrapped rows (see the module
        docstring): with word wrap Qt measures every row of a new trace."""
        self.view.setWordWrap(wrap)
        self.view.setUniformItemSizes(not wrap)

    def set_trace(self, trace: Trace | None) -> None:
        """Show ``trace``'s steps (None clears) and its note, if any, at the top."""
        current = self.model.current
        wrap = trace is None or len(trace) <= WRAP_LIMIT
        if wrap != self.view.wordWrap():
            self._set_wrapping(wrap)
        self.model.set_trace(trace)
        self._update_hidden_note()
        note = trace.note if trace is not None else ""
        self.note.setText(note)
        self.note.setVisible(bool(note))
        self.set_current(min(current, len(trace) if trace is not None else 0), force=True)
        # Qt lays the new rows out when the event loop runs, to the viewport's width then
        QtCore.QTimer.singleShot(0, self._scroll_to_current)

    def set_current(self, k: int, force: bool = False) -> None:
        """Highlight step ``k`` (0: none), colour steps 1..k as done, and scroll step k into
        view."""
        if k == self.model.current and not force:
            return
        self.model.current = k
        self._scroll_to_current()
        # every visible row may have changed colour (Home, End, a jump): repaint them all
        self.view.viewport().update()

    def _scroll_to_current(self) -> None:
        """Step k's line in view, and its sheet note under it when there is room."""
        k = self.model.current
        if 0 < k < len(self.model.row_of_step):
            visible = QtWidgets.QAbstractItemView.ScrollHint.EnsureVisible
            note = self.index_of_sheet_note(k)
            if note.isValid():
                self.view.scrollTo(note, visible)
            self.view.scrollTo(self.index_of_step(k), visible)
        else:
            self.view.scrollToTop()

    def current(self) -> int:
        return self.model.current

    def set_limit(self, k: int | None) -> None:
        """Practice: show only the lines of steps 1..k (the steps revealed); None: every line."""
        if k != self.model.limit:
            self.model.set_limit(k)
            self._update_hidden_note()

    def shown_steps(self) -> int:
        """How many step lines the pane has."""
        n = self.model.rowCount()
        m = self.model
        return int(np.count_nonzero((m.step_of_row[:n] != 0) & ~m.is_note[:n]))  # notes: no

    def _update_hidden_note(self) -> None:
        total = len(self.model.row_of_step) - 1
        hidden = total - self.shown_steps()
        if self.model.limit is None or hidden <= 0:
            self.hidden_note.setVisible(False)
            return
        shown = total - hidden
        self.hidden_note.setText(
            f"Practice: the worked solution is hidden ({total} steps); reveal steps in the "
            "practice pane." if shown == 0 else
            f"Practice: steps {shown + 1}–{total} are hidden; reveal more in the practice pane.")
        self.hidden_note.setVisible(True)

    def line_text(self, k: int) -> str:
        """The whole text of step k's line (1-based), as it shows once step k is reached."""
        return self.model.text(k)

    def shown_text(self, k: int) -> str:
        """What step k's line shows now: its whole text once reached, its formula before."""
        return self.model.shown(int(self.model.row_of_step[k]))

    def index_of_step(self, k: int) -> QtCore.QModelIndex:
        """The model index of step k's line (for tests: ``view.clicked.emit(idx)``)."""
        return self.model.index(int(self.model.row_of_step[k]))

    def index_of_sheet_note(self, k: int) -> QtCore.QModelIndex:
        """The model index of the sheet note under step k's line; invalid when it has none."""
        row = int(self.model.row_of_step[k]) + 1
        if row < len(self.model.is_note) and self.model.is_note[row]:
            return self.model.index(row)
        return QtCore.QModelIndex()

    def _on_clicked(self, index: QtCore.QModelIndex) -> None:
        k = int(self.model.step_of_row[index.row()])
        if k > 0:
            self.step_clicked.emit(k)
