"""Fully connected panel (the sheet's Task 1): y = x·W + b, then δx, ΔW and Δb.

Editors x, W, b, δy on the left; heatmaps of every tensor in the centre; each valid edit
recomputes (sheet-sized inputs at once; in the window a large layer solves on a worker thread,
see :mod:`pnn_gui.compute`, and the last good results stay shown meanwhile). Errors appear under
the field they name.

x and δy may be a batch: their editors have a "batch" spin box (1 = the sheet's vector; above 1
the rows are the items of the batch, and Δb sums over them). The two batch sizes move together.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6 import QtCore, QtWidgets

from engine import examples
from engine.examples import Example
from engine.steps import Step, Trace
from engine.validate import as_array
from pnn_gui.panels.base import EditorGridPanel, session_inputs, wrong_example
from pnn_gui.state import PanelState
from pnn_gui.style import MUTED, tint
from pnn_gui.widgets.delta_flow import DeltaFlow
from pnn_gui.widgets.field_error import ErrorLabel, show_errors
from pnn_gui.widgets.matrix_editor import MatrixEditor
from pnn_gui.widgets.tensor_view import TensorGrid, symmetric_levels

KIND = "fully_connected"
FIELDS = ("x", "w", "b", "dy")
#: fields that may hold a batch (one row per item); their batch sizes are kept equal
BATCHED = ("x", "dy")
#: field -> (editor title, tooltip)
_EDITORS = {
    "x": ("x", "the layer's input (n_in,), or a batch (batch, n_in): one row per item"),
    "w": ("W", "weights (n_in, n_out): row j holds input j's weights to every output"),
    "b": ("b", "bias (n_out,)"),
    "dy": ("δy", "the loss gradient arriving from above, same shape as y (one row per item of "
                 "a batch)"),
}
#: view name (= engine tensor name) -> (title, grid row, grid col)
_VIEWS = {
    "x": ("x", 0, 0),
    "w": ("W", 0, 1),
    "b": ("b", 0, 2),
    "y": ("y = x·W + b", 1, 0),
    "dy": ("δy (given)", 1, 1),
    "dx": ("δx = δy·Wᵀ", 2, 0),
    "dw": ("ΔW = xᵀ·δy", 2, 1),
    "db": ("Δb = δy", 2, 2),
}


class FullyConnectedPanel(EditorGridPanel):
    title = "Fully connected"

    def __init__(self, parent: QtCore.QObject | None = None):
        super().__init__(parent)
        example = examples.load("fc")
        inputs = _arrays(example.inputs)
        self.state = PanelState(KIND, inputs)

        # inputs column
        self.inputs_widget = QtWidgets.QWidget()
        self.inputs_widget.setObjectName("fcInputs")
        lay = QtWidgets.QVBoxLayout(self.inputs_widget)
        lay.setContentsMargins(6, 6, 6, 6)
        lay.setSpacing(8)
        intro = QtWidgets.QLabel("Forward y = x·W + b; backward δx = δy·Wᵀ, ΔW = xᵀ·δy, "
                                 "Δb = δy.\nType into any cell: the results update at once. "
                                 "Batch > 1 gives x and δy one row per item (Δb sums them).")
        intro.setWordWrap(True)
        tint(intro, MUTED)
        lay.addWidget(intro)
        self.editors: dict[str, MatrixEditor] = {}
        for name, (title, tip) in _EDITORS.items():
            ed = MatrixEditor(title, inputs[name], name=name, example=inputs[name],
                              seed=len(self.editors), batch=name in BATCHED)
            ed.setToolTip(tip)
            ed.value_changed.connect(lambda arr, n=name: self._on_editor_changed(n, arr))
            ed.cell_rejected.connect(self.status)
            self.editors[name] = ed
            lay.addWidget(ed)
        self.general_error = ErrorLabel()
        lay.addWidget(self.general_error)
        lay.addStretch(1)

        # tensors
        self.grid = TensorGrid()
        self.view_widget = self.grid
        for name, (title, row, col) in _VIEWS.items():
            self.grid.add_view(name, title, row, col)
        self.flow = DeltaFlow(self.grid, self.grid.scene_pos, parent=self,
                              group=self.grid.block_points)  # a marker per block read

        self._levels: dict[str, tuple[float, float]] = {}
        self.state.subscribe(self._on_state_changed)
        self._on_state_changed("errors")
        self.show_step(self.state.step)

    # -- Panel hooks ----------------------------------------------------------------------------
    def load_example(self, example: Example) -> None:
        if example.kind != KIND:
            raise wrong_example(example, "a fully connected")
        inputs = _arrays(example.inputs)
        for name, ed in self.editors.items():
            ed.set_value(inputs[name])
            ed.set_example(inputs[name])
        self.state.set_inputs(inputs, replace=True)
        self._finish_load(example)

    def _on_new_trace(self, trace: Trace) -> None:
        self._levels = {name: symmetric_levels(trace.tensors[name]) for name in _VIEWS}
        batched = np.ndim(trace.tensors["x"]) == 2
        for name, view in self.grid.views.items():
            shape = np.shape(trace.tensors[name])
            title = "Δb = Σₙ δyₙ (over the batch)" if name == "db" and batched \
                else _VIEWS[name][0]
            view.set_title(f"{title}   {_shape_text(shape)}")

    def _draw(self, k: int, tensors: dict[str, np.ndarray], step: Step | None,
              animate: bool) -> None:
        for name, view in self.grid.views.items():
            view.set_array(tensors[name], levels=self._levels[name])
        self.grid.highlight(step.reads if step else (), step.writes if step else ())
        if animate:
            self.flow.play(step.reads, step.writes)
        else:
            self.flow.skip()

    def restore_session(self, data: dict[str, Any]) -> None:
        labels = {name: title for name, (title, _) in _EDITORS.items()}
        raw = session_inputs(data, KIND, FIELDS, labels)
        inputs = {}
        for name in FIELDS:
            ndim = 2 if name == "w" else (1, 2) if name in BATCHED else 1
            inputs[name] = as_array(raw[name], labels[name], ndim)
            if name in BATCHED and inputs[name].shape[0] == 1:
                inputs[name] = inputs[name].reshape(-1)  # a batch of one is the vector
        for name, ed in self.editors.items():
            ed.set_value(inputs[name])
        self.state.set_inputs(inputs, replace=True)

    # -- bindings -------------------------------------------------------------------------------
    def _on_editor_changed(self, name: str, value: np.ndarray) -> None:
        if name in BATCHED:
            other = BATCHED[1 - BATCHED.index(name)]
            theirs = self.editors[other].value()
            if _batch_size(theirs) != _batch_size(value):  # the batch sizes move together
                resized = _with_batch(theirs, _batch_size(value))
                self.editors[other].set_value(resized)
                self.state.set_inputs({name: value, other: resized})
                return
        self.state.set_input(name, value)  # the window's status bar reports the outcome

    def _on_state_changed(self, what: str) -> None:
        if what == "errors":
            show_errors(self.state.errors, self.editors, self.general_error)


def _arrays(inputs: dict[str, Any]) -> dict[str, np.ndarray]:
    return {name: np.asarray(inputs[name], dtype=np.float64) for name in FIELDS}


def _batch_size(value: np.ndarray) -> int:
    return 1 if np.ndim(value) == 1 else int(np.shape(value)[0])


def _with_batch(value: np.ndarray, rows: int) -> np.ndarray:
    """``value`` with ``rows`` items: the rows that fit kept, new rows 0; 1 row -> a vector."""
    old = np.atleast_2d(value)
    new = np.zeros((rows, old.shape[1]))
    n = min(rows, old.shape[0])
    new[:n] = old[:n]
    return new[0] if rows == 1 else new


def _shape_text(shape: tuple[int, ...]) -> str:
    return "(" + ", ".join(str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"
