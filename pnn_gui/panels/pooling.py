"""Pooling panel (the sheet's Task 5): average and max pooling, window and stride per axis.

Forward steps move the window over the input and fill each output cell. The backward pass starts
δx at zero; each δy cell then splits into its k shares (average) or goes whole to its window's
maximum (max), and the shares travel into δx, where overlapping windows add up (``+=``). The
cells a share lands on that already held one are marked ``+=``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6 import QtCore, QtWidgets

from engine import examples, pooling
from engine.steps import Step, Trace, fmt
from engine.validate import as_array
from pnn_gui import style
from pnn_gui.panels.base import ModePanel, inputs_column
from pnn_gui.panels.conv_inputs import ChannelEditor, ShapeRow, check_fits, html, pair, resized
from pnn_gui.trace_cursor import StepTally
from pnn_gui.views.pool_flow import PoolFlowView
from pnn_gui.widgets.field_error import ErrorLabel
from pnn_gui.widgets.tensor_view import symmetric_levels

MODES = ("avg", "max")
KIND_OF = {"avg": "avgpool", "max": "maxpool"}
MODE_TITLES = {"avg": "Average pooling", "max": "Max pooling"}
FIELDS = ("x", "size", "stride", "dy")
MAX_DIM = 64
FLOW_MS = 700  # a share's trip at speed 1
#: the inputs column's first lines, per mode: what a window gives, and what the backward pass
#: hands back (max pooling shares nothing: a δy goes whole to one element)
INTRO = {
    "avg": "Each window of x gives one y: its mean. Backward, δx starts at 0 and every δy hands "
           "δy / k to each element of its window with += (with a stride smaller than the "
           "window, windows overlap and their shares add up).",
    "max": "Each window of x gives one y: its maximum. Backward, δx starts at 0 and every δy "
           "goes whole to its window's maximum (the first, row by row, on a tie); the other "
           "elements get nothing. Overlapping windows can pick the same maximum: their δy "
           "add up there (+=).",
}


def _normalise(raw: dict[str, Any]) -> dict[str, Any]:
    """An example's / session's inputs as the panel holds them; a ValueError when one is not of
    its kind or does not fit the spin boxes that show it."""
    x = as_array(raw["x"], "x", 3)
    check_fits(x.shape, "x", "shape", MAX_DIM)
    size = pair(raw["size"], "size", 0, MAX_DIM)
    stride = size if raw.get("stride") is None else pair(raw["stride"], "stride", 0, MAX_DIM)
    dy = as_array(raw["dy"], "δy", 3)
    return {"x": x, "size": size, "stride": stride, "dy": dy}


def _default_inputs(mode: str) -> dict[str, Any]:
    try:
        return _normalise(examples.load(KIND_OF[mode]).inputs)
    except ValueError:  # the example file is missing or broken: small numbers of our own
        return {"x": np.arange(1.0, 17.0).reshape(4, 4, 1), "size": (2, 2), "stride": (1, 1),
                "dy": np.ones((3, 3, 1))}


class PoolingPanel(ModePanel):
    title = "Pooling"
    MODES, KIND_OF, MODE_TITLES = MODES, KIND_OF, MODE_TITLES
    what = "a pooling"

    def __init__(self, parent: QtCore.QObject | None = None):
        super().__init__(parent)
        self._start_modes("avg", {mode: _default_inputs(mode) for mode in MODES})
        self._levels: dict[str, float] = {}
        self._counts: StepTally | None = None  # δy shares each δx element has received
        self._channel = 0
        self._build_inputs()
        self._build_views()
        self._bind_modes()

    # -- building ---------------------------------------------------------------------------------
    def _build_inputs(self) -> None:
        w, lay = inputs_column("poolInputs")
        self.mode_box = self._mode_box()
        lay.addWidget(self.mode_box)
        self.intro = QtWidgets.QLabel()
        self.intro.setWordWrap(True)
        self.intro.setStyleSheet("color: #555;")
        lay.addWidget(self.intro)
        self.x_row = ShapeRow("x  (rows, cols, channels)", ("rows", "cols", "channels"),
                              maximum=MAX_DIM, tooltip="shape of the input")
        self.size_row = ShapeRow("window  (rows, cols)", ("rows", "cols"), minimum=0,
                                 maximum=MAX_DIM, tooltip="size of the pooling window")
        self.stride_row = ShapeRow("stride  (rows, cols)", ("rows", "cols"), minimum=0,
                                   maximum=MAX_DIM,
                                   tooltip="step of the window (smaller than the window: overlap)")
        self.x_row.changed.connect(self._on_x_shape_changed)
        self.size_row.changed.connect(lambda v: self._on_geometry_changed("size", v))
        self.stride_row.changed.connect(lambda v: self._on_geometry_changed("stride", v))
        box = QtWidgets.QGroupBox("Shapes")
        bl = QtWidgets.QVBoxLayout(box)
        bl.setSpacing(3)
        for row in (self.x_row, self.size_row, self.stride_row):
            bl.addWidget(row)
        self.calculator = QtWidgets.QLabel()
        self.calculator.setWordWrap(True)
        self.calculator.setStyleSheet("background: #f6f8fb; border: 1px solid #d6dce5; "
                                      "padding: 4px;")
        bl.addWidget(self.calculator)
        lay.addWidget(box)
        inp = self._inputs[self._mode]
        self.x_editor = ChannelEditor("x", "x", inp["x"])
        self.x_editor.value_changed.connect(lambda a: self._on_value_changed("x", a))
        self.dy_editor = ChannelEditor("δy", "dy", inp["dy"])
        self.dy_editor.value_changed.connect(lambda a: self._on_value_changed("dy", a))
        for editor in (self.x_editor, self.dy_editor):
            editor.cell_rejected.connect(self.status)
        values = QtWidgets.QGroupBox("Values")
        vl = QtWidgets.QVBoxLayout(values)
        vl.addWidget(self.x_editor)
        vl.addWidget(self.dy_editor)
        lay.addWidget(values)
        self.general_error = ErrorLabel()
        lay.addWidget(self.general_error)
        lay.addStretch(1)
        self.inputs_widget = w

    def _build_views(self) -> None:
        self.flow_view = PoolFlowView()
        self.view_widget = self.flow_view

    # -- Panel hooks ------------------------------------------------------------------------------
    def _normalised(self, mode: str, raw: dict[str, Any]) -> dict[str, Any]:
        return _normalise(raw)

    def _fields(self, mode: str) -> tuple[str, ...]:
        return FIELDS

    def _draw(self, k: int, tensors: dict[str, np.ndarray], step: Step | None,
              animate: bool) -> None:
        if step is None or step.phase == "forward":
            self._draw_forward(tensors, step, animate)
        else:
            self._draw_backward(k, tensors, step, animate)

    def set_precision(self, digits: int) -> None:
        self.x_editor.set_precision(digits)
        self.dy_editor.set_precision(digits)

    def set_animations_enabled(self, enabled: bool) -> None:
        super().set_animations_enabled(enabled)
        if not enabled:
            self.flow_view.finish()

    # -- public helpers (tests) -------------------------------------------------------------------
    def error_targets(self) -> dict[str, Any]:
        return {"x": self.x_row, "size": self.size_row, "stride": self.stride_row,
                "dy": self.dy_editor}

    @property
    def channel(self) -> int:
        """The channel the view shows."""
        return self._channel

    # -- widgets and edits ------------------------------------------------------------------------
    def _apply_mode_widgets(self) -> None:
        self.intro.setText(INTRO[self._mode])

    def _fill_widgets(self) -> None:
        inp = self._inputs[self._mode]
        self.x_row.set_value(inp["x"].shape)
        self.size_row.set_value(inp["size"])
        self.stride_row.set_value(inp["stride"])
        self.x_editor.set_value(inp["x"])
        self.dy_editor.set_value(inp["dy"])
        self._update_calculator()

    def _on_x_shape_changed(self, shape: tuple[int, ...]) -> None:
        inp = self._inputs[self._mode]
        inp["x"] = resized(inp["x"], shape)
        self.x_editor.set_value(inp["x"])
        self._refit()
        self._submit()

    def _on_geometry_changed(self, name: str, value: tuple[int, ...]) -> None:
        self._inputs[self._mode][name] = tuple(value)
        self._refit()
        self._submit()

    def _refit(self) -> None:
        """Fit δy to the output's shape (keeping what fits) once the geometry is valid."""
        inp = self._inputs[self._mode]
        try:
            g = pooling.window(inp["x"].shape, inp["size"], inp["stride"])
        except ValueError:
            return  # the message appears beside its field
        shape = (g.o_rows, g.o_cols, inp["x"].shape[2])
        if inp["dy"].shape != shape:
            inp["dy"] = resized(inp["dy"], shape)
            self.dy_editor.set_value(inp["dy"])

    def _update_calculator(self) -> None:
        inp = self._inputs[self._mode]
        rows, cols, ch = inp["x"].shape
        try:
            g = pooling.window(inp["x"].shape, inp["size"], inp["stride"])
        except ValueError as exc:
            self.calculator.setText(f"<span style='color:#c62828'>Output shape: cannot be "
                                    f"computed — {html(str(exc))}</span>")
            return
        overlap = g.s_rows < g.k_rows or g.s_cols < g.k_cols
        nw = style.nowrap  # each formula on one line; a line breaks only between formulas
        self.calculator.setText(
            f"{nw('<b>o_x</b> = ⌊(x − k_x)/s_x⌋ + 1')} "
            f"{nw(f'= ⌊({rows} − {g.k_rows})/{g.s_rows}⌋ + 1 = {g.o_rows}')}<br>"
            f"{nw('<b>o_y</b> = ⌊(y − k_y)/s_y⌋ + 1')} "
            f"{nw(f'= ⌊({cols} − {g.k_cols})/{g.s_cols}⌋ + 1 = {g.o_cols}')}<br>"
            f"{nw(f'output shape: <b>({g.o_rows}, {g.o_cols}, {ch})</b>;')} "
            f"{nw(f'k = {g.k}')} elements per window"
            + ("<br><span style='color:#8a5a00'>stride smaller than the window: windows overlap, "
               "their shares add up in δx</span>" if overlap else ""))

    def _on_new_trace(self, trace: Trace) -> None:
        t = trace.tensors
        self._levels = {name: symmetric_levels(t[name])[1] for name in ("x", "y", "dy", "dx")}
        self._counts = StepTally(trace, np.zeros(t["x"].shape, dtype=int), _add_shares)
        good = self._good
        self.flow_view.set_geometry(t["x"].shape, good["size"], good["stride"])

    def _channel_of(self, step: Step | None) -> int:
        if step is not None:
            for refs in (step.writes, step.reads):
                for _name, idx in refs:
                    if len(idx) == 3:
                        self._channel = int(idx[2])
                        return self._channel
        return self._channel

    def _draw_forward(self, tensors: dict[str, np.ndarray], step: Step | None,
                      animate: bool) -> None:
        h = self._channel_of(step)
        x = tensors["x"][:, :, h]
        y = tensors["y"][:, :, h]
        window = None
        moves = []
        maxima = []
        caption = "Forward: each window of x gives one cell of y."
        if step is not None:
            caption = _caption(step)
            ys = [i for n, i in step.writes if n == "y"]
            if len(ys) == 1:
                r, c, _ = ys[0]
                window = (r, c)
                read = [(i[0], i[1]) for n, i in step.reads if n == "x"]
                moves = [("big", rc, "small", (r, c), fmt(x[rc])) for rc in read]
                if self._mode == "max":
                    # the window's maximum: the first read (row-major, as the engine picks a
                    # tie) holding the step's result
                    maxima = [next(rc for rc in read if x[rc] == step.result)]
        what = "mean" if self._mode == "avg" else "max"
        self.flow_view.show_frame(
            x, y, big_title=f"x[:, :, {h}]", small_title=f"y[:, :, {h}]\n{what} of a window",
            big_levels=self._levels["x"], small_levels=self._levels["y"], window=window,
            moves=moves, caption=caption, animate_ms=self._ms(FLOW_MS) if animate else 0,
            rest_labels=False, maxima=maxima)

    def _draw_backward(self, k: int, tensors: dict[str, np.ndarray], step: Step,
                       animate: bool) -> None:
        h = self._channel_of(step)
        now = tensors["dx"][:, :, h]
        dy = tensors["dy"][:, :, h]
        window, targets, overlaps, moves = None, [], [], []
        dys = [i for n, i in step.reads if n == "dy"]
        if len(dys) == 1:  # one δy cell handing out its shares
            r, c, _ = dys[0]
            window = (r, c)
            before = self.cursor.tensors_at(k - 1)["dx"][:, :, h]  # what each share adds to
            had = self._counts.at(k - 1)[:, :, h]
            for n, (i, j, ch) in step.writes:
                if n != "dx" or ch != h:
                    continue
                targets.append((i, j))
                if had[i, j] > 0:
                    overlaps.append((i, j))
                moves.append(("small", (r, c), "big", (i, j), fmt(now[i, j] - before[i, j])))
        elif dys:  # a coarsened step: many δy cells at once
            targets = [(i, j) for n, (i, j, ch) in step.writes if n == "dx" and ch == h]
        how = "δy / k to each" if self._mode == "avg" else "δy to the max"
        # beside δx, what decides where the shares go: x's windows (the average does not look
        # at x: every element gets δy / k), or each window's maximum (the max's mask)
        if self._mode == "avg":
            ref_title, marks = f"x[:, :, {h}]\nnot used:\neach gets δy / k", []
        else:
            ref_title = f"x[:, :, {h}]\nwindow maxima outlined"
            marks = list(zip(*np.nonzero(tensors["mask"][:, :, h] > 0), strict=True))
        self.flow_view.show_frame(
            now, dy, big_title=f"δx[:, :, {h}]\nfrom 0, += {how}",
            small_title=f"δy[:, :, {h}]\ngiven", big_levels=self._levels["dx"],
            small_levels=self._levels["dy"], window=window, targets=targets,
            overlaps=overlaps, moves=moves, caption=_caption(step),
            animate_ms=self._ms(FLOW_MS) if animate and moves else 0,
            ref=tensors["x"][:, :, h], ref_title=ref_title, ref_levels=self._levels["x"],
            ref_marks=[(int(r), int(c)) for r, c in marks])


def _add_shares(step: Step, counts: np.ndarray) -> None:
    """One step's shares: each δx element a δy cell hands a share to counts one more."""
    if step.phase == "backward" and any(n == "dy" for n, _ in step.reads):
        idx = [j for n, j in step.writes if n == "dx"]
        if idx:
            np.add.at(counts, tuple(np.asarray(idx, dtype=np.intp).T), 1)


def _caption(step: Step) -> str:
    """The step's line, each of its "; "-separated equations unbroken, then its note."""
    text = "; ".join(style.nowrap(part) for part in step.text.split("; "))
    return text + (f"\n{step.note}" if step.note else "")
