"""Answer tables: empty tables the student types results into, coloured by the last check.

- A :class:`Part` is one table on screen: its cells map to cells of asked tensors
  (``cells[(row, col)] = (tensor, index)``), some cells hold fixed text (the autodiff nodes'
  definitions). :func:`tensor_parts` cuts a tensor as the sheet does: a vector is a row, a matrix
  a table, a 3-D tensor one table per channel (``y[:,:,0]``), a 4-D filter bank one per matrix
  (``ΔF[:,:,a,b]``); :func:`node_parts` gives autodiff's nodes with vᵢ and v̄ᵢ side by side.
- An :class:`AnswerTable` reads and writes the cells of an
  :class:`~pnn_gui.practice.attempt.Attempt` directly (``answers`` and ``marks``): a typed number
  (or a fraction such as ``13/4``) goes in at once, an empty cell is blank (NaN), a text that is
  not a number is refused with a message (``rejected``) and the cell keeps its value. A cell is
  green / red after a check, blank again once it is typed over.
- Keys: typing starts editing; Enter commits and moves to the next cell, Tab / Shift+Tab move to
  the next / previous cell, "next" in the order the worked solution computes the cells
  (:meth:`AnswerTable.editable`); past a table's last cell they go on to the next table (``leave``);
  Delete / Backspace clear the selected cells; Ctrl+V pastes a block (tab, ``;``, comma or space
  separated).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets

from engine.practice import RIGHT, WRONG, Exercise
from engine.steps import fmt
from pnn_gui.practice.attempt import Attempt
from pnn_gui.widgets.matrix_editor import parse_number, split_block

_Role = QtCore.Qt.ItemDataRole
_Flag = QtCore.Qt.ItemFlag
_Hint = QtWidgets.QAbstractItemDelegate.EndEditHint
#: cell colours after a check: (background, text, background when selected)
RIGHT_COLORS = ("#c8e6c9", "#1b5e20", "#81c784")
WRONG_COLORS = ("#ffcdd2", "#b71c1c", "#ef9a9a")
FIXED_BG = "#f1f3f5"
CELL_WIDTH = 66
ROW_HEIGHT = 24
#: the names the conv-shape answer's columns have on the sheet
SHAPE_AXES = ("o_rows", "o_cols", "o_c")

Cell = tuple[str, tuple[int, ...]]


def parse_answer(text: str) -> float:
    """A typed answer: a number, a fraction ``p/q``, or NaN for an empty cell; ``ValueError``
    with a reason otherwise."""
    t = text.strip()
    if not t:
        return float("nan")
    if "/" in t:
        top, _, bottom = t.partition("/")
        try:
            p, q = parse_number(top), parse_number(bottom)
        except ValueError:
            raise ValueError(f"{t!r} is not a number or a fraction") from None
        if q == 0:
            raise ValueError(f"{t!r}: division by zero")
        return p / q
    return parse_number(t)


@dataclass
class Part:
    """One answer table on screen; see the module docstring."""

    title: str
    rows: int
    cols: int
    row_labels: list[str]
    col_labels: list[str]
    cells: dict[tuple[int, int], Cell] = field(default_factory=dict)
    fixed: dict[tuple[int, int], str] = field(default_factory=dict)


def tensor_parts(ex: Exercise, name: str, shape: tuple[int, ...]) -> list[tuple[Part, int, int]]:
    """The tables of asked tensor ``name`` answered with ``shape``, each with its (row, column)
    in the tensor's grid of tables."""
    a = ex.asked_tensor(name)
    if len(shape) == 1:
        if ex.kind == "conv2d_shape":
            cols = [f"{SHAPE_AXES[c]}" if c < len(SHAPE_AXES) else str(c)
                    for c in range(shape[0])]
        elif ex.kind == "autodiff" and name == "gradient":
            cols = [f"∂L/∂{_variable(ex, c)}" for c in range(shape[0])]
        else:
            cols = [str(c) for c in range(shape[0])]
        part = Part("", 1, shape[0], [a.symbol], cols,
                    {(0, c): (name, (c,)) for c in range(shape[0])})
        return [(part, 0, 0)]
    if len(shape) == 2:
        time_rows = ex.kind == "lstm" and name in ("dc", "dx") and shape == a.shape
        rows = [f"t = {r + 1}" if time_rows else str(r) for r in range(shape[0])]
        return [(_matrix("", shape, rows, lambda r, c: (name, (r, c))), 0, 0)]
    out = []
    for rest in np.ndindex(*shape[2:]):
        where = ",".join(str(i) for i in rest)
        part = _matrix(f"{a.symbol}[:,:,{where}]", shape[:2], None,
                       lambda r, c, rest=rest: (name, (r, c, *rest)))
        if len(rest) == 1:      # channels side by side
            out.append((part, 0, rest[0]))
        else:                   # a filter bank: a row per channel, a column per filter
            out.append((part, rest[0], rest[1]))
    return out


