"""The Network panel's inputs column: a card per part of the chain (the input, each layer, the
loss), each with the editors its own panel uses. They hold no math: they report edits as new
values (never changing an array they were given) and show the shapes and messages they are told.

- :class:`TensorEditor`: a tensor of rank 1, 2 or 3 (the input x, an MSE target): a vector or a
  matrix in a :class:`MatrixEditor`, an image channel by channel in a :class:`ChannelEditor`
  with its shape in a :class:`ShapeRow`. Changing the rank reshapes (every value kept).
- :class:`Card`: a header that always shows (what the part is, its shapes, buttons) with the
  part's message under it, and a body of editors that shows while the card is open.
- :func:`new_layer`: a layer of a type with sensible values for the shape it gets.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
from PySide6 import QtCore, QtWidgets

from pnn_gui.panels.conv_inputs import ChannelEditor, FilterBankEditor, ShapeRow, resized
from pnn_gui.style import FAINT, MUTED, set_point_size, tint
from pnn_gui.widgets.field_error import ErrorLabel
from pnn_gui.widgets.matrix_editor import MatrixEditor

#: the layer types in menu order, as the menus and cards name them
LAYER_TITLES = {"conv2d": "Conv2D", "avgpool": "Average pooling", "maxpool": "Max pooling",
                "flatten": "Flatten", "fc": "Fully connected", "relu": "ReLU",
                "sigmoid": "Sigmoid", "tanh": "Tanh"}
#: what a layer without parameters does, element by element
FORMULAS = {"flatten": "y = x as one vector, in row, column, channel order",
            "relu": "y = max(0, x);  δx = δy ⊙ [x > 0]",
            "sigmoid": "y = σ(x) = 1 / (1 + e^−x);  δx = δy ⊙ y(1 − y)",
            "tanh": "y = tanh(x);  δx = δy ⊙ (1 − y²)"}
LOSS_TITLES = {"mse": "Mean squared error", "softmax_cross_entropy": "Softmax + cross-entropy"}
RANK_TITLES = {1: "vector (n,)", 2: "matrix (rows, cols)", 3: "image (rows, cols, channels)"}
#: largest size the editors' spin boxes offer (a 32×32×3 input's fully connected layer has
#: 1,024 rows)
MAX_DIM = 4096


def shape_text(shape: tuple[int, ...] | None) -> str:
    if shape is None:
        return "?"
    return "(" + ", ".join(str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"


def new_layer(type_: str, shape: tuple[int, ...] | None) -> dict[str, Any]:
    """A layer of ``type_`` that fits an input of ``shape`` (None: not known) where it can:
    Conv2D two 3×3 filters of small whole numbers, padding 1; pooling 2×2, stride 2; fully
    connected to 3 outputs with weights in tenths; biases 0."""
    if type_ == "conv2d":
        c_in = shape[2] if shape is not None and len(shape) == 3 else 1
        r, c, ci, co = np.indices((3, 3, c_in, 2))
        f = ((r - c + ci + co) % 3 - 1).astype(float)
        return {"type": type_, "f": f, "b": np.zeros(2), "stride": (1, 1), "padding": (1, 1)}
    if type_ in ("avgpool", "maxpool"):
        return {"type": type_, "size": (2, 2), "stride": (2, 2)}
    if type_ == "fc":
        n_in = int(np.prod(shape)) if shape is not None else 2
        j, k = np.indices((n_in, 3))
        return {"type": type_, "w": ((j + 2 * k) % 5 - 2) / 10, "b": np.zeros(3)}
    return {"type": type_}


class TensorEditor(QtWidgets.QWidget):
    """A tensor of rank 1–3: ``value_changed`` (a new array) after a good edit; ``set_value``
    shows one (its rank picks the editor) without emitting."""

    value_changed = QtCore.Signal(object)
    cell_rejected = QtCore.Signal(str)

    def __init__(self, title: str, name: str, value: np.ndarray,
                 parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self._title, self._name = title, name
        self._value = np.array(value, float)
        self._digits = 4
        self.rank_box = QtWidgets.QComboBox()
        for rank, text in RANK_TITLES.items():
            self.rank_box.addItem(text, rank)
        self.rank_box.setToolTip(f"the layout of {title}: reshaping keeps every value")
        self.rank_box.currentIndexChanged.connect(self._on_rank_changed)
        self.shape_row = ShapeRow(f"{title}  (rows, cols, channels)",
                                  ("rows", "cols", "channels"), maximum=MAX_DIM)
        self.shape_row.changed.connect(self._on_shape_changed)
        self._lay = QtWidgets.QVBoxLayout(self)
        self._lay.setContentsMargins(0, 0, 0, 0)
        self._lay.setSpacing(2)
        self._lay.addWidget(self.rank_box)
        self._lay.addWidget(self.shape_row)
        self.editor: MatrixEditor | ChannelEditor | None = None
        self._error = ErrorLabel()
        self._lay.addWidget(self._error)
        self._build()

    def value(self) -> np.ndarray:
        return self._value.copy()

    def set_value(self, value: np.ndarray) -> None:
        self._value = np.array(value, float)
        self._build()

    def set_error(self, message: str) -> None:
        self._error.set_error(message)

    def error(self) -> str:
        return self._error.error()

    def set_precision(self, digits: int) -> None:
        self._digits = digits
        if self.editor is not None:
            self.editor.set_precision(digits)

    def matrix_editor(self) -> MatrixEditor:
        """The table shown (of a channel, for an image)."""
        return self.editor.editor if isinstance(self.editor, ChannelEditor) else self.editor

    def _build(self) -> None:
        rank = self._value.ndim
        self.rank_box.blockSignals(True)
        self.rank_box.setCurrentIndex(rank - 1)
        self.rank_box.blockSignals(False)
        self.shape_row.setVisible(rank == 3)
        if rank == 3:
            self.shape_row.set_value(self._value.shape)
        if self.editor is not None:
            self._lay.removeWidget(self.editor)
            self.editor.setParent(None)
            self.editor.deleteLater()
        if rank == 3:
            self.editor = ChannelEditor(self._title, self._name, self._value)
        else:
            self.editor = MatrixEditor(self._title, self._value, name=self._name,
                                       max_dim=MAX_DIM)
            self.editor.cell_rejected.connect(self.cell_rejected)
        self.editor.set_precision(self._digits)
        self.editor.value_changed.connect(self._on_edited)
        self._lay.insertWidget(2, self.editor)

    def _on_rank_changed(self, index: int) -> None:
        rank = self.rank_box.itemData(index)
        v = self._value
        if rank == 1:
            new = v.reshape(-1)
        elif rank == 2:
            new = v.reshape(1, -1) if v.ndim == 1 else v.reshape(v.shape[0], -1)
        else:
            new = v.reshape(1, -1, 1) if v.ndim == 1 else v.reshape(*v.shape[:2], -1)
        self._value = new
        self._build()
        self.value_changed.emit(self.value())

    def _on_shape_changed(self, shape: tuple[int, ...]) -> None:
        self._value = resized(self._value, shape)
        self.editor.set_value(self._value)
        self.value_changed.emit(self.value())

    def _on_edited(self, arr: np.ndarray) -> None:
        self._value = np.array(arr, float)
        self.value_changed.emit(self.value())


class Card(QtWidgets.QFrame):
    """A part of the chain: header (title, shapes, buttons), its message, and a body that shows
    while the card is open (a click on the header opens and closes it)."""

    toggled = QtCore.Signal(bool)

    def __init__(self, title: str, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.setFrameShape(QtWidgets.QFrame.Shape.StyledPanel)
        self.setObjectName("networkCard")
        self._open_button = QtWidgets.QToolButton()
        self._open_button.setAutoRaise(True)
        self._open_button.setArrowType(QtCore.Qt.ArrowType.RightArrow)
        self._open_button.setToolTip("show / hide this part's values")
        self._open_button.clicked.connect(lambda: self.set_open(not self.is_open()))
        self.title_label = QtWidgets.QLabel(title)
        set_point_size(self.title_label, self.title_label.font().pointSizeF() + 0.5, bold=True)
        self.shapes_label = QtWidgets.QLabel()
        self.shapes_label.setObjectName("cardShapes")
        tint(self.shapes_label, MUTED)
        self.buttons = QtWidgets.QHBoxLayout()
        self.buttons.setSpacing(0)
        head = QtWidgets.QHBoxLayout()
        head.setContentsMargins(0, 0, 0, 0)
        head.setSpacing(2)
        head.addWidget(self._open_button)
        head.addWidget(self.title_label)
        head.addStretch(1)
        head.addLayout(self.buttons)
        self.error_label = ErrorLabel()
        self.body = QtWidgets.QWidget()
        self.body_layout = QtWidgets.QVBoxLayout(self.body)
        self.body_layout.setContentsMargins(4, 2, 0, 2)
        self.body_layout.setSpacing(4)
        self.body.setVisible(False)
        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(4, 2, 4, 4)
        lay.setSpacing(1)
        lay.addLayout(head)
        lay.addWidget(self.shapes_label)
        lay.addWidget(self.error_label)
        lay.addWidget(self.body)

    def add_button(self, text: str, tip: str, slot: Callable[[], None]) -> QtWidgets.QToolButton:
        b = QtWidgets.QToolButton()
        b.setText(text)
        b.setToolTip(tip)
        b.setAutoRaise(True)
        b.clicked.connect(lambda _checked=False: slot())   # (clicked passes a bool)
        self.buttons.addWidget(b)
        return b

    def button(self, text: str) -> QtWidgets.QToolButton:
        """The header's button showing ``text`` ("+", "↑", "↓", "✕")."""
        return next(self.buttons.itemAt(i).widget() for i in range(self.buttons.count())
                    if self.buttons.itemAt(i).widget().text() == text)

    def is_open(self) -> bool:
        return not self.body.isHidden()

    def set_open(self, open_: bool) -> None:
        if open_ == self.is_open():
            return
        self.body.setVisible(open_)
        self._open_button.setArrowType(QtCore.Qt.ArrowType.DownArrow if open_
                                       else QtCore.Qt.ArrowType.RightArrow)
        self.toggled.emit(open_)

    def set_shapes(self, text: str) -> None:
        self.shapes_label.setText(text)

    def set_error(self, message: str) -> None:
        self.error_label.set_error(message)

    def error(self) -> str:
        return self.error_label.error()

    def mousePressEvent(self, event) -> None:   # a click on the header opens / closes
        if event.position().y() <= self.shapes_label.geometry().bottom():
            self.set_open(not self.is_open())
        super().mousePressEvent(event)


