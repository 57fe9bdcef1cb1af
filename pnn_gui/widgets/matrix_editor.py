"""A titled, validated table over a 1-D or 2-D NumPy array.

Public API (other panels rely on it; keep it stable)::

    ed = MatrixEditor("W", np.array([[1, 3, 5], [2, 4, 6]]), resizable=True, example=...,
                      name="w")                  # name: the field; messages say "W" (the label)
    ed.value_changed.connect(lambda arr: state.set_input("w", arr))   # a good edit only
    ed.cell_rejected.connect(status_bar.showMessage)   # "W[0,1]: 'abc' is not a number; …"
    ed.value() -> np.ndarray            # the last good values (a copy), 1-D or 2-D as given
    ed.set_value(arr)                   # no signal; also sets the shape (and the spin boxes)
    ed.set_example(arr)                 # what "Reset to example" restores
    ed.set_error("w: expected ...")     # an engine error under the editor; "" clears it
    ed.set_precision(4)                 # significant digits shown (tooltips show the exact value)
    ed.set_resizable(False)             # hide the rows/cols spin boxes (shape dictated)
    ed.set_cell_width(46)               # column width in px at 100 % (cells follow View → Zoom)
    ed.copy_text() / ed.paste_text(s)   # what Ctrl+C / Ctrl+V do, callable from tests
    ed.clear_selected()                 # what Delete / Backspace do: the selected cells become 0
    ed.fill_zeros() / ed.fill_random() / ed.reset_to_example()   # the context menu
    ed.cell_errors() -> {(row, col): reason}                    # cells holding a bad text
    MatrixEditor("x", [1, 2], batch=True)   # a vector, or a batch of them: see below

A 1-D array is shown as one row (only a "length" spin box). ``batch=True`` adds a "batch" spin
box to a vector's editor: at 1 :meth:`value` is the 1-D vector, above 1 it is the 2-D
``(batch, length)`` array, one row per item (a pasted block keeps its rows).

A typed value that is not a finite number turns its cell red (also while selected) with the
reason in the tooltip and in the message under the table; the last good value stays in
:meth:`value` (and is what computes). Delete and Backspace set the selected cells to 0, as a
spreadsheet's empty cell counts, so the layer keeps computing. A paste keeps what fits and the
message under the table says what was left out. Resizing keeps the values that still fit and
fills new cells with 0. Messages name the editor by its ``label``, the name on screen ("W",
"δy"; the title by default). Show a 3-D / 4-D tensor as several editors, one per channel or
filter.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets

from engine.steps import fmt
from pnn_gui import style
from pnn_gui.widgets.field_error import ErrorLabel

_Role = QtCore.Qt.ItemDataRole
_BAD_BRUSH = QtGui.QBrush(QtGui.QColor("#ffcdd2"))
_BAD_FG = QtGui.QBrush(QtGui.QColor("#b71c1c"))
_BAD_SELECTED = QtGui.QBrush(QtGui.QColor("#ef9a9a"))  # a bad cell, selected: a deeper red
_BAD_SELECTED_FG = QtGui.QBrush(QtGui.QColor("#7f0000"))
#: pasted cells that did not fit, shown in the message (the rest as "…")
MAX_LEFT_OUT_SHOWN = 8

#: largest size offered by the rows / cols spin boxes
MAX_DIM = 64


def parse_number(text: str) -> float:
    """``text`` as a finite float, or ``ValueError`` with a reason a student understands."""
    t = text.strip().replace("\u2212", "-")  # a typographic minus pasted from a PDF
    if not t:
        raise ValueError("empty: type a number")
    try:
        v = float(t)
    except ValueError:
        if t.count(",") == 1 and "." not in t:
            try:
                v = float(t.replace(",", "."))
            except ValueError:
                raise ValueError(f"{text.strip()!r} is not a number") from None
        else:
            raise ValueError(f"{text.strip()!r} is not a number") from None
    if not math.isfinite(v):
        raise ValueError(f"{text.strip()!r} is not a finite number")
    return v


def split_block(text: str) -> list[list[str]]:
    """Rows of cells from spreadsheet text: tab separated, else ``;``, else comma, else spaces."""
    lines = [ln for ln in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    while lines and not lines[-1].strip():
        lines.pop()
    if "\t" in text:
        return [ln.split("\t") for ln in lines]
    if ";" in text:
        return [ln.split(";") for ln in lines]
    if "," in text:
        return [ln.split(",") for ln in lines]
    return [ln.split() for ln in lines]


class _Model(QtCore.QAbstractTableModel):
    """The editor's cells: ``values`` (always 2-D) plus the bad texts typed over them."""

    cell_edited = QtCore.Signal(int, int)

    def __init__(self, values: np.ndarray, parent=None):
        super().__init__(parent)
        self.values = values
        self.bad: dict[tuple[int, int], tuple[str, str]] = {}  # (r, c) -> (text, reason)
        self.digits = 4
        self.name = ""

    def rowCount(self, parent=QtCore.QModelIndex()):  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else self.values.shape[0]

    def columnCount(self, parent=QtCore.QModelIndex()):  # noqa: B008
        return 0 if parent.isValid() else self.values.shape[1]

    def flags(self, index):
        f = QtCore.Qt.ItemFlag
        return f.ItemIsEnabled | f.ItemIsSelectable | f.ItemIsEditable

    def data(self, index, role=_Role.DisplayRole):
        if not index.isValid():
            return None
        rc = (index.row(), index.column())
        v = float(self.values[rc])
        bad = self.bad.get(rc)
        if role == _Role.DisplayRole:
            return bad[0] if bad else fmt(v, self.digits)
        if role == _Role.EditRole:
            return bad[0] if bad else repr(v)
        if role == _Role.ToolTipRole:
            if bad:
                return f"{bad[1]}; the last good value {v!r} is used"
            return repr(v)
        if role == _Role.BackgroundRole and bad:
            return _BAD_BRUSH
        if role == _Role.ForegroundRole and bad:
            return _BAD_FG
        if role == _Role.TextAlignmentRole:
            return int(QtCore.Qt.AlignmentFlag.AlignRight | QtCore.Qt.AlignmentFlag.AlignVCenter)
        return None

    def setData(self, index, value, role=_Role.EditRole):
        if role != _Role.EditRole or not index.isValid():
            return False
        r, c = index.row(), index.column()
        text = str(value)
        try:
            v = parse_number(text)
        except ValueError as exc:
            self.bad[(r, c)] = (text, str(exc))
        else:
            self.bad.pop((r, c), None)
            self.values[r, c] = v
        self.dataChanged.emit(index, index)
        self.cell_edited.emit(r, c)
        return True

    def headerData(self, section, orientation, role=_Role.DisplayRole):
        if role == _Role.DisplayRole:
            return str(section)
        return None

    def reset(self, values: np.ndarray, bad: dict | None = None) -> None:
        self.beginResetModel()
        self.values = values
        self.bad = dict(bad or {})
        self.endResetModel()

    def redraw(self) -> None:
        if self.values.size:
            self.dataChanged.emit(self.index(0, 0),
                                  self.index(self.values.shape[0] - 1, self.values.shape[1] - 1))