def node_parts(ex: Exercise) -> list[tuple[Part, int, int]]:
    """Autodiff: one table of the nodes, their definitions beside vᵢ and v̄ᵢ."""
    n = ex.asked_tensor("value").shape[0]
    part = Part("", n, 3, [str(i) for i in range(n)], ["node", "vᵢ", "v̄ᵢ"])
    for i in range(n):
        part.fixed[(i, 0)] = ex.node_definition(i)
        part.cells[(i, 1)] = ("value", (i,))
        part.cells[(i, 2)] = ("adjoint", (i,))
    return [(part, 0, 0)]


def _matrix(title: str, shape: tuple[int, ...], row_labels: list[str] | None, cell) -> Part:
    rows, cols = shape
    return Part(title, rows, cols, row_labels or [str(r) for r in range(rows)],
                [str(c) for c in range(cols)],
                {(r, c): cell(r, c) for r in range(rows) for c in range(cols)})


def cell_label(ex: Exercise, name: str, idx: tuple[int, ...]) -> str:
    """A cell as the tables show it: ``ΔW[0,1]``, ``δc[0,1] (t = 1)``, ``v̄3``, ``∂L/∂x1``."""
    if ex.kind == "conv2d_shape":
        return SHAPE_AXES[idx[0]]
    if ex.kind == "autodiff":
        i = idx[0]
        return {"value": f"v{i}", "adjoint": f"v̄{i}"}.get(name, f"∂L/∂{_variable(ex, i)}")
    text = f"{ex.asked_tensor(name).symbol}[{','.join(str(i) for i in idx)}]"
    if ex.kind == "lstm" and name in ("dc", "dx") and len(idx) == 2:
        text += f" (t = {idx[0] + 1})"
    return text


def _variable(ex: Exercise, i: int) -> str:
    return ex.node_definition(i).split("=")[-1].strip()


