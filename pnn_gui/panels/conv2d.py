"""Conv2D panel (the sheet's Task 2): output shapes, the backward filters, the whole pass.

Three modes, one per kind of example:

- **Full pass** (``conv``, kind ``conv2d``): the input edited channel by channel, the filter bank
  as a grid of small matrices (one row per input channel, one column per filter), bias, stride
  and padding per axis, δy. Forward steps slide the kernel over the zero-padded input; the
  backward filter step animates the swap and the 180° turn; then δy dilated and padded (the
  view above derives its size), each δx cell (f_back slides over the dilated, padded δy), each
  ΔF cell (δy's window slides over the padded input) and Δb, with the cells each step reads
  outlined and the cell it writes lit in the tensor views below.
- **Filter transform** (``conv-filter``, kind ``conv2d_filter``): the filter bank only; each step
  moves or turns one matrix (Task 2a).
- **Shape only** (``conv-shape``, kind ``conv2d_shape``): shapes in spin boxes, as large as you
  like (the sheet's [20, 18, 5] with [3, 4, 5, 1337]); nothing of that size is allocated.

The output-shape calculator under the shapes is live in every mode but the filter one: both
axes' formula with the numbers, from :func:`engine.traces.conv2d.solve_shape`. In shape-only mode
the output's sizes are the steps' answers, so the calculator and the picture show a size only
from the step that derives it on (o_x, o_y, o_c; "?" before it); an edit keeps the step and
shows what it reveals.
"""

from __future__ import annotations

from itertools import groupby
from operator import itemgetter
from typing import Any

import numpy as np
from PySide6 import QtCore, QtWidgets

from engine import conv2d, examples, traces
from engine.steps import Ref, Step, Trace
from engine.validate import as_array, as_shape
from pnn_gui import style
from pnn_gui.panels.base import ModePanel, inputs_column, splitter
from pnn_gui.panels.conv_inputs import (
    ChannelEditor,
    FilterBankEditor,
    ShapeRow,
    check_fits,
    html,
    pair,
    resized,
)
from pnn_gui.trace_cursor import StepTally
from pnn_gui.views.conv_shape import ConvShapeView, df_sweep, dx_sweep, forward_sweep
from pnn_gui.views.filter_transform import FilterTransformView
from pnn_gui.views.slot_layout import SlotLayout
from pnn_gui.widgets.delta_flow import DeltaFlow
from pnn_gui.widgets.field_error import ErrorLabel
from pnn_gui.widgets.matrix_editor import MatrixEditor
from pnn_gui.widgets.tensor_view import TensorGrid, TensorView, symmetric_levels

MODES = ("full", "filter", "shape")
KIND_OF = {"full": "conv2d", "filter": "conv2d_filter", "shape": "conv2d_shape"}
MODE_TITLES = {"full": "Full pass (forward and backward)", "filter": "Filter transform (Task 2a)",
               "shape": "Shape only (Task 2b)"}
FIELDS = {"full": ("x", "f", "b", "dy", "stride", "padding"), "filter": ("f",),
          "shape": ("x_shape", "f_shape", "stride", "padding")}

#: largest dimension the shape boxes offer when values are edited / in shape-only mode
MAX_DIM_VALUES = 64
MAX_DIM_SHAPES = 99_999
#: animation lengths at speed 1 (ms)
FILTER_MS = 1800
SLIDE_MS = 2500

#: the tensors shown for each kind of step (x_padded stands for x when there is no padding)
SLOTS = {
    "input": ("x", "f", "b", "y"),
    "pad": ("x", "x_padded"),
    "y": ("x_padded", "f", "b", "y"),
    "filter": ("f", "f_back"),
    "dilate": ("dy", "dy_dilated"),
    "dx": ("dy_dilated", "f_back", "dx"),
    "df": ("x_padded", "dy", "df"),
    "db": ("dy", "db"),
    "done": ("y", "dx", "df", "db"),  # the last step of a full pass: every result at once
}
#: the kind of step -> the sweep drawn above the tensors, named by the tensor it fills (the
#: padding and the dilation: the sweep that reads them, at its start)
#: the sweep shown above the tensors per kind of step (Δb = Σ δy and the last step keep the ΔF
#: sweep, finished: the last sweep of the pass); the f_back steps show the filter bank turning
SWEEP_OF = {"input": "y", "pad": "y", "y": "y", "dilate": "dx", "dx": "dx", "df": "df",
            "db": "df", "done": "df"}