class LayerCard(Card):
    """Layer i: its type's editors (Conv2D: the filter bank's shape and tables, b, stride and
    padding; pooling: window and stride; fully connected: W and b); ``changed`` hands the new
    layer dict on after an edit."""

    changed = QtCore.Signal(object)

    def __init__(self, i: int, layer: Mapping[str, Any],
                 parent: QtWidgets.QWidget | None = None):
        super().__init__(f"L{i}  {LAYER_TITLES[layer['type']]}", parent)
        self.index = i
        self.layer = dict(layer)
        self.editors: dict[str, Any] = {}
        type_ = layer["type"]
        if type_ == "conv2d":
            self._build_conv()
        elif type_ in ("avgpool", "maxpool"):
            self._build_pool()
        elif type_ == "fc":
            self._build_fc()
        else:
            text = QtWidgets.QLabel(FORMULAS[type_])
            text.setWordWrap(True)
            tint(text, FAINT)
            self.body_layout.addWidget(text)

    def set_precision(self, digits: int) -> None:
        for ed in self.editors.values():
            if hasattr(ed, "set_precision"):
                ed.set_precision(digits)

    # -- per type -------------------------------------------------------------------------------
    def _build_conv(self) -> None:
        f = self.layer["f"]
        shape = ShapeRow("f  (k_rows, k_cols, c_in, c_out)",
                         ("kernel rows", "kernel cols", "input channels", "filters"),
                         maximum=64)
        shape.set_value(f.shape)
        shape.changed.connect(self._on_f_shape_changed)
        bank = FilterBankEditor(f)
        bank.value_changed.connect(lambda a: self._set(f=np.array(a, float)))
        b = MatrixEditor("b", self.layer["b"], resizable=False, name="b")
        b.value_changed.connect(lambda a: self._set(b=np.array(a, float)))
        self.editors = {"f_shape": shape, "f": bank, "b": b,
                        "stride": self._pair_row("stride", "stride", minimum=1),
                        "padding": self._pair_row("padding", "padding", minimum=0)}
        for w in self.editors.values():
            self.body_layout.addWidget(w)

    def _on_f_shape_changed(self, shape: tuple[int, ...]) -> None:
        f = resized(self.layer["f"], shape)
        b = resized(self.layer["b"], (shape[3],))   # one bias per filter
        self.editors["f"].set_value(f)
        self.editors["b"].set_value(b)
        self._set(f=f, b=b)

    def _pair_row(self, title: str, key: str, minimum: int) -> ShapeRow:
        """A (rows, cols) setting of the layer, ``key`` in its spec, written back as edited."""
        row = ShapeRow(f"{title}  (rows, cols)", ("rows", "cols"), minimum=minimum)
        row.set_value(self.layer[key])
        row.changed.connect(lambda v: self._set(**{key: tuple(v)}))
        return row

    def _build_pool(self) -> None:
        self.editors = {"size": self._pair_row("window", "size", minimum=1),
                        "stride": self._pair_row("stride", "stride", minimum=1)}
        for w in self.editors.values():
            self.body_layout.addWidget(w)

    def _build_fc(self) -> None:
        w = MatrixEditor("W", self.layer["w"], name="w", max_dim=MAX_DIM)
        w.setToolTip("weights (n_in, n_out): row j holds input j's weights to every output")
        w.value_changed.connect(self._on_w_changed)
        b = MatrixEditor("b", self.layer["b"], resizable=False, name="b")
        b.value_changed.connect(lambda a: self._set(b=np.array(a, float)))
        self.editors = {"w": w, "b": b}
        for ed in self.editors.values():
            self.body_layout.addWidget(ed)

    def _on_w_changed(self, w: np.ndarray) -> None:
        w = np.array(w, float)
        b = self.layer["b"]
        if b.shape != (w.shape[1],):   # one bias per output
            b = resized(b, (w.shape[1],))
            self.editors["b"].set_value(b)
        self._set(w=w, b=b)

    def _set(self, **changes: Any) -> None:
        self.layer = {**self.layer, **changes}
        self.changed.emit(dict(self.layer))


