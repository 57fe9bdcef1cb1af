"""Input widgets of the Conv2D and pooling panels: a row of spin boxes for a shape (with its error
beside it), a channel-by-channel editor for a 3-D tensor, and the filter bank as a grid of small
matrices. They hold no math: they resize arrays and report edits.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PySide6 import QtCore, QtWidgets

from engine.steps import sub
from pnn_gui.widgets.field_error import ErrorLabel
from pnn_gui.widgets.matrix_editor import MatrixEditor

#: the filter bank is shown as a grid of editors up to this many matrices, else one at a time
MAX_GRID_MATRICES = 24
SPIN_WIDTH = 62
#: column width of the channel editors (px): four columns fit the inputs column
EDIT_CELL = 46
#: column width of the filter grid's small matrices (px)
SMALL_CELL = 38


def pair(v) -> tuple[int, int]:
    """An int or a (rows, cols) pair as a (rows, cols) pair of ints."""
    if isinstance(v, (list, tuple, np.ndarray)):
        return int(v[0]), int(v[1])
    return int(v), int(v)


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
            spin.blockSignals(True)
            spin.setValue(int(v))
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
        self.editor.table.horizontalHeader().setDefaultSectionSize(EDIT_CELL)
        self.editor.value_changed.connect(self._on_matrix_changed)
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


class FilterBankEditor(QtWidgets.QWidget):
    """The filter bank (k_rows, k_cols, c_in, c_out) as the sheet prints it: a grid of small
    matrices, one row per input channel, one column per filter. Past
    :data:`MAX_GRID_MATRICES` matrices, one matrix at a time with channel / filter selectors."""

    value_changed = QtCore.Signal(object)

    def __init__(self, value: np.ndarray, name: str = "f",
                 parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self._name = name
        self._value = np.array(value, float)
        self._digits = 4
        self.editors: dict[tuple[int, int], MatrixEditor] = {}
        self._grid_host = QtWidgets.QWidget()
        self._grid = QtWidgets.QGridLayout(self._grid_host)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._grid.setHorizontalSpacing(8)
        self._grid.setVerticalSpacing(2)
        self._pick_channel = QtWidgets.QSpinBox()
        self._pick_filter = QtWidgets.QSpinBox()
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
        self._single: MatrixEditor | None = None
        # the grid scrolls sideways on its own, so a wide bank never widens the inputs column
        self._scroll = QtWidgets.QScrollArea()
        self._scroll.setWidget(self._grid_host)
        self._scroll.setWidgetResizable(True)
        self._scroll.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
        self._scroll.setVerticalScrollBarPolicy(QtCore.Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._scroll.setHorizontalScrollBarPolicy(QtCore.Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self._scroll.setMinimumWidth(60)
        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self._picker)
        lay.addWidget(self._scroll)
        self._built_shape: tuple[int, ...] | None = None
        self._build()

    def value(self) -> np.ndarray:
        return self._value.copy()

    def set_value(self, value: np.ndarray) -> None:
        """Show ``value``; rebuilds the grid only when the shape changes. Emits nothing."""
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
        _, _, c_in, c_out = self._value.shape
        return c_in * c_out <= MAX_GRID_MATRICES

    def editor(self, ci: int, co: int) -> MatrixEditor:
        """The editor of f[:, :, ci, co] (selecting it first when one is shown at a time)."""
        if not self.is_grid():
            self._pick_channel.setValue(ci)
            self._pick_filter.setValue(co)
            return self.editors[(-1, -1)]
        return self.editors[(ci, co)]

    def _build(self) -> None:
        while self._grid.count():
            item = self._grid.takeAt(0)
            w = item.widget()
            if w is not None:
                w.setParent(None)
                w.deleteLater()
        self.editors = {}
        _, _, c_in, c_out = self._value.shape
        self._built_shape = self._value.shape
        if self.is_grid():
            self._picker.setVisible(False)
            for co in range(c_out):
                head = QtWidgets.QLabel(f"<b>filter {co}</b>")
                head.setAlignment(QtCore.Qt.AlignmentFlag.AlignCenter)
                self._grid.addWidget(head, 0, co + 1)
            for ci in range(c_in):
                side = QtWidgets.QLabel(f"<b>ch {ci}</b>")
                self._grid.addWidget(side, ci + 1, 0)
                for co in range(c_out):
                    ed = MatrixEditor(f"f{sub(ci * c_out + co)}", self._value[:, :, ci, co],
                                      resizable=False, name=self._name)
                    ed.setToolTip(f"f[:, :, {ci}, {co}]: channel {ci} of filter {co}")
                    _compact(ed)
                    ed.set_precision(self._digits)
                    ed.value_changed.connect(
                        lambda arr, c=ci, o=co: self._on_matrix_changed(c, o, arr))
                    self._grid.addWidget(ed, ci + 1, co + 1)
                    self.editors[(ci, co)] = ed
        else:
            self._picker.setVisible(True)
            for spin, n in ((self._pick_channel, c_in), (self._pick_filter, c_out)):
                spin.blockSignals(True)
                spin.setRange(0, n - 1)
                spin.blockSignals(False)
            ed = MatrixEditor("f", self._value[:, :, 0, 0], resizable=False, name=self._name)
            ed.set_precision(self._digits)
            ed.value_changed.connect(self._on_single_changed)
            self._grid.addWidget(ed, 0, 0)
            self.editors[(-1, -1)] = ed
            self._on_pick_changed()
        self._fit_scroll()

    def _fit_scroll(self) -> None:
        self._grid.activate()
        bar = self._scroll.horizontalScrollBar().sizeHint().height()
        self._scroll.setFixedHeight(self._grid_host.sizeHint().height() + bar + 2)

    def _fill(self) -> None:
        if self.is_grid():
            for (ci, co), ed in self.editors.items():
                ed.set_value(self._value[:, :, ci, co])
                _fit_height(ed)
        else:
            self._on_pick_changed()

    def _on_pick_changed(self, *_args) -> None:
        ed = self.editors.get((-1, -1))
        if ed is None:
            return
        ci, co = self._pick_channel.value(), self._pick_filter.value()
        ed.set_title(f"f[:,:,{ci},{co}]")
        ed.set_value(self._value[:, :, ci, co])

    def _on_matrix_changed(self, ci: int, co: int, arr: np.ndarray) -> None:
        self._value[:, :, ci, co] = arr
        self.value_changed.emit(self._value.copy())

    def _on_single_changed(self, arr: np.ndarray) -> None:
        self._on_matrix_changed(self._pick_channel.value(), self._pick_filter.value(), arr)


def _compact(ed: MatrixEditor) -> None:
    """A small matrix of the filter grid: narrow columns, no headers (the grid labels them)."""
    table = ed.table
    table.horizontalHeader().setDefaultSectionSize(SMALL_CELL)
    table.horizontalHeader().setVisible(False)
    table.verticalHeader().setVisible(False)
    table.setHorizontalScrollBarPolicy(QtCore.Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    table.setVerticalScrollBarPolicy(QtCore.Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    _fit_height(ed)


def _fit_height(ed: MatrixEditor) -> None:
    """Size for the cells alone (the editor's own fit counts the hidden header)."""
    table = ed.table
    rows, cols = table.model().rowCount(), table.model().columnCount()
    table.setFixedHeight(rows * table.verticalHeader().defaultSectionSize()
                         + 2 * table.frameWidth() + 2)
    table.setFixedWidth(cols * table.horizontalHeader().defaultSectionSize()
                        + 2 * table.frameWidth() + 2)