CATEGORY = {"x_padded": "pad", "y": "y", "f_back": "filter", "dy_dilated": "dilate", "dx": "dx",
            "df": "df", "db": "db"}
TITLES = {"x": "x", "x_padded": "x padded", "f": "f", "b": "b", "y": "y", "dy": "δy",
          "dy_dilated": "δy dilated, padded", "f_back": "f_back",
          "dx": "δx", "df": "ΔF", "db": "Δb"}
N_SLOTS = 4
#: the tensor grid's narrowest width (px): two views side by side, titles whole
MIN_GRID_WIDTH = 400
#: most written cells per view the delta flow's markers aim at (their centre; a marker leaves
#: from each block of read cells)
MAX_FLOW_REFS = 24
#: the calculator's name for each step of the output shape (the engine's step titles, as the
#: sheet writes them: o_x along the rows, o_y along the columns)
AXIS_NAMES = {"o_x": "o_x (rows)", "o_y": "o_y (cols)"}


def _default_inputs(mode: str) -> dict[str, Any]:
    name = {"full": "conv", "filter": "conv-filter", "shape": "conv-shape"}[mode]
    try:
        return _normalise(mode, examples.load(name).inputs)
    except ValueError:  # the example file is missing or broken: small numbers of our own
        f = np.arange(1.0, 13.0).reshape(2, 3, 1, 2)
        if mode == "filter":
            return {"f": f}
        if mode == "shape":
            return {"x_shape": (20, 18, 5), "f_shape": (3, 4, 5, 1337), "stride": (2, 2),
                    "padding": (3, 3)}
        return {"x": np.arange(16.0).reshape(4, 4, 1), "f": f, "b": np.zeros(2),
                "dy": np.ones((4, 2, 2)), "stride": (1, 2), "padding": (1, 0)}


def _normalise(mode: str, raw: dict[str, Any]) -> dict[str, Any]:
    """An example's / session's inputs as the panel holds them (arrays, int pairs); a
    ValueError when one is not of its kind or does not fit the spin boxes that show it."""
    top = MAX_DIM_SHAPES if mode == "shape" else MAX_DIM_VALUES
    if mode == "filter":
        f = as_array(raw["f"], "f", 4)
        check_fits(f.shape, "f", "shape", top)
        return {"f": f}
    if mode == "shape":
        shapes = {}
        for name, parts in (("x_shape", ("rows", "cols", "channels")),
                            ("f_shape", ("k_rows", "k_cols", "c_in", "c_out"))):
            shapes[name] = as_shape(raw[name], name, parts)
            check_fits(shapes[name], name, "shape", top)
        return {**shapes, "stride": pair(raw.get("stride", 1), "stride", 0, top),
                "padding": pair(raw.get("padding", 0), "padding", 0, top)}
    x = as_array(raw["x"], "x", 3)
    f = as_array(raw["f"], "f", 4)
    for name, arr in (("x", x), ("f", f)):
        check_fits(arr.shape, name, "shape", top)
    b = as_array(raw["b"], "b", 1) if raw.get("b") is not None else np.zeros(f.shape[3])
    stride = pair(raw.get("stride", 1), "stride", 0, top)
    padding = pair(raw.get("padding", 0), "padding", 0, top)
    if raw.get("dy") is not None:
        dy = as_array(raw["dy"], "dy", 3)
    else:
        dy = np.zeros(conv2d.output_shape(x.shape, f.shape, stride, padding))
    return {"x": x, "f": f, "b": b, "dy": dy, "stride": stride, "padding": padding}


