"""Input widgets of the Conv2D and pooling panels: a row of spin boxes for a shape (with its error
beside it), a channel-by-channel editor for a 3-D tensor, and the filter bank as a grid of small
matrices. They hold no math: they resize arrays and report edits.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PySide6 import QtCore, QtWidgets

from engine.steps import sub
from engine.validate import as_pair
from pnn_gui.widgets.field_error import ErrorLabel
from pnn_gui.widgets.matrix_editor import MatrixEditor

#: the filter bank is shown as a grid of editors up to this many matrices, else one at a time
MAX_GRID_MATRICES = 24
SPIN_WIDTH = 62
#: column width of the channel editors (px): four columns fit the inputs column
EDIT_CELL = 46
#: column width of the filter bank's small matrices (px), and the gap between them
SMALL_CELL = 38
CELL_SPACING = 10
#: the filter bank's width (px), where its tables wrap: the sheet's two 3-column matrices fit
BANK_WIDTH = 280
TOP_LEFT = QtCore.Qt.AlignmentFlag.AlignLeft | QtCore.Qt.AlignmentFlag.AlignTop


def pair(value, name: str, minimum: int, maximum: int) -> tuple[int, int]:
    """An example's or a session's int or [rows, cols] pair as a (rows, cols) pair of ints; a
    ValueError in the engine's words when it is not one (``stride (rows): expected a whole
    number, got 'abc'``) or when it does not fit the spin boxes that show it (see
    :func:`check_fits`)."""
    out = as_pair(value, name, minimum)
    check_fits(out, name, name, maximum)
    return out


def check_fits(values: Sequence[int], name: str, what: str, maximum: int) -> None:
    """A ValueError unless every value fits a spin box of at most ``maximum``: one larger would
    be shown clamped while the panel computed with the real value (``what``: "stride",
    "shape")."""
    if any(int(v) > maximum for v in values):
        text = "(" + ", ".join(str(int(v)) for v in values) + ")"
        raise ValueError(f"{name}: {what} {text} does not fit the boxes here (at most "
                         f"{maximum:,} each)")


def element_named(message: str, label: str, tail: tuple[int, ...]) -> str:
    """A matrix editor's message about ``label[r,c]`` (the editor shows one matrix of a larger
    tensor) naming the tensor's element instead: ``label[r,c,*tail]``, as the engine numbers
    elements. Other messages (a paste left out) are returned as they are."""
    head = f"{label}["
    end = message.find("]")
    if not tail or not message.startswith(head) or end < 0:
        return message
    return f"{message[:end]},{','.join(str(t) for t in tail)}{message[end:]}"


def html(text: str) -> str:
    """Plain text safe inside a rich-text label."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def resized(arr: np.ndarray, shape: Sequence[int]) -> np.ndarray:
    """``arr`` cut or zero-padded to ``shape`` (the values that still fit are kept)."""
    out = np.zeros(tuple(int(s) for s in shape))
    common = tuple(slice(0, min(a, b)) for a, b in zip(arr.shape, out.shape, strict=True))
    out[common] = arr[common]
    return out