class _Cells(QtWidgets.QStyledItemDelegate):
    """Qt's delegate, except that a bad cell keeps its red when selected (Qt paints every
    selected cell in the selection colour, over the cell's own background)."""

    def initStyleOption(self, option: QtWidgets.QStyleOptionViewItem,
                        index: QtCore.QModelIndex) -> None:
        super().initStyleOption(option, index)
        if index.data(_Role.BackgroundRole) is not None:  # only bad cells have one
            for group in (QtGui.QPalette.ColorGroup.Active, QtGui.QPalette.ColorGroup.Inactive):
                option.palette.setBrush(group, QtGui.QPalette.ColorRole.Highlight, _BAD_SELECTED)
                option.palette.setBrush(group, QtGui.QPalette.ColorRole.HighlightedText,
                                        _BAD_SELECTED_FG)


#: keys a focused table keeps for moving between its cells, though the window binds them to the
#: step player (a window shortcut would otherwise take them first)
_CELL_KEYS = frozenset({QtCore.Qt.Key.Key_Left, QtCore.Qt.Key.Key_Right, QtCore.Qt.Key.Key_Up,
                        QtCore.Qt.Key.Key_Down, QtCore.Qt.Key.Key_Home, QtCore.Qt.Key.Key_End})


class _Table(QtWidgets.QTableView):
    """Ctrl+C / Ctrl+V, Delete / Backspace on the table itself; the arrow keys, Home and End
    move between cells."""

    copy_requested = QtCore.Signal()
    paste_requested = QtCore.Signal()
    clear_requested = QtCore.Signal()

    def event(self, event: QtCore.QEvent) -> bool:
        if (event.type() == QtCore.QEvent.Type.ShortcutOverride
                and event.key() in _CELL_KEYS
                and not event.modifiers() & ~QtCore.Qt.KeyboardModifier.KeypadModifier):
            event.accept()  # delivered as a key press to the table, not to the shortcut
            return True
        return super().event(event)

    def keyPressEvent(self, event: QtGui.QKeyEvent) -> None:
        if event.matches(QtGui.QKeySequence.StandardKey.Copy):
            self.copy_requested.emit()
            return
        if event.matches(QtGui.QKeySequence.StandardKey.Paste):
            self.paste_requested.emit()
            return
        if event.key() in (QtCore.Qt.Key.Key_Delete, QtCore.Qt.Key.Key_Backspace):
            self.clear_requested.emit()  # (a cell being edited has the key itself)
            return
        super().keyPressEvent(event)