class _Model(QtCore.QAbstractTableModel):
    edited = QtCore.Signal(str)
    rejected = QtCore.Signal(str)

    def __init__(self, attempt: Attempt, part: Part, parent=None):
        super().__init__(parent)
        self.attempt = attempt
        self.part = part
        self.digits = 4
        self._bg = {RIGHT: QtGui.QBrush(QtGui.QColor(RIGHT_COLORS[0])),
                    WRONG: QtGui.QBrush(QtGui.QColor(WRONG_COLORS[0]))}
        self._fg = {RIGHT: QtGui.QBrush(QtGui.QColor(RIGHT_COLORS[1])),
                    WRONG: QtGui.QBrush(QtGui.QColor(WRONG_COLORS[1]))}
        self._fixed_bg = QtGui.QBrush(QtGui.QColor(FIXED_BG))

    def rowCount(self, parent=QtCore.QModelIndex()):  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else self.part.rows

    def columnCount(self, parent=QtCore.QModelIndex()):  # noqa: B008
        return 0 if parent.isValid() else self.part.cols

    def cell(self, index: QtCore.QModelIndex) -> Cell | None:
        return self.part.cells.get((index.row(), index.column()))

    def value(self, index: QtCore.QModelIndex) -> float:
        name, idx = self.cell(index)
        return float(self.attempt.answers[name][idx])

    def mark(self, index: QtCore.QModelIndex) -> int | None:
        cell = self.cell(index)
        if cell is None:
            return None
        m = int(self.attempt.marks[cell[0]][cell[1]])
        return m if m in (RIGHT, WRONG) else None

    def flags(self, index):
        if self.cell(index) is None:
            return _Flag.ItemIsEnabled
        return _Flag.ItemIsEnabled | _Flag.ItemIsSelectable | _Flag.ItemIsEditable

    def data(self, index, role=_Role.DisplayRole):
        if not index.isValid():
            return None
        rc = (index.row(), index.column())
        if rc in self.part.fixed:
            if role == _Role.DisplayRole:
                return self.part.fixed[rc]
            if role == _Role.BackgroundRole:
                return self._fixed_bg
            return None
        v = self.value(index)
        if role == _Role.DisplayRole:
            return "" if np.isnan(v) else fmt(v, self.digits)
        if role == _Role.EditRole:
            return "" if np.isnan(v) else fmt(v, 17)
        if role == _Role.TextAlignmentRole:
            return int(QtCore.Qt.AlignmentFlag.AlignRight | QtCore.Qt.AlignmentFlag.AlignVCenter)
        mark = self.mark(index)
        if role == _Role.BackgroundRole and mark is not None:
            return self._bg[mark]
        if role == _Role.ForegroundRole and mark is not None:
            return self._fg[mark]
        if role == _Role.ToolTipRole:
            name, idx = self.cell(index)
            where = f"{name}[{','.join(str(i) for i in idx)}]"
            state = {RIGHT: "right", WRONG: "wrong"}.get(mark, "not checked")
            return where + (f" = {v!r}" if not np.isnan(v) else " (blank)") + f": {state}"
        return None

    def setData(self, index, value, role=_Role.EditRole):
        if role != _Role.EditRole or self.cell(index) is None:
            return False
        name, idx = self.cell(index)
        try:
            v = parse_answer(str(value))
        except ValueError as exc:
            self.rejected.emit(f"{self.label(index)}: {exc}; the cell keeps its value")
            return False
        old = self.value(index)
        if (np.isnan(v) and np.isnan(old)) or v == old:
            return True
        self.attempt.set_cell(name, idx, v)
        self.dataChanged.emit(index, index)
        self.edited.emit(name)
        return True

    def label(self, index: QtCore.QModelIndex) -> str:
        return cell_label(self.attempt.exercise, *self.cell(index))

    def headerData(self, section, orientation, role=_Role.DisplayRole):
        if role != _Role.DisplayRole:
            return None
        labels = self.part.col_labels if orientation == QtCore.Qt.Orientation.Horizontal \
            else self.part.row_labels
        return labels[section] if section < len(labels) else str(section)

    def redraw(self) -> None:
        self.dataChanged.emit(self.index(0, 0), self.index(self.part.rows - 1,
                                                           self.part.cols - 1))


class _Cells(QtWidgets.QStyledItemDelegate):
    """A checked cell keeps its green or red when selected (deeper), so the selected first wrong
    cell still shows red."""

    def initStyleOption(self, option, index) -> None:
        super().initStyleOption(option, index)
        mark = index.model().mark(index)
        if mark is None:
            return
        colors = RIGHT_COLORS if mark == RIGHT else WRONG_COLORS
        for group in (QtGui.QPalette.ColorGroup.Active, QtGui.QPalette.ColorGroup.Inactive):
            option.palette.setBrush(group, QtGui.QPalette.ColorRole.Highlight,
                                    QtGui.QBrush(QtGui.QColor(colors[2])))
            option.palette.setBrush(group, QtGui.QPalette.ColorRole.HighlightedText,
                                    QtGui.QBrush(QtGui.QColor(colors[1])))