class ShapeRow(QtWidgets.QWidget):
    """``label  [a] [b] [c]`` with the field's error under it; ``changed`` after an edit."""

    changed = QtCore.Signal(tuple)

    def __init__(self, label: str, parts: Sequence[str], minimum: int = 1, maximum: int = 64,
                 tooltip: str = "", parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self._label = QtWidgets.QLabel(label)
        self._label.setToolTip(tooltip)
        self.spins: list[QtWidgets.QSpinBox] = []
        row = QtWidgets.QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(3)
        for part in parts:
            spin = QtWidgets.QSpinBox()
            spin.setMaximumWidth(SPIN_WIDTH)
            spin.setRange(minimum, maximum)
            spin.setToolTip(part)
            spin.setKeyboardTracking(False)
            spin.setAccessibleName(f"{label} {part}")
            spin.valueChanged.connect(self._on_spin_changed)
            row.addWidget(spin)
            self.spins.append(spin)
        row.addStretch(1)
        self._error = ErrorLabel()
        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(1)
        lay.addWidget(self._label)
        lay.addLayout(row)
        lay.addWidget(self._error)

    def value(self) -> tuple[int, ...]:
        return tuple(s.value() for s in self.spins)

    def set_value(self, values: Sequence[int]) -> None:
        """Show ``values`` without emitting."""
        for spin, v in zip(self.spins, values, strict=True):
            spin.blockSignals(True)  # (clamped as Qt clamps, before a C int overflows: 10**30)
            spin.setValue(max(spin.minimum(), min(int(v), spin.maximum())))
            spin.blockSignals(False)

    def set_range(self, minimum: int, maximum: int) -> None:
        for spin in self.spins:
            spin.blockSignals(True)
            spin.setRange(minimum, maximum)
            spin.blockSignals(False)

    def set_error(self, message: str) -> None:
        self._error.set_error(message)

    def error(self) -> str:
        return self._error.error()

    def _on_spin_changed(self, _v: int) -> None:
        self.changed.emit(self.value())


class ChannelEditor(QtWidgets.QWidget):
    """A 3-D tensor (rows, cols, channels) edited one channel at a time (a MatrixEditor each)."""

    value_changed = QtCore.Signal(object)  # the whole 3-D array after a good edit
    #: a typed or pasted value was refused (the editor's message, for the status line)
    cell_rejected = QtCore.Signal(str)

    def __init__(self, title: str, name: str, value: np.ndarray, channel_word: str = "channel",
                 parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self._value = np.array(value, float)
        self._title = title
        self._channel = QtWidgets.QSpinBox()
        self._channel.setToolTip(f"which {channel_word} of {title} to edit")
        self._channel.valueChanged.connect(self._on_channel_changed)
        self._channel_label = QtWidgets.QLabel(channel_word)
        self.editor = MatrixEditor(title, self._value[:, :, 0], resizable=False, name=name)
        self.editor.set_cell_width(EDIT_CELL)
        self.editor.value_changed.connect(self._on_matrix_changed)
        self.editor.cell_rejected.connect(self._on_cell_rejected)
        head = QtWidgets.QHBoxLayout()
        head.setContentsMargins(0, 0, 0, 0)
        head.addStretch(1)
        head.addWidget(self._channel_label)
        head.addWidget(self._channel)
        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(1)
        lay.addLayout(head)
        lay.addWidget(self.editor)
        self._sync()

    def value(self) -> np.ndarray:
        return self._value.copy()

    def channel(self) -> int:
        return self._channel.value()

    def set_channel(self, ch: int) -> None:
        self._channel.setValue(int(ch))

    def set_value(self, value: np.ndarray) -> None:
        """Show ``value`` (any shape); emits nothing."""
        self._value = np.array(value, float)
        self._sync()

    def set_error(self, message: str) -> None:
        self.editor.set_error(message)

    def error(self) -> str:
        return self.editor.error()

    def set_precision(self, digits: int) -> None:
        self.editor.set_precision(digits)

    def _sync(self) -> None:
        n = self._value.shape[2]
        self._channel.blockSignals(True)
        self._channel.setRange(0, n - 1)
        self._channel.blockSignals(False)
        show = n > 1
        self._channel.setVisible(show)
        self._channel_label.setVisible(show)
        ch = self._channel.value()
        self.editor.set_title(f"{self._title}[:, :, {ch}]" if show else self._title)
        self.editor.set_value(self._value[:, :, ch])

    def _on_channel_changed(self, _ch: int) -> None:
        self._sync()

    def _on_matrix_changed(self, arr: np.ndarray) -> None:
        self._value[:, :, self._channel.value()] = arr
        self.value_changed.emit(self._value.copy())

    def _on_cell_rejected(self, message: str) -> None:
        tail = (self._channel.value(),) if self._value.shape[2] > 1 else ()
        self.cell_rejected.emit(element_named(message, self._title, tail))


class FilterBankEditor(QtWidgets.QWidget):
    """The filter bank f (k_rows, k_cols, c_in, c_out) as the sheet names it: one small table per
    matrix, f₀, f₁, … for f[:, :, 0, 0], f[:, :, 0, 1], … (channel by channel, filter by filter),
    each titled with its name and captioned with its channel and filter.

    The tables wrap at :data:`BANK_WIDTH`: one row per input channel while c_out tables fit
    side by side (the sheet's layout), else as many per row as fit, in the same order. Each
    table is at least as wide as its cells (up to BANK_WIDTH, then it scrolls), its headers
    shown so the editor's own height fit is exact, and nothing around the tables has a fixed
    size: the inputs column makes room for BANK_WIDTH, and no layout pass can squeeze one. Past
    :data:`MAX_GRID_MATRICES` matrices, one matrix at a time with channel / filter selectors.

    ``editors`` maps (channel, filter) to each matrix's MatrixEditor (``(-1, -1)``: the single
    editor past the limit); :meth:`editor` selects and returns the one for (channel, filter).
    """

    value_changed = QtCore.Signal(object)
    #: a typed or pasted value was refused in any of the tables (its message, for the status)
    cell_rejected = QtCore.Signal(str)

    def __init__(self, value: np.ndarray, name: str = "f",
                 parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self._name = name
        self._value = np.array(value, float)
        self._digits = 4
        self.editors: dict[tuple[int, int], MatrixEditor] = {}
        self._cells: list[QtWidgets.QWidget] = []  # one per matrix, in the sheet's order
        self._per_row = 0
        self._grid = QtWidgets.QGridLayout()
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._grid.setHorizontalSpacing(CELL_SPACING)
        self._grid.setVerticalSpacing(4)
        self._pick_channel = QtWidgets.QSpinBox()
        self._pick_filter = QtWidgets.QSpinBox()
        self._pick_channel.setToolTip("which input channel of f to edit")
        self._pick_filter.setToolTip("which filter of f to edit")
        self._pick_channel.valueChanged.connect(self._on_pick_changed)
        self._pick_filter.valueChanged.connect(self._on_pick_changed)
        self._picker = QtWidgets.QWidget()
        pl = QtWidgets.QHBoxLayout(self._picker)
        pl.setContentsMargins(0, 0, 0, 0)
        pl.addWidget(QtWidgets.QLabel("channel"))
        pl.addWidget(self._pick_channel)
        pl.addWidget(QtWidgets.QLabel("filter"))
        pl.addWidget(self._pick_filter)
        pl.addStretch(1)
        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        # whatever the shape: the inputs column makes room for the widest row of tables once,
        # and keeps its width when k, c_in or c_out change
        self.setMinimumWidth(BANK_WIDTH)
        lay.addWidget(self._picker)
        lay.addLayout(self._grid)
        self._built_shape: tuple[int, ...] | None = None
        self._build()

    def value(self) -> np.ndarray:
        return self._value.copy()

    def set_value(self, value: np.ndarray) -> None:
        """Show ``value``; rebuilds the tables only when the shape changes. Emits nothing."""
        self._value = np.array(value, float)
        if self._value.shape != self._built_shape:
            self._build()
        else:
            self._fill()

    def set_precision(self, digits: int) -> None:
        self._digits = digits
        for ed in self.editors.values():
            ed.set_precision(digits)

    def is_grid(self) -> bool:
        """Every matrix has its own table (else one at a time)."""
        _, _, c_in, c_out = self._value.shape
        return c_in * c_out <= MAX_GRID_MATRICES

    def per_row(self) -> int:
        """How many matrices sit side by side now (c_out while they fit the width)."""
        return self._per_row

    def editor(self, ci: int, co: int) -> MatrixEditor:
        """The editor of f[:, :, ci, co] (selecting it first when one is shown at a time)."""
        if not self.is_grid():
            self._pick_channel.setValue(ci)
            self._pick_filter.setValue(co)
            return self.editors[(-1, -1)]
        return self.editors[(ci, co)]

    # -- building -------------------------------------------------------------------------------
    def _build(self) -> None:
        for cell in self._cells:
            self._grid.removeWidget(cell)
            cell.setParent(None)
            cell.deleteLater()
        self._cells, self.editors, self._per_row = [], {}, 0
        _, _, c_in, c_out = self._value.shape
        self._built_shape = self._value.shape
        grid = self.is_grid()
        self._picker.setVisible(not grid)
        if grid:
            for ci in range(c_in):
                for co in range(c_out):
                    ed = self._new_editor(f"f{sub(ci * c_out + co)}", self._value[:, :, ci, co])
                    ed.setToolTip(f"f[:, :, {ci}, {co}]: channel {ci} of filter {co}")
                    ed.value_changed.connect(
                        lambda arr, c=ci, o=co: self._on_matrix_changed(c, o, arr))
                    self.editors[(ci, co)] = ed
                    self._cells.append(_captioned(ed, f"ch {ci} · filter {co}"))
        else:
            for spin, n in ((self._pick_channel, c_in), (self._pick_filter, c_out)):
                spin.blockSignals(True)
                spin.setRange(0, n - 1)
                spin.blockSignals(False)
            ed = self._new_editor("f", self._value[:, :, 0, 0])
            ed.value_changed.connect(self._on_single_changed)
            self.editors[(-1, -1)] = ed
            self._cells.append(ed)
            self._on_pick_changed()
        for cell in self._cells:
            cell.show()  # counted by the layout at once, not after a queued show
        self._place()

    def _new_editor(self, title: str, matrix: np.ndarray) -> MatrixEditor:
        ed = MatrixEditor(title, matrix, resizable=False, name=self._name)
        ed.set_cell_width(SMALL_CELL)
        table = ed.table
        # as wide as its cells (up to BANK_WIDTH, then it scrolls): never squeezed
        table.setSizePolicy(QtWidgets.QSizePolicy.Policy.Minimum,
                            QtWidgets.QSizePolicy.Policy.Fixed)
        table.setMaximumWidth(BANK_WIDTH)
        ed.set_precision(self._digits)
        ed.cell_rejected.connect(self._on_cell_rejected)
        return ed

    def _place(self) -> None:
        """c_out tables per row (a row per input channel) while they fit :data:`BANK_WIDTH`,
        else as many as fit, in the same order."""
        c_out = self._value.shape[3] if self.is_grid() else 1
        cell_w = max(c.sizeHint().width() for c in self._cells)
        fit = (BANK_WIDTH + CELL_SPACING) // (cell_w + CELL_SPACING)
        self._per_row = max(1, min(c_out, fit))
        for i, cell in enumerate(self._cells):
            self._grid.addWidget(cell, i // self._per_row, i % self._per_row, TOP_LEFT)

    def _fill(self) -> None:
        if self.is_grid():
            for (ci, co), ed in self.editors.items():
                ed.set_value(self._value[:, :, ci, co])
        else:
            self._on_pick_changed()

    def _on_pick_changed(self, *_args) -> None:
        ed = self.editors.get((-1, -1))
        if ed is None:
            return
        ci, co = self._pick_channel.value(), self._pick_filter.value()
        ed.set_title(f"f[:, :, {ci}, {co}]")
        ed.set_value(self._value[:, :, ci, co])

    def _on_matrix_changed(self, ci: int, co: int, arr: np.ndarray) -> None:
        self._value[:, :, ci, co] = arr
        self.value_changed.emit(self._value.copy())

    def _on_cell_rejected(self, message: str) -> None:
        single = self.editors.get((-1, -1))
        if single is not None and self.sender() is single:  # one matrix of many: say which
            tail = (self._pick_channel.value(), self._pick_filter.value())
            message = element_named(message, "f", tail)  # (its messages' label: its first title)
        self.cell_rejected.emit(message)

    def _on_single_changed(self, arr: np.ndarray) -> None:
        self._on_matrix_changed(self._pick_channel.value(), self._pick_filter.value(), arr)


def _captioned(editor: MatrixEditor, caption: str) -> QtWidgets.QWidget:
    """``editor`` with a small grey caption under its table."""
    cell = QtWidgets.QWidget()
    lay = QtWidgets.QVBoxLayout(cell)
    lay.setContentsMargins(0, 0, 0, 0)
    lay.setSpacing(0)
    lay.addWidget(editor)
    label = QtWidgets.QLabel(caption)
    label.setStyleSheet("color: #666;")
    lay.addWidget(label)
    return cell