class MatrixEditor(QtWidgets.QWidget):
    """A titled table over a 1-D or 2-D float array; see the module docstring for the API."""

    #: the new value (np.ndarray, a copy) after an edit that left every cell valid or after a
    #: resize / fill / paste; never emitted by :meth:`set_value`
    value_changed = QtCore.Signal(object)
    #: a typed or pasted value was refused: what the message under the table says first
    cell_rejected = QtCore.Signal(str)

    def __init__(self, title: str, value: Any, *, resizable: bool = True,
                 example: Any | None = None, name: str | None = None,
                 max_dim: int = MAX_DIM, seed: int = 0, batch: bool = False,
                 label: str | None = None, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        arr = np.array(value, dtype=np.float64)
        if arr.ndim not in (1, 2):
            raise ValueError(f"{title}: MatrixEditor shows 1-D or 2-D arrays, got shape "
                             f"{arr.shape}; show one editor per channel")
        self._batch = bool(batch)
        self._ndim = 1 if batch else arr.ndim  # batch: a vector with a batch size
        self._title = title
        self._name = name or title
        self._label = label or title
        self._example = None if example is None else np.array(example, dtype=np.float64)
        self._seed = seed
        self._max_dim = max_dim

        self._model = _Model(np.atleast_2d(arr).copy(), self)
        self._model.name = self._name
        self._model.cell_edited.connect(self._on_cell_edited)

        self._title_label = QtWidgets.QLabel()
        self._title_label.setObjectName("editorTitle")
        style.set_point_size(self._title_label, 10.5)
        #: the size spin boxes a user resizes with: rows (the batch of a batched vector) and
        #: columns (the length of a vector); shown while the editor is resizable
        self.rows_box = QtWidgets.QSpinBox()
        self.cols_box = QtWidgets.QSpinBox()
        for spin, what in ((self.rows_box, "rows"), (self.cols_box, "columns")):
            spin.setRange(1, max_dim)
            spin.setToolTip(f"number of {what} of {title}")
            spin.setKeyboardTracking(False)
            spin.valueChanged.connect(self._on_shape_changed)
        if batch:
            self.rows_box.setToolTip(f"batch size: how many {title} vectors, one per row "
                                  "(1: a single vector)")
        self._rows_label = QtWidgets.QLabel("batch" if batch else "rows")
        self._cols_label = QtWidgets.QLabel("cols" if self._ndim == 2 else "length")

        head = QtWidgets.QHBoxLayout()
        head.setContentsMargins(0, 0, 0, 0)
        head.addWidget(self._title_label)
        head.addStretch(1)
        head.addWidget(self._rows_label)
        head.addWidget(self.rows_box)
        head.addWidget(self._cols_label)
        head.addWidget(self.cols_box)

        self._table = _Table()
        self._table.setModel(self._model)
        self._table.setItemDelegate(_Cells(self._table))
        self._table.setContextMenuPolicy(QtCore.Qt.ContextMenuPolicy.CustomContextMenu)
        self._table.customContextMenuRequested.connect(self._on_context_menu)
        self._table.copy_requested.connect(self.copy)
        self._table.paste_requested.connect(self.paste)
        self._table.clear_requested.connect(self.clear_selected)
        self._table.setEditTriggers(
            QtWidgets.QAbstractItemView.EditTrigger.DoubleClicked
            | QtWidgets.QAbstractItemView.EditTrigger.EditKeyPressed
            | QtWidgets.QAbstractItemView.EditTrigger.AnyKeyPressed)
        hh, vh = self._table.horizontalHeader(), self._table.verticalHeader()
        self._cell_width = 58.0  # px at 100 % (set_cell_width)
        self._size_cells()
        hh.setSectionResizeMode(QtWidgets.QHeaderView.ResizeMode.Fixed)
        vh.setSectionResizeMode(QtWidgets.QHeaderView.ResizeMode.Fixed)
        self._table.setSizeAdjustPolicy(
            QtWidgets.QAbstractScrollArea.SizeAdjustPolicy.AdjustToContents)
        self._table.setSizePolicy(QtWidgets.QSizePolicy.Policy.Preferred,
                                  QtWidgets.QSizePolicy.Policy.Fixed)

        self._cell_message = ErrorLabel()
        self._cell_message.setObjectName("cellMessage")
        self._error = ErrorLabel()

        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 4)
        lay.setSpacing(2)
        lay.addLayout(head)
        lay.addWidget(self._table)
        lay.addWidget(self._cell_message)
        lay.addWidget(self._error)

        self.set_resizable(resizable)
        self._sync_shape_widgets()
        style.on_zoom(self._on_zoom)

    # -- public API -----------------------------------------------------------------------------
    @property
    def name(self) -> str:
        """The field the editor edits (``"w"``); defaults to the title."""
        return self._name

    @property
    def table(self) -> QtWidgets.QTableView:
        """The table view (for tests and focus handling)."""
        return self._table

    def value(self) -> np.ndarray:
        """The last good values, a copy, 1-D or 2-D like the array given."""
        v = self._model.values
        return v[0].copy() if self._is_vector() else v.copy()

    def shape(self) -> tuple[int, ...]:
        return self.value().shape

    def set_value(self, value: Any) -> None:
        """Show ``value`` (a new shape is fine); clears bad cells; emits nothing."""
        arr = np.array(value, dtype=np.float64)
        if arr.ndim != self._ndim and not (self._batch and arr.ndim == 2):
            raise ValueError(f"{self._name}: expected a {self._ndim}-D array, got shape "
                             f"{arr.shape}")
        self._model.reset(np.atleast_2d(arr).copy())
        self._cell_message.set_error("")
        self._sync_shape_widgets()

    def set_example(self, value: Any | None) -> None:
        """The array "Reset to example" restores (``None`` disables it)."""
        self._example = None if value is None else np.array(value, dtype=np.float64)

    def set_error(self, message: str) -> None:
        """Show an engine error under the editor (red); ``""`` clears it."""
        self._error.set_error(message)

    def error(self) -> str:
        """The engine error shown under the editor ("" when none)."""
        return self._error.error()

    def cell_message(self) -> str:
        """The message about bad cells ("" when every cell is a number)."""
        return self._cell_message.error()

    def cell_errors(self) -> dict[tuple[int, int], str]:
        """``{(row, col): reason}`` for each cell holding text that is not a number."""
        return {rc: reason for rc, (_, reason) in self._model.bad.items()}

    def set_precision(self, digits: int) -> None:
        """Significant digits shown in the cells (tooltips always show the exact value)."""
        self._model.digits = max(1, int(digits))
        self._model.redraw()

    def set_resizable(self, resizable: bool) -> None:
        """Show (True) or hide (False, shape dictated) the rows / cols spin boxes."""
        self._resizable = bool(resizable)
        has_rows = self._ndim == 2 or self._batch
        self.rows_box.setVisible(resizable and has_rows)
        self._rows_label.setVisible(resizable and has_rows)
        self.cols_box.setVisible(resizable)
        self._cols_label.setVisible(resizable)

    def set_title(self, title: str) -> None:
        self._title = title
        self._sync_shape_widgets()

    def edit_cell(self, row: int, col: int, text: str) -> None:
        """Type ``text`` into a cell, exactly as the user would (for tests and scripts)."""
        self._model.setData(self._model.index(row, col), text)

    def cell_text(self, row: int, col: int) -> str:
        """What the cell shows."""
        return self._model.data(self._model.index(row, col))

    def resize_to(self, rows: int, cols: int) -> None:
        """Change the shape (``rows`` is ignored for 1-D), keeping what still fits; emits."""
        self._apply_shape(rows if self._ndim == 2 or self._batch else 1, cols, emit=True)

    def fill_zeros(self) -> None:
        self._fill(np.zeros(self._model.values.shape))

    def fill_random(self) -> None:
        """Seeded random values in [-1, 1] rounded to 0.1; each call uses the next seed."""
        rng = np.random.default_rng(self._seed)
        self._seed += 1
        self._fill(np.round(rng.uniform(-1, 1, self._model.values.shape), 1) + 0.0)

    def reset_to_example(self) -> None:
        if self._example is None:
            return
        self.set_value(self._example)
        self.value_changed.emit(self.value())

    def copy_text(self) -> str:
        """The selected block (or everything) as tab-separated text with exact values."""
        sel = self._table.selectionModel().selectedIndexes() if self._table.selectionModel() \
            else []
        v = self._model.values
        if sel:
            rows = [i.row() for i in sel]
            cols = [i.column() for i in sel]
            r0, r1, c0, c1 = min(rows), max(rows), min(cols), max(cols)
        else:
            r0, r1, c0, c1 = 0, v.shape[0] - 1, 0, v.shape[1] - 1
        chosen = {(i.row(), i.column()) for i in sel} if sel else None
        lines = []
        for r in range(r0, r1 + 1):
            cells = []
            for c in range(c0, c1 + 1):
                ok = chosen is None or (r, c) in chosen
                cells.append(repr(float(v[r, c])) if ok else "")
            lines.append("\t".join(cells))
        return "\n".join(lines)

    def copy(self) -> None:
        QtWidgets.QApplication.clipboard().setText(self.copy_text())

    def paste(self) -> None:
        self.paste_text(QtWidgets.QApplication.clipboard().text())

    def paste_text(self, text: str, row: int | None = None, col: int | None = None) -> None:
        """Paste a block at (row, col) (default: the current cell); grows the table if resizable.

        A vector's editor takes a single column of text as a row (a batch editor keeps the rows:
        one per item). Bad cells turn red like typed ones; what does not fit is left out and
        the message under the table says which pasted rows / columns.
        """
        block = split_block(text)
        if not block:
            return
        if self._ndim == 1 and not self._batch and all(len(r) == 1 for r in block) \
                and len(block) > 1:
            block = [[r[0] for r in block]]
        cur = self._table.currentIndex()
        r0 = row if row is not None else (cur.row() if cur.isValid() else 0)
        c0 = col if col is not None else (cur.column() if cur.isValid() else 0)
        if self._ndim == 1 and not self._batch:
            r0 = 0  # one row: the rows of the block after the first do not fit
        need_r = r0 + len(block)
        need_c = c0 + max(len(r) for r in block)
        rows, cols = self._model.values.shape
        if self._resizable and (need_r > rows or need_c > cols):
            most_rows = self._max_dim if self._ndim == 2 or self._batch else 1
            self._apply_shape(min(max(rows, need_r), most_rows),
                              min(max(cols, need_c), self._max_dim), emit=False)
            rows, cols = self._model.values.shape
        left_out = []  # (row, column) in the block, text
        for i, line in enumerate(block):
            for j, text_cell in enumerate(line):
                r, c = r0 + i, c0 + j
                if r >= rows or c >= cols:
                    left_out.append((i, j, text_cell))
                    continue
                try:
                    self._model.values[r, c] = parse_number(text_cell)
                    self._model.bad.pop((r, c), None)
                except ValueError as exc:
                    self._model.bad[(r, c)] = (text_cell, str(exc))
        self._model.redraw()
        self._update_cell_message(first=self._left_out_text(left_out, rows - r0, cols - c0))
        self.value_changed.emit(self.value())
        if self._model.bad or left_out:
            self.cell_rejected.emit(self.cell_message().split("\n")[0])

    def clear_selected(self) -> None:
        """Delete / Backspace: the selected cells (or the current one) become 0, bad or not."""
        cells = {(i.row(), i.column()) for i in self._table.selectedIndexes()}
        if not cells and self._table.currentIndex().isValid():
            cells = {(self._table.currentIndex().row(), self._table.currentIndex().column())}
        if not cells:
            return
        for rc in cells:
            self._model.values[rc] = 0.0
            self._model.bad.pop(rc, None)
        self._model.redraw()
        self._update_cell_message()
        self.value_changed.emit(self.value())

    # -- internals ------------------------------------------------------------------------------
    def _is_vector(self) -> bool:
        """The value is 1-D: a vector editor, or a batch editor at batch size 1."""
        return self._ndim == 1 and (not self._batch or self._model.values.shape[0] == 1)

    def _fill(self, values: np.ndarray) -> None:
        self._model.reset(values)
        self._update_cell_message()
        self.value_changed.emit(self.value())

    def _on_cell_edited(self, row: int, col: int) -> None:
        self._update_cell_message()
        if (row, col) not in self._model.bad:
            self.value_changed.emit(self.value())
        else:
            self.cell_rejected.emit(self.cell_message().split("\n")[0])

    def _update_cell_message(self, first: str = "") -> None:
        bad = self._model.bad
        lines = [first] if first else []
        for (r, c), (_, reason) in sorted(bad.items())[:3]:
            where = f"[{c}]" if self._is_vector() else f"[{r},{c}]"
            lines.append(f"{self._label}{where}: {reason}; the last good value is used")
        if len(bad) > 3:
            lines.append(f"… and {len(bad) - 3} more bad cells")
        self._cell_message.set_error("\n".join(lines))

    def _left_out_text(self, left_out: list[tuple[int, int, str]], fit_rows: int,
                       fit_cols: int) -> str:
        """What a paste left out: "b: row 2 of the paste was left out (7, 8, 9); …" ("" for
        nothing). ``fit_rows`` / ``fit_cols``: how many of the block's rows / columns fit."""
        if not left_out:
            return ""
        parts = []
        for word, first, last in (("row", fit_rows, max(i for i, _, _ in left_out)),
                                  ("column", fit_cols, max(j for _, j, _ in left_out))):
            if last >= first:
                parts.append(f"{word} {first + 1}" if last == first
                             else f"{word}s {first + 1}–{last + 1}")
        texts = [t.strip() for _, _, t in left_out]
        shown = ", ".join(texts[:MAX_LEFT_OUT_SHOWN]) + (", …" if len(texts) >
                                                         MAX_LEFT_OUT_SHOWN else "")
        verb = "was" if len(parts) == 1 and "–" not in parts[0] else "were"
        rows, cols = self._model.values.shape
        if self._is_vector():
            holds = f"one row of {cols}"
        else:
            holds = f"{rows} × {cols}" + ("" if self._resizable else
                                          "; change the sizes above for more")
        return (f"{self._label}: {' and '.join(parts)} of the paste {verb} left out ({shown}); "
                f"{self._label} holds {holds}")

    def _on_shape_changed(self, _value: int) -> None:
        rows = self.rows_box.value() if self._ndim == 2 or self._batch else 1
        self._apply_shape(rows, self.cols_box.value(), emit=True)

    def _apply_shape(self, rows: int, cols: int, emit: bool) -> None:
        old = self._model.values
        if (rows, cols) == old.shape:
            return
        new = np.zeros((rows, cols))
        r, c = min(rows, old.shape[0]), min(cols, old.shape[1])
        new[:r, :c] = old[:r, :c]
        bad = {k: v for k, v in self._model.bad.items() if k[0] < rows and k[1] < cols}
        self._model.reset(new, bad)
        self._sync_shape_widgets()
        self._update_cell_message()
        if emit:
            self.value_changed.emit(self.value())

    def _sync_shape_widgets(self) -> None:
        rows, cols = self._model.values.shape
        for spin, v in ((self.rows_box, rows), (self.cols_box, cols)):
            spin.blockSignals(True)
            spin.setValue(v)
            spin.blockSignals(False)
        vector = self._is_vector()
        self._table.verticalHeader().setVisible(not vector)
        shape = f"({cols},)" if vector else f"({rows}, {cols})"
        self._title_label.setText(f"<b>{self._title}</b>&nbsp;&nbsp;<span style='color:#666'>"
                                  f"{shape}</span>")
        self._fit_table()

    def set_cell_width(self, design: float) -> None:
        """Columns ``design`` pixels wide at 100 % (they follow View → Zoom)."""
        self._cell_width = float(design)
        self._size_cells()
        self._fit_table()

    def _size_cells(self) -> None:
        """Cells for the window's text size (View → Zoom); 58 × 24 px at 100 %."""
        hh, vh = self._table.horizontalHeader(), self._table.verticalHeader()
        hh.setMinimumSectionSize(style.px(min(30.0, self._cell_width)))
        hh.setDefaultSectionSize(style.px(self._cell_width))
        vh.setMinimumSectionSize(style.px(18))
        vh.setDefaultSectionSize(style.px(24))

    def _on_zoom(self, _factor: float) -> None:
        self._size_cells()
        self._fit_table()

    def _fit_table(self) -> None:
        """Table height = its rows (at most 10), plus the horizontal scroll bar when the columns
        do not fit the width it has (so no row is ever half hidden under the bar)."""
        rows, cols = self._model.values.shape
        vh = self._table.verticalHeader()
        hh = self._table.horizontalHeader()
        frame = 2 * self._table.frameWidth()
        shown = min(rows, 10)
        h = shown * vh.defaultSectionSize() + hh.sizeHint().height() + frame
        need_w = cols * hh.defaultSectionSize() + frame
        if not vh.isHidden():
            need_w += vh.sizeHint().width()
        if rows > shown:
            need_w += self._table.verticalScrollBar().sizeHint().width()
        if need_w > self._table.width():
            h += self._table.horizontalScrollBar().sizeHint().height()
        self._table.setFixedHeight(h + 2)

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_table()

    def _on_context_menu(self, pos: QtCore.QPoint) -> None:
        self.context_menu().exec(self._table.viewport().mapToGlobal(pos))

    def context_menu(self) -> QtWidgets.QMenu:
        """The right-click menu (built on demand; exposed for tests)."""
        menu = QtWidgets.QMenu(self)
        menu.addAction("Copy", self.copy)
        menu.addAction("Paste", self.paste)
        menu.addAction("Set selected cells to 0", self.clear_selected)
        menu.addSeparator()
        menu.addAction("Fill with zeros", self.fill_zeros)
        menu.addAction(f"Fill with random values (seed {self._seed})", self.fill_random)
        reset = menu.addAction("Reset to example", self.reset_to_example)
        reset.setEnabled(self._example is not None)
        return menu