class Conv2DPanel(ModePanel):
    title = "Conv2D"
    MODES, KIND_OF, MODE_TITLES = MODES, KIND_OF, MODE_TITLES
    what = "a Conv2D"

    def __init__(self, parent: QtCore.QObject | None = None):
        super().__init__(parent)
        self._start_modes("full", {mode: _default_inputs(mode) for mode in MODES})
        self._digits = 4
        self._practice = False
        self._build_inputs()
        self._build_views()
        self._levels: dict[str, tuple[float, float]] = {}
        self._progress: StepTally | None = None  # filter mode: each matrix's progress
        self._groups: dict[int, tuple[dict, dict]] = {}
        self._channels: dict[str, int] = {}
        self._slots: dict[str, tuple[str, SlotLayout]] = {}  # tensor -> (slot view, layout)
        self._sweeps: dict = {}  # full mode: the tensor a sweep fills -> its Sweep
        self._bind_modes()

    # -- building ---------------------------------------------------------------------------------
    def _build_inputs(self) -> None:
        w, lay = inputs_column("convInputs")
        self.mode_box = self._mode_box()
        self.mode_box.setSizeAdjustPolicy(
            QtWidgets.QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.mode_box.setMinimumContentsLength(12)
        lay.addWidget(self.mode_box)
        self.intro = QtWidgets.QLabel()
        self.intro.setWordWrap(True)
        self.intro.setStyleSheet("color: #555;")
        lay.addWidget(self.intro)

        self.x_row = ShapeRow("x  (rows, cols, c_in)", ("rows", "cols", "channels"),
                              tooltip="shape of the input")
        self.f_row = ShapeRow("f  (k_rows, k_cols, c_in, c_out)",
                              ("kernel rows", "kernel cols", "input channels", "filters"),
                              tooltip="shape of the filter bank")
        self.stride_row = ShapeRow("stride  (rows, cols)", ("rows", "cols"), minimum=0,
                                   tooltip="step of the window along each axis (at least 1)")
        self.padding_row = ShapeRow("padding  (rows, cols)", ("rows", "cols"), minimum=0,
                                    tooltip="zero rows / columns added on every side")
        self.x_row.changed.connect(self._on_x_shape_changed)
        self.f_row.changed.connect(self._on_f_shape_changed)
        self.stride_row.changed.connect(lambda v: self._on_geometry_changed("stride", v))
        self.padding_row.changed.connect(lambda v: self._on_geometry_changed("padding", v))
        form = QtWidgets.QGroupBox("Shapes")
        fl = QtWidgets.QVBoxLayout(form)
        fl.setSpacing(3)
        for row in (self.x_row, self.f_row, self.stride_row, self.padding_row):
            fl.addWidget(row)
        self.calculator = QtWidgets.QLabel()
        self.calculator.setObjectName("outputShapeCalculator")
        self.calculator.setWordWrap(True)
        self.calculator.setTextInteractionFlags(
            QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
        self.calculator.setStyleSheet("background: #f6f8fb; border: 1px solid #d6dce5; "
                                      "padding: 4px;")
        fl.addWidget(self.calculator)
        lay.addWidget(form)
        self.shapes_box = form

        full = self._inputs["full"]
        self.x_editor = ChannelEditor("x", "x", full["x"])
        self.x_editor.value_changed.connect(lambda a: self._on_value_changed("x", a))
        self.f_editor = FilterBankEditor(full["f"])
        self.f_editor.value_changed.connect(lambda a: self._on_value_changed("f", a))
        self.b_editor = MatrixEditor("b", full["b"], resizable=False, name="b")
        self.b_editor.value_changed.connect(lambda a: self._on_value_changed("b", a))
        self.dy_editor = ChannelEditor("δy", "dy", full["dy"], channel_word="filter")
        self.dy_editor.value_changed.connect(lambda a: self._on_value_changed("dy", a))
        for editor in (self.x_editor, self.f_editor, self.b_editor, self.dy_editor):
            editor.cell_rejected.connect(self.status)  # a refused cell: the status line says so
        self.values_box = QtWidgets.QGroupBox("Values")
        vl = QtWidgets.QVBoxLayout(self.values_box)
        vl.setSpacing(4)
        self.f_title = QtWidgets.QLabel("<b>f</b>: a table per input channel and filter, "
                                        "f₀, f₁, … in the sheet's order (channel by channel, "
                                        "filter by filter)")
        self.f_title.setWordWrap(True)
        for wid in (self.x_editor, self.f_title, self.f_editor, self.b_editor, self.dy_editor):
            vl.addWidget(wid)
        lay.addWidget(self.values_box)
        self.general_error = ErrorLabel()
        lay.addWidget(self.general_error)
        lay.addStretch(1)
        self.inputs_widget = w

    def _build_views(self) -> None:
        w = QtWidgets.QWidget()
        lay = QtWidgets.QVBoxLayout(w)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        self.top_stack = QtWidgets.QStackedWidget()
        # one view per sweep, each built once per trace: entering the δx or ΔF steps only
        # switches the page (rebuilding one view there cost ~14 ms a switch)
        self.sweep_views = {name: ConvShapeView() for name in ("y", "dx", "df")}
        self.shape_view = self.sweep_views["y"]  # the forward sweep, and shape-only mode's
        self.filter_view = FilterTransformView()
        for view in self.sweep_views.values():
            self.top_stack.addWidget(view)
        self.top_stack.addWidget(self.filter_view)
        self.grid = TensorGrid()
        # the widest step's views side by side (their titles are a line each, the longest about
        # 200 px): the splitter never squeezes the grid below it, so no view is cut
        self.grid.setMinimumWidth(MIN_GRID_WIDTH)
        for i in range(N_SLOTS):
            self.grid.add_view(f"s{i}", "", row=i // 2, col=i % 2)
        self.grid.set_locator(self._locate)
        self.flow = DeltaFlow(self.grid, self.grid.scene_pos, parent=self)
        self.splitter = splitter(True, [(self.top_stack, 2), (self.grid, 3)])
        lay.addWidget(self.splitter, 1)
        self.view_widget = w

    # -- Panel hooks ------------------------------------------------------------------------------
    def _normalised(self, mode: str, raw: dict[str, Any]) -> dict[str, Any]:
        return _normalise(mode, raw)

    def _fields(self, mode: str) -> tuple[str, ...]:
        return FIELDS[mode]

    def set_precision(self, digits: int) -> None:
        self._digits = int(digits)
        for ed in (self.x_editor, self.f_editor, self.dy_editor):
            ed.set_precision(digits)
        self.b_editor.set_precision(digits)
        self.grid.set_precision(digits)

    def set_practice(self, on: bool) -> None:
        """In practice the output-shape calculator is hidden: it is Task 2b's answer."""
        self._practice = bool(on)
        self._apply_mode_widgets()

    def set_animation_speed(self, factor: float) -> None:
        super().set_animation_speed(factor)
        self.flow.set_speed(self.speed)
        for view in self.sweep_views.values():
            view.slide_ms = self._ms(SLIDE_MS)

    def set_animations_enabled(self, enabled: bool) -> None:
        super().set_animations_enabled(enabled)
        if not enabled:
            self.flow.skip()
            self.filter_view.finish()
            for view in self.sweep_views.values():
                view.finish()

    # -- public helpers (tests, benchmarks) -------------------------------------------------------
    def calculator_text(self) -> str:
        return self.calculator.text()

    def error_targets(self) -> dict[str, Any]:
        """Field -> the widget its message goes beside, for the current mode."""
        if self._mode == "filter":
            return {"f": self.f_row}
        if self._mode == "shape":
            return {"x_shape": self.x_row, "f_shape": self.f_row, "stride": self.stride_row,
                    "padding": self.padding_row}
        return {"x": self.x_row, "f": self.f_row, "b": self.b_editor, "dy": self.dy_editor,
                "stride": self.stride_row, "padding": self.padding_row}

    @property
    def sweep_view(self) -> ConvShapeView | None:
        """The sweep shown above the tensors now (forward, δx or ΔF), or None (the filters)."""
        view = self.top_stack.currentWidget()
        return view if isinstance(view, ConvShapeView) else None

    def shown_tensors(self) -> dict[str, np.ndarray]:
        """What the tensor views show now: tensor name -> the 2-D array drawn."""
        out = {}
        for name, (slot, _layout) in self._slots.items():
            out[name] = self.grid.view(slot).values().copy()
        return out

    # -- mode and widgets -------------------------------------------------------------------------
    def _apply_mode_widgets(self) -> None:
        mode = self._mode
        shapes = MAX_DIM_SHAPES if mode == "shape" else MAX_DIM_VALUES
        self.x_row.set_range(1, shapes)
        self.f_row.set_range(1, shapes)
        self.stride_row.set_range(0, shapes)
        self.padding_row.set_range(0, shapes)
        for row in (self.x_row, self.stride_row, self.padding_row):
            row.setVisible(mode != "filter")
        self.calculator.setVisible(mode != "filter" and not self._practice)
        self.values_box.setVisible(mode != "shape")
        for wid in (self.x_editor, self.b_editor, self.dy_editor):
            wid.setVisible(mode == "full")
        self.grid.setVisible(mode == "full")
        self.top_stack.setCurrentWidget(self.filter_view if mode == "filter" else self.shape_view)
        self.intro.setText({
            "full": "Type into any cell; every valid edit recomputes. Step through the forward "
                    "pass (the kernel slides over the zero-padded input), then the backward "
                    "pass (swapped and turned filters, δy dilated and padded, δx, ΔF, Δb).",
            "filter": "Task 2a: the filters for the backward pass — swap channels and filters, "
                      "then turn each matrix by 180°.",
            "shape": "Task 2b: only shapes, as large as you like — nothing of that size is "
                     "allocated.",
        }[mode])

    def _fill_widgets(self) -> None:
        """Put the current mode's inputs in the widgets (no signals)."""
        inp = self._inputs[self._mode]
        if self._mode == "shape":
            self.x_row.set_value(inp["x_shape"])
            self.f_row.set_value(inp["f_shape"])
        else:
            self.f_row.set_value(inp["f"].shape)
            self.f_editor.set_value(inp["f"])
        if self._mode == "full":
            self.x_row.set_value(inp["x"].shape)
            self.x_editor.set_value(inp["x"])
            self.b_editor.set_value(inp["b"])
            self.dy_editor.set_value(inp["dy"])
        if self._mode != "filter":
            self.stride_row.set_value(inp["stride"])
            self.padding_row.set_value(inp["padding"])
        self._update_calculator()

    # -- edits ------------------------------------------------------------------------------------
    def _on_x_shape_changed(self, shape: tuple[int, ...]) -> None:
        inp = self._inputs[self._mode]
        if self._mode == "shape":
            inp["x_shape"] = tuple(shape)
        else:
            inp["x"] = resized(inp["x"], shape)
            self.x_editor.set_value(inp["x"])
            self._refit()
        self._submit()

    def _on_f_shape_changed(self, shape: tuple[int, ...]) -> None:
        inp = self._inputs[self._mode]
        if self._mode == "shape":
            inp["f_shape"] = tuple(shape)
        else:
            inp["f"] = resized(inp["f"], shape)
            self.f_editor.set_value(inp["f"])
            if self._mode == "full":
                self._refit()
        self._submit()

    def _on_geometry_changed(self, name: str, value: tuple[int, ...]) -> None:
        self._inputs[self._mode][name] = tuple(value)
        if self._mode == "full":
            self._refit()
        self._submit()

    def _refit(self) -> None:
        """Full mode: fit δy to the output shape and b to the filters (keeping what fits)."""
        inp = self._inputs["full"]
        c_out = inp["f"].shape[3]
        if inp["b"].shape != (c_out,):
            inp["b"] = resized(inp["b"], (c_out,))
            self.b_editor.set_value(inp["b"])
        try:
            shape = conv2d.output_shape(inp["x"].shape, inp["f"].shape, inp["stride"],
                                        inp["padding"])
        except ValueError:
            return  # the message appears beside its field; δy keeps its shape until it fits
        if inp["dy"].shape != tuple(shape):
            inp["dy"] = resized(inp["dy"], shape)
            self.dy_editor.set_value(inp["dy"])

    def _update_calculator(self, step: int | None = None) -> None:
        """The calculator from the current inputs; in shape mode a size shows only once
        ``step`` (default: the state's) has derived it."""
        if self._mode == "filter":
            return
        inp = self._inputs[self._mode]
        if self._mode == "shape":
            xs, fs = inp["x_shape"], inp["f_shape"]
        else:
            xs, fs = inp["x"].shape, inp["f"].shape
        try:
            steps = traces.conv2d.solve_shape(xs, fs, inp["stride"], inp["padding"]).steps
        except ValueError as exc:
            self.calculator.setText(f"<span style='color:#c62828'>Output shape: cannot be "
                                    f"computed — {html(str(exc))}</span>")
            return
        known = len(steps)
        if self._mode == "shape":
            known = self.state.step if step is None else step
        lines, sizes = [], []
        for n, s in enumerate(steps):
            # whole numbers printed in full (the step text rounds to 4 significant digits)
            name = AXIS_NAMES.get(s.title, s.title)
            result = str(int(s.result))
            parts = [s.formula.split(" = ", 1)[1], s.substituted, result]
            parts = [p for i, p in enumerate(parts) if p and p not in parts[:i]]
            derived = n < known
            if not derived:  # its rule and numbers, no answer (o_c's numbers are its answer)
                parts = [p for p in parts if p != result] + ["?"]
            sizes.append(result if derived else "?")
            # the rule, then its numbers: a line breaks only between the two
            rule, numbers = parts[0], " = ".join(parts[1:])
            lines.append(style.nowrap(f"<b>{html(name)}</b> = {html(rule)}")
                         + (f" {style.nowrap(f'= {html(numbers)}')}" if numbers else ""))
            if derived and s.note:
                # "(4 + 2·1 − 3)/2 = 3/2 is not whole: …": the division kept on one line
                division, verb, rest = s.note.partition(" is ")
                note = style.nowrap(html(division)) + html(verb + rest)
                lines.append(f"<span style='color:#8a5a00'>&nbsp;&nbsp;{note}</span>")
        lines.append(f"output shape: <b>({', '.join(sizes)})</b>")
        self.calculator.setText("<br>".join(lines))

    # -- drawing ----------------------------------------------------------------------------------
    def _on_new_trace(self, trace: Trace) -> None:
        self._levels = {name: symmetric_levels(arr) for name, arr in trace.tensors.items()}
        self._groups = {}
        self._channels = {}
        good = self._good
        if self._mode == "shape":
            return  # its sweep depends on the step: _draw sets it
        if self._mode == "filter":
            f = trace.tensors["f"]
            self._progress = StepTally(trace, np.zeros(f.shape[2:]), _filter_progress)
            self.filter_view.set_filter(f)
        else:
            x, f = trace.tensors["x"], trace.tensors["f"]
            self._sweeps = {"y": forward_sweep(x.shape, f.shape, good["stride"],
                                               good["padding"], c_out=f.shape[3])}
            if "dy" in trace.tensors:
                g = conv2d.shape_geometry(x.shape, f.shape, good["stride"], good["padding"])
                self._sweeps.update(dx=dx_sweep(g), df=df_sweep(g))
            for name, sweep in self._sweeps.items():
                self.sweep_views[name].set_sweep(sweep)
            self.filter_view.set_filter(f)

    def _draw(self, k: int, tensors: dict[str, np.ndarray], step: Step | None,
              animate: bool) -> None:
        if self._mode == "shape":
            # each size appears at its step: o_x slides the kernel down the rows, o_y over the
            # whole grid, o_c names the channels
            good, view = self._good, self.shape_view
            view.set_sweep(forward_sweep(good["x_shape"], good["f_shape"], good["stride"],
                                         good["padding"], c_out=good["f_shape"][3], known=k))
            if animate and k in (1, 2):
                view.set_frame(0)
                view.animate_to(view.n_positions, self._ms(SLIDE_MS))
            else:
                view.set_frame(view.n_positions)
            self._update_calculator(k)
        elif self._mode == "filter":
            # each matrix's progress (1: swapped, 2: turned) from the steps done
            if animate:
                self.filter_view.set_progress(self._progress.at(k - 1))
                self.filter_view.animate_to(self._progress.at(k), self._ms(FILTER_MS // 2))
            else:
                self.filter_view.set_progress(self._progress.at(k))
        else:
            self._draw_full(k, tensors, step, animate)

    # full mode
    def _category(self, step: Step | None) -> str:
        if step is None or not step.writes:
            return "input"
        return CATEGORY.get(step.writes[0][0], "input")

    def _draw_full(self, k: int, tensors: dict[str, np.ndarray], step: Step | None,
                   animate: bool) -> None:
        cat = self._category(step)
        if k == len(self.cursor.trace) and "dx" in tensors:
            cat = "done"
        # top: the window sliding over the grid it reads (x padded for y and ΔF, δy dilated
        # and padded for δx), or the filter bank turning for the backward filters
        sweep = SWEEP_OF.get(cat)
        if sweep in self._sweeps:
            view = self.sweep_views[sweep]
            if self.filter_view.is_animating():   # left mid-turn (→ past the f_back step)
                self.filter_view.set_progress(2.0)
            self.top_stack.setCurrentWidget(view)
            view.set_frame(view.n_positions if cat in ("db", "done")
                           else self._frame_of(step, sweep, view))
        else:
            self.top_stack.setCurrentWidget(self.filter_view)
            if cat == "filter" and animate:
                self.filter_view.set_progress(0.0)
                self.filter_view.animate_to(2.0, self._ms(FILTER_MS))
            else:
                self.filter_view.set_progress(2.0)
        # bottom: the tensors this step reads and writes
        names = _slot_names(cat, "x_padded" in tensors)
        self._slots = {}
        for i in range(N_SLOTS):
            slot = f"s{i}"
            view = self.grid.view(slot)
            if i >= len(names):
                view.set_title("")  # a hidden slot keeps its place in the grid: no width
                view.set_visible(False)
                continue
            name = names[i]
            arr = tensors[name]
            layout = SlotLayout.of(arr.shape, self._channel_for(name, step))
            self._slots[name] = (slot, layout)
            view.set_visible(True)
            view.set_array(layout.image(arr), levels=self._levels.get(name),
                           gaps=layout.gaps())
            view.set_title(self._slot_title(name, layout, k, step))  # once: a change re-lays out
        sources, targets = self._highlight(k, step)
        if step is not None and animate and cat not in ("filter", "pad", "dilate", "done"):
            self.flow.play_points(sources, targets)
        else:
            self.flow.skip()

    def _slot_title(self, name: str, layout: SlotLayout, k: int, step: Step | None) -> str:
        """The tensor's name and shape; under it, in grey, how it is laid out and, for one
        channel at a time, which channels the step reads and writes (only the shown channel's
        cells can be outlined). Short lines: the grid is never wider than its views' titles."""
        head = TITLES.get(name, name)
        notes = []
        if layout.kind == "channel":
            head += f"[:, :, {layout.channel}]"
            if step is not None:
                for verb, group in zip(("reads", "writes"), self._ref_groups(k, step),
                                       strict=True):
                    idx = group.get(name)
                    if idx is not None and idx.size and idx.shape[1] == 3:
                        notes.append(f"this step {verb} {channels_text(np.unique(idx[:, 2]))}")
        elif layout.kind == "side" and layout.shape[2] > 1:
            notes.append("channels side by side")
        lines = [f"{head}   {layout.shape}"]
        lines += [f"<span style='color:#666; font-size:9pt'>{note}</span>" for note in notes]
        return "<br>".join(lines)

    def _ref_groups(self, k: int, step: Step) -> tuple[dict, dict]:
        """The step's reads and writes as {tensor: (n, ndim) index array} (cached per step)."""
        got = self._groups.get(k)
        if got is None:
            got = (_group(step.reads), _group(step.writes))
            self._groups[k] = got
        return got

    def _highlight(self, k: int, step: Step | None) -> tuple[list, list]:
        """Outline the read cells and light the written ones on the shown views, vectorised
        (a coarsened step names thousands of elements). Returns where the delta flow's markers
        start and end (scene points): a marker from each block of read cells, to the written
        cells (a sample of at most MAX_FLOW_REFS per tensor)."""
        cells: dict[str, tuple[list, list]] = {f"s{i}": ([], []) for i in range(N_SLOTS)}
        if step is not None:
            for which, groups in enumerate(self._ref_groups(k, step)):
                for name, (slot, layout) in self._slots.items():
                    idx = groups.get(name)
                    if idx is None:
                        continue
                    idx = idx[layout.drawn(idx)]
                    if len(idx) == 0:
                        continue
                    uniq = np.unique(layout.cells(idx), axis=0)
                    cells[slot][which].extend(map(tuple, uniq.tolist()))
        sources, targets = [], []
        for slot, (rd, wr) in cells.items():
            view = self.grid.view(slot)
            view.set_highlight(rd, wr)
            if rd:
                sources += view.block_centres(rd)
            targets += [view.cell_scene_pos(r, c)
                        for r, c in wr[:: max(1, len(wr) // MAX_FLOW_REFS)]]
        return sources, targets

    def _frame_of(self, step: Step | None, out: str, view: ConvShapeView) -> int:
        """Window positions done once ``step`` is done, in the sweep that fills tensor ``out``
        (y, dx or df; ``view`` draws it; the step before the sweep's first, or None: none)."""
        o_c = view.geometry_info()["o_c"]
        n = view.n_positions
        cells = [] if step is None else [i for name, i in step.writes if name == out]
        if not cells:
            return 0
        r, c = cells[-1][0], cells[-1][1]
        return min(n, r * o_c + c + 1)

    def _channel_for(self, name: str, step: Step | None) -> int:
        """The channel of a 3-D tensor shown one channel at a time: the one the step touches,
        else the one shown before."""
        if step is not None:
            hit = next((idx for refs in (step.writes, step.reads) for ref_name, idx in refs
                        if ref_name == name and len(idx) == 3), None)
            if hit is not None:
                self._channels[name] = int(hit[2])
        return self._channels.get(name, 0)

    # -- what is shown (tests, the delta flow) ----------------------------------------------------
    def shown_layout(self, name: str) -> str | None:
        """How tensor ``name`` is shown: "side" (3-D, channels side by side), "channel" (3-D,
        one channel), "block" (4-D bank), "flat" (1-D / 2-D), or None (not shown)."""
        hit = self._slots.get(name)
        return hit[1].kind if hit else None

    def shown_channel(self, name: str) -> int | None:
        """Which channel of the 3-D tensor ``name`` the views show (None if not one channel)."""
        hit = self._slots.get(name)
        return hit[1].channel if hit and hit[1].kind == "channel" else None

    def view_of(self, name: str) -> TensorView | None:
        """The tensor view showing tensor ``name`` now, or None."""
        hit = self._slots.get(name)
        return self.grid.view(hit[0]) if hit else None

    def _locate(self, ref: Ref) -> tuple[str, tuple[int, int]] | None:
        """Where the grid draws an element (the delta flow's markers start and end there)."""
        name, idx = ref
        hit = self._slots.get(name)
        if hit is None:
            return None
        cell = hit[1].cell(idx)
        return None if cell is None else (hit[0], cell)


def _slot_names(cat: str, has_pad: bool) -> list[str]:
    """The tensors shown for a step of category ``cat`` (x stands for x_padded without padding)."""
    if cat == "pad" and not has_pad:
        return ["x"]
    names = [n if n != "x_padded" or has_pad else "x" for n in SLOTS[cat]]
    return list(dict.fromkeys(names))


def _filter_progress(step: Step, p: np.ndarray) -> None:
    """One step of the filter transform: the matrices it swaps reach 1, those it turns 2."""
    for name, level in (("f_swapped", 1.0), ("f_back", 2.0)):
        idx = [j for n, j in step.writes if n == name]
        if idx:
            arr = np.asarray(idx, dtype=np.intp)
            o, c = arr[:, 2], arr[:, 3]
            p[c, o] = np.maximum(p[c, o], level)


def channels_text(channels: np.ndarray) -> str:
    """``channel 3``, ``channels 0–7``, ``channels 0, 2, 5``: sorted channel numbers, runs
    joined with a dash."""
    ch = [int(c) for c in channels]
    if len(ch) == 1:
        return f"channel {ch[0]}"
    runs, start = [], 0
    for i in range(1, len(ch) + 1):
        if i == len(ch) or ch[i] != ch[i - 1] + 1:
            a, b = ch[start], ch[i - 1]
            runs.append(str(a) if a == b else f"{a}, {b}" if b == a + 1 else f"{a}–{b}")
            start = i
    return "channels " + ", ".join(runs)


def _group(refs) -> dict[str, np.ndarray]:
    """Refs as {tensor: (n, ndim) index array} (runs of one name at a time: a step lists each
    tensor's elements together)."""
    by: dict[str, list] = {}
    for name, run in groupby(refs, key=itemgetter(0)):
        by.setdefault(name, []).extend(idx for _, idx in run)
    return {name: np.asarray(idx, dtype=np.intp).reshape(len(idx), -1)
            for name, idx in by.items()}