class AnswerTable(QtWidgets.QTableView):
    """One :class:`Part` of an attempt's answers; see the module docstring."""

    #: a cell of tensor ``name`` was typed, cleared or pasted
    edited = QtCore.Signal(str)
    #: a typed or pasted text was refused: the message says which cell and why
    rejected = QtCore.Signal(str)
    #: moving past the last (+1) or before the first (-1) cell: the next table takes over
    leave = QtCore.Signal(int)
    #: the table got the keyboard focus (the sheet clears the other tables' selections)
    focused = QtCore.Signal()

    def __init__(self, attempt: Attempt, part: Part, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.part = part
        self._model = _Model(attempt, part, self)
        self._model.edited.connect(self.edited)
        self._model.rejected.connect(self.rejected)
        self.setModel(self._model)
        self.setItemDelegate(_Cells(self))
        self.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.DoubleClicked
                             | QtWidgets.QAbstractItemView.EditTrigger.EditKeyPressed
                             | QtWidgets.QAbstractItemView.EditTrigger.AnyKeyPressed)
        self.setHorizontalScrollBarPolicy(QtCore.Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(QtCore.Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        hh, vh = self.horizontalHeader(), self.verticalHeader()
        hh.setDefaultSectionSize(CELL_WIDTH)
        hh.setMinimumSectionSize(30)
        vh.setDefaultSectionSize(ROW_HEIGHT)
        vh.setSectionResizeMode(QtWidgets.QHeaderView.ResizeMode.Fixed)
        vh.setVisible(part.rows > 1 or bool(part.row_labels and part.row_labels[0] != "0"))
        if part.fixed:   # the autodiff nodes' definitions: as wide as their text
            self.resizeColumnToContents(0)
        self.setSizePolicy(QtWidgets.QSizePolicy.Policy.Fixed, QtWidgets.QSizePolicy.Policy.Fixed)
        self._fit()

    def _fit(self) -> None:
        hh, vh = self.horizontalHeader(), self.verticalHeader()
        frame = 2 * self.frameWidth()
        width = sum(hh.sectionSize(c) for c in range(self.part.cols)) + frame
        if not vh.isHidden():
            width += vh.sizeHint().width()
        height = self.part.rows * ROW_HEIGHT + hh.sizeHint().height() + frame
        self.setFixedSize(width, height)

    # -- public ---------------------------------------------------------------------------------
    @property
    def attempt(self) -> Attempt:
        return self._model.attempt

    def set_precision(self, digits: int) -> None:
        self._model.digits = int(digits)
        self._model.redraw()

    def rebind(self, attempt: Attempt) -> None:
        """Show ``attempt``'s answers in the same cells (its tables are laid out like these)."""
        self._model.attempt = attempt
        self._model.redraw()

    def redraw(self) -> None:
        """The attempt's values or marks changed (a check): paint them."""
        self._model.redraw()

    def has_cell(self, cell: Cell) -> bool:
        return cell in self.part.cells.values()

    def select_cell(self, cell: Cell) -> None:
        """Make ``cell`` the current, selected cell and give the table the focus."""
        for (r, c), here in self.part.cells.items():
            if here == cell:
                self.setFocus(QtCore.Qt.FocusReason.OtherFocusReason)
                self._go(r, c)
                return

    def _go(self, row: int, col: int) -> None:
        """Make (row, col) the current cell, the only one selected (``setCurrentIndex`` would
        toggle it into the selection while Ctrl is held: Ctrl+Enter)."""
        self.selectionModel().setCurrentIndex(
            self._model.index(row, col), QtCore.QItemSelectionModel.SelectionFlag.ClearAndSelect)

    def type_text(self, row: int, col: int, text: str) -> bool:
        """Type ``text`` into a cell as Enter would commit it (tests, scripts)."""
        return self._model.setData(self._model.index(row, col), text)

    def cell_text(self, row: int, col: int) -> str:
        return self._model.data(self._model.index(row, col))

    def cell_mark(self, row: int, col: int) -> int | None:
        """RIGHT, WRONG, or None (not checked) for the cell at (row, col)."""
        return self._model.mark(self._model.index(row, col))

    def cell_color(self, row: int, col: int) -> QtGui.QColor | None:
        brush = self._model.data(self._model.index(row, col), _Role.BackgroundRole)
        return None if brush is None else brush.color()

    def editable(self) -> list[tuple[int, int]]:
        """The answer cells (row, column) in the order the worked solution computes them (the
        order Enter and Tab follow; reading order for an answer of another shape)."""
        att = self._model.attempt
        ex = att.exercise

        def order(rc: tuple[int, int]) -> tuple[int, int, int]:
            name, idx = self.part.cells[rc]
            if att.answers[name].shape != ex.asked_tensor(name).shape:
                return (1, *rc)
            return (0, int(ex.cell_order(name)[idx]), 0)

        return sorted(self.part.cells, key=order)

    def enter(self, direction: int) -> None:
        """Focus the first (+1) or last (-1) answer cell (Tab arriving from another table)."""
        cells = self.editable()
        r, c = cells[0] if direction > 0 else cells[-1]
        self.setFocus(QtCore.Qt.FocusReason.TabFocusReason)
        self._go(r, c)

    def clear_selected(self) -> None:
        """Delete / Backspace: the selected answer cells (or the current one) become blank."""
        cells = [i for i in self.selectedIndexes() if self._model.cell(i) is not None]
        if not cells and self.currentIndex().isValid():
            cells = [self.currentIndex()]
        for index in cells:
            self._model.setData(index, "")

    def paste_text(self, text: str) -> None:
        """A block of cells at the current cell: what does not fit or is no number is left out
        (the message says so)."""
        cur = self.currentIndex()
        r0, c0 = (cur.row(), cur.column()) if cur.isValid() else self.editable()[0]
        refused = []
        for i, line in enumerate(split_block(text)):
            for j, cell_text in enumerate(line):
                index = self._model.index(r0 + i, c0 + j)
                if not index.isValid() or self._model.cell(index) is None:
                    refused.append(cell_text.strip())
                    continue
                try:
                    parse_answer(cell_text)
                except ValueError:
                    refused.append(cell_text.strip())
                    continue
                self._model.setData(index, cell_text)
        if refused:
            shown = ", ".join(refused[:6]) + (", …" if len(refused) > 6 else "")
            self.rejected.emit(f"Paste: left out {shown} (no number, or beyond the table)")

    # -- keys -----------------------------------------------------------------------------------
    def _step(self, direction: int) -> bool:
        """Move to the next / previous answer cell; False (and ``leave``) past the end."""
        cells = self.editable()
        cur = self.currentIndex()
        here = (cur.row(), cur.column()) if cur.isValid() else None
        pos = cells.index(here) if here in cells else (-1 if direction > 0 else len(cells))
        nxt = pos + direction
        if 0 <= nxt < len(cells):
            self._go(*cells[nxt])
            return True
        self.leave.emit(direction)
        return False

    def focusNextPrevChild(self, next: bool) -> bool:
        self._step(1 if next else -1)   # Tab / Shift+Tab: cell by cell, then the next table
        return True

    def closeEditor(self, editor, hint) -> None:
        super().closeEditor(editor, _Hint.NoHint)
        if hint == _Hint.SubmitModelCache:     # Enter: committed; on to the next cell
            self._step(1)
        elif hint in (_Hint.EditNextItem, _Hint.EditPreviousItem):
            self._step(1 if hint == _Hint.EditNextItem else -1)

    def keyPressEvent(self, event: QtGui.QKeyEvent) -> None:
        key = event.key()
        if event.matches(QtGui.QKeySequence.StandardKey.Paste):
            self.paste_text(QtWidgets.QApplication.clipboard().text())
            return
        if key in (QtCore.Qt.Key.Key_Delete, QtCore.Qt.Key.Key_Backspace):
            self.clear_selected()
            return
        if key in (QtCore.Qt.Key.Key_Return, QtCore.Qt.Key.Key_Enter) \
                and not event.modifiers() & QtCore.Qt.KeyboardModifier.ControlModifier:
            # (the Enter that commits an editor arrives here too, before the editor closes:
            # closeEditor moves on then)
            if self.state() != QtWidgets.QAbstractItemView.State.EditingState:
                self._step(1)
            return
        super().keyPressEvent(event)

    def focusInEvent(self, event: QtGui.QFocusEvent) -> None:
        super().focusInEvent(event)
        self.focused.emit()

    def event(self, event: QtCore.QEvent) -> bool:
        # the arrow keys, Home and End move between cells here, not through the steps (the
        # window binds them to the step player)
        return claim_keys(event, CELL_KEYS) or super().event(event)


#: the keys that move between cells (and choose in a shape box)
CELL_KEYS = frozenset({QtCore.Qt.Key.Key_Left, QtCore.Qt.Key.Key_Right, QtCore.Qt.Key.Key_Up,
                       QtCore.Qt.Key.Key_Down, QtCore.Qt.Key.Key_Home, QtCore.Qt.Key.Key_End})


def claim_keys(event: QtCore.QEvent, keys: frozenset) -> bool:
    """True (and the event accepted) when ``event`` asks whether one of ``keys``, unmodified,
    is a window's shortcut: the widget with the focus takes it instead."""
    if (event.type() == QtCore.QEvent.Type.ShortcutOverride and event.key() in keys
            and not event.modifiers() & ~QtCore.Qt.KeyboardModifier.KeypadModifier):
        event.accept()
        return True
    return False