class LossCard(Card):
    """The loss: its type, and the target (MSE: a tensor; softmax + cross-entropy: a class);
    ``changed`` hands the new loss dict on. "Fit to the output" resizes an MSE target to the
    network's output (``fit_requested``)."""

    changed = QtCore.Signal(object)

    def __init__(self, loss: Mapping[str, Any], parent: QtWidgets.QWidget | None = None):
        super().__init__("Loss", parent)
        self.loss = dict(loss)
        self._targets = {"mse": np.zeros(1), "softmax_cross_entropy": 0}  # each type's last
        self._targets[loss["type"]] = loss["target"]
        self.type_box = QtWidgets.QComboBox()
        for type_, title in LOSS_TITLES.items():
            self.type_box.addItem(title, type_)
        self.type_box.setCurrentIndex(list(LOSS_TITLES).index(loss["type"]))
        self.type_box.currentIndexChanged.connect(self._on_type_changed)
        self.target_editor = TensorEditor("target", "target",
                                          np.atleast_1d(self._targets["mse"]))
        self.target_editor.value_changed.connect(lambda a: self._set_target(np.array(a, float)))
        self.fit_button = QtWidgets.QPushButton("Fit the target to the output")
        self.fit_button.setToolTip("resize the target to the network's output shape (the "
                                   "values that fit are kept, new ones are 0)")
        self.class_row = QtWidgets.QWidget()
        row = QtWidgets.QHBoxLayout(self.class_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(QtWidgets.QLabel("target class t"))
        self.class_box = QtWidgets.QSpinBox()
        self.class_box.setRange(0, 9999)
        self.class_box.setKeyboardTracking(False)
        self.class_box.setValue(int(self._targets["softmax_cross_entropy"]))
        self.class_box.setToolTip("the right class, from 0: δ = softmax(y) − onehot(t)")
        self.class_box.valueChanged.connect(self._set_target)
        row.addWidget(self.class_box)
        row.addStretch(1)
        for w in (self.type_box, self.target_editor, self.class_row):
            self.body_layout.addWidget(w)
        self.layout().insertWidget(3, self.fit_button)   # under the message, open or not
        self._show_type()

    def set_precision(self, digits: int) -> None:
        self.target_editor.set_precision(digits)

    def set_output_shape(self, shape: tuple[int, ...] | None) -> None:
        """What the network puts out: the class box's range, and whether the target fits."""
        if shape is not None and len(shape) == 1:
            self.class_box.setMaximum(max(0, shape[0] - 1))
        else:
            self.class_box.setMaximum(9999)
        mse = self.loss["type"] == "mse"
        self.fit_button.setVisible(mse and shape is not None
                                   and np.shape(self.loss["target"]) != shape)

    def _show_type(self) -> None:
        mse = self.loss["type"] == "mse"
        self.target_editor.setVisible(mse)
        self.fit_button.setVisible(False)
        self.class_row.setVisible(not mse)
        self.title_label.setText(f"Loss  {LOSS_TITLES[self.loss['type']]}")

    def _on_type_changed(self, index: int) -> None:
        type_ = self.type_box.itemData(index)
        self.loss = {"type": type_, "target": self._targets[type_]}
        self._show_type()
        self.changed.emit(dict(self.loss))

    def _set_target(self, target: Any) -> None:
        self._targets[self.loss["type"]] = target
        self.loss = {**self.loss, "target": target}
        self.changed.emit(dict(self.loss))
