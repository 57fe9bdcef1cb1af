"""LSTM panel (the sheet's Task 3): a peephole LSTM unrolled through time, then BPTT.

Inputs on the left: the sizes T, n_in, n_h; the sequence x (T × n_in); c₀; the eleven parameters
grouped by gate (each gate's W, its peephole matrix on c_{t−1}, its b); δh for every time step;
a seeded random fill. Changing a size keeps the values that still fit (new cells are 0).

In the centre: the unrolled timeline (f, i, o, g, c, h, δh, δc per time step, the cell equations
beside it); below, δc_t assembled from its five terms as stacked bars, ‖δc_t‖ over t, and δx and
the parameter gradients. Stepping backward through time, each term of δc_t appears in the bars as
the step that computes it comes, and the contribution to δc_{t−1} flows left in the timeline (the
shared :class:`~pnn_gui.widgets.delta_flow.DeltaFlow`). A click on a timeline column goes to that
time step's first step in the current pass; a new T (or n_in, n_h) keeps the pass: step 0 from
the forward pass, the first backward step from the backward pass, the end from the end.

Readable at 1280 × 800: every number prints at the window's text size (View → Zoom) and no cell
is smaller than its number. What does not fit scrolls: the timeline sideways (many time steps;
the current column is kept in view), and the whole view up and down (the timeline at its full
height above the bars and the gradients, each at a readable minimum), rather than shrinking the
numbers a student has to read.

Numbers only come from the engine's trace (``engine.traces.lstm.solve``); each step draws the
tensors :meth:`Panel.show_step` hands over.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import shiboken6
from PySide6 import QtCore, QtWidgets

from engine import examples, lstm
from engine.examples import Example
from engine.lstm import PARAM_KEYS, TERM_KEYS
from engine.steps import Step, Trace
from engine.validate import as_array
from pnn_gui import style
from pnn_gui.panels.base import (
    EditorGridPanel,
    inputs_column,
    session_inputs,
    splitter,
    wrong_example,
)
from pnn_gui.state import PanelState, field_of
from pnn_gui.views.dc_terms import DcNormView, DcTermsView
from pnn_gui.views.lstm_timeline import LSTMTimeline
from pnn_gui.widgets.animation import progress_animation
from pnn_gui.widgets.delta_flow import DeltaFlow
from pnn_gui.widgets.field_error import ErrorLabel
from pnn_gui.widgets.matrix_editor import MatrixEditor
from pnn_gui.widgets.tensor_view import TensorGrid, symmetric_levels

KIND = "lstm"
FIELDS = ("xs", "params", "c0", "dh")
#: each field's name on screen (in messages)
LABELS = {"xs": "x", "params": "parameters", "c0": "c₀", "dh": "δh"}
MAX_T = 64
MAX_UNITS = 16

#: (group title, parameter keys) in the sheet's order
GATE_GROUPS = (
    ("Forget gate f", "fₜ = σ(xₜ·W_f + cₜ₋₁·W_fc + b_f)", ("W_f", "W_fc", "b_f")),
    ("Input gate i", "iₜ = σ(xₜ·W_i + cₜ₋₁·W_ic + b_i)", ("W_i", "W_ic", "b_i")),
    ("Output gate o", "oₜ = σ(xₜ·W_o + cₜ₋₁·W_oc + b_o)", ("W_o", "W_oc", "b_o")),
    ("Candidate g", "gₜ = tanh(xₜ·W_c + b_c)", ("W_c", "b_c")),
)
PEEPHOLES = ("W_fc", "W_ic", "W_oc")

#: legend text of each term of δc_t (engine.lstm.TERM_KEYS)
TERM_LABELS = {
    "dc_from_h": "from hₜ",
    "dc_from_next": "from cₜ₊₁ (·fₜ₊₁)",
    "dc_from_peep_f": "peephole W_fc",
    "dc_from_peep_i": "peephole W_ic",
    "dc_from_peep_o": "peephole W_oc",
}
#: tensors indexed (time step, unit or input): a step writing one of them is "at" that time
TIME_TENSORS = frozenset({"f", "i", "o", "g", "c", "h", "dh", "du", "do", "dc", "df", "di",
                          "dg", "df_hat", "di_hat", "do_hat", "dg_hat", "dx", *TERM_KEYS})
GRADS = tuple("d" + k for k in PARAM_KEYS)


def param_shape(key: str, n_in: int, n_h: int) -> tuple[int, ...]:
    if key.startswith("b_"):
        return (n_h,)
    if key in PEEPHOLES:
        return (n_h, n_h)
    return (n_in, n_h)


def fit(arr: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """``arr`` cut or zero-padded to ``shape``, keeping the values that still fit (top-left)."""
    arr = np.asarray(arr, dtype=np.float64)
    out = np.zeros(shape)
    if arr.ndim != len(shape):
        return out
    region = tuple(slice(0, min(a, b)) for a, b in zip(arr.shape, shape, strict=True))
    out[region] = arr[region]
    return out


def random_inputs(T: int, n_in: int, n_h: int, seed: int) -> dict[str, Any]:
    """Seeded values in [-1, 1] rounded to 0.1 (readable), c₀ included."""
    rng = np.random.default_rng(seed)

    def r(shape):
        return np.round(rng.uniform(-1, 1, shape), 1) + 0.0

    params = {k: r(param_shape(k, n_in, n_h)) for k in PARAM_KEYS}
    return {"xs": r((T, n_in)), "params": params, "c0": r((n_h,)), "dh": r((T, n_h))}


def check_inputs(raw: Any) -> dict[str, Any]:
    """Inputs as float arrays (``params`` a dict of arrays); ValueError naming the field."""
    if not isinstance(raw, dict):
        raise ValueError(f"inputs: expected an object, got {type(raw).__name__}")
    params = raw.get("params")
    if not isinstance(params, dict):
        raise ValueError(f"params: expected an object with the keys {', '.join(PARAM_KEYS)}")
    out = {name: as_array(raw.get(name), LABELS[name], 1 if name == "c0" else 2)
           for name in ("xs", "c0", "dh")}
    out["params"] = {k: as_array(params.get(k), k, 1 if k.startswith("b_") else 2)
                     for k in PARAM_KEYS}
    T, n_in = out["xs"].shape
    n_h = out["c0"].shape[0]
    if T > MAX_T or n_in > MAX_UNITS or n_h > MAX_UNITS:
        raise ValueError(f"x: the panel edits T ≤ {MAX_T}, n_in ≤ {MAX_UNITS} and n_h ≤ "
                         f"{MAX_UNITS}; got T = {T}, n_in = {n_in}, n_h = {n_h}")
    return out


class LSTMPanel(EditorGridPanel):
    title = "LSTM"

    def __init__(self, parent: QtCore.QObject | None = None):
        super().__init__(parent)
        example = examples.load("lstm")
        inputs = check_inputs(example.inputs)
        self.state = PanelState(KIND, inputs)
        self._build_inputs(inputs)
        self._build_views()
        #: the growing δc bar: one term of δc_t added while the delta flow runs
        self._grow = progress_animation(self, self._on_grow_frame)
        self._grow_args: tuple | None = None  # (t, terms, total, which terms grow)
        #: after a new T (or n_in, n_h): "start", "backward" or "end", where its trace goes
        self._keep_pass: str | None = None
        self.state.subscribe(self._on_state_changed)
        self._on_state_changed("errors")
        self.show_step(self.state.step)

    # -- building -------------------------------------------------------------------------------
    def _build_inputs(self, inputs: dict[str, Any]) -> None:
        T, n_in = inputs["xs"].shape
        n_h = inputs["c0"].shape[0]
        body, lay = inputs_column()
        intro = QtWidgets.QLabel(
            "A peephole LSTM unrolled over T time steps, then backpropagation through time "
            "from t = T down to 1. Type into any cell; results update at once.")
        intro.setWordWrap(True)
        intro.setStyleSheet("color: #555;")
        lay.addWidget(intro)

        sizes = QtWidgets.QGridLayout()
        self.spin_T = self._spin(1, MAX_T, T, "T: number of time steps")
        self.spin_n_in = self._spin(1, MAX_UNITS, n_in, "n_in: inputs per time step")
        self.spin_n_h = self._spin(1, MAX_UNITS, n_h, "n_h: units (size of c and h)")
        self.spin_seed = self._spin(0, 999_999, 0, "seed of the random fill", resizes=False)
        for pos, (label, spin) in enumerate((("T", self.spin_T), ("n_in", self.spin_n_in),
                                             ("n_h", self.spin_n_h), ("seed", self.spin_seed))):
            row, col = divmod(pos, 2)
            sizes.addWidget(QtWidgets.QLabel(label), row, 2 * col)
            sizes.addWidget(spin, row, 2 * col + 1)
        self.random_button = QtWidgets.QPushButton("Random fill")
        self.random_button.setToolTip("Fill x, c₀, every parameter and δh with random values in "
                                      "[-1, 1] from the seed shown (the same seed gives the same "
                                      "values); the seed then advances by one")
        self.random_button.clicked.connect(self._on_random_fill)
        sizes.addWidget(self.random_button, 2, 0, 1, 4)
        lay.addLayout(sizes)

        self.editors: dict[str, MatrixEditor] = {}

        def editor(name: str, title: str, value: np.ndarray, tip: str) -> MatrixEditor:
            ed = MatrixEditor(title, value, resizable=False, example=value, name=name,
                              seed=len(self.editors), label=title.split("  ")[0])
            ed.setToolTip(tip)
            ed.value_changed.connect(lambda arr, n=name: self._on_editor_changed(n, arr))
            ed.cell_rejected.connect(self.status)
            self.editors[name] = ed
            return ed

        seq = QtWidgets.QGroupBox("Sequence and initial state")
        sl = QtWidgets.QVBoxLayout(seq)
        sl.addWidget(editor("xs", "x  (row t−1 is xₜ)", inputs["xs"],
                            "the input sequence, one row per time step (T × n_in)"))
        sl.addWidget(editor("c0", "c₀", inputs["c0"], "the initial cell state (n_h,)"))
        lay.addWidget(seq)
        for title, formula, keys in GATE_GROUPS:
            box = QtWidgets.QGroupBox(title)
            box.setToolTip(formula)
            bl = QtWidgets.QVBoxLayout(box)
            eq = QtWidgets.QLabel(formula)
            eq.setStyleSheet("color: #555;")
            eq.setWordWrap(True)
            bl.addWidget(eq)
            for key in keys:
                if key in PEEPHOLES:
                    label, tip = f"{key}  (peephole)", "peephole weights on cₜ₋₁ (n_h × n_h)"
                elif key.startswith("b_"):
                    label, tip = key, "bias (n_h,)"
                else:
                    label, tip = key, "input weights (n_in × n_h)"
                bl.addWidget(editor(key, label, inputs["params"][key], tip))
            lay.addWidget(box)
        loss = QtWidgets.QGroupBox("Loss gradient")
        ll = QtWidgets.QVBoxLayout(loss)
        ll.addWidget(editor("dh", "δh  (row t−1 is ∂L/∂hₜ)", inputs["dh"],
                            "the loss gradient arriving at every hₜ (T × n_h)"))
        lay.addWidget(loss)
        self.general_error = ErrorLabel()
        lay.addWidget(self.general_error)
        lay.addStretch(1)

        self.inputs_widget = _scrolled(body, "lstmInputs")

    def _spin(self, lo: int, hi: int, value: int, tip: str,
              resizes: bool = True) -> QtWidgets.QSpinBox:
        spin = QtWidgets.QSpinBox()
        spin.setRange(lo, hi)
        spin.setValue(value)
        spin.setToolTip(tip)
        spin.setKeyboardTracking(False)
        spin.setMaximumWidth(84)
        if resizes:
            spin.valueChanged.connect(self._on_size_changed)
        return spin

    def _build_views(self) -> None:
        self.timeline = LSTMTimeline()
        self.timeline.plot.aliases = {k: "dc" for k in TERM_KEYS}
        self.timeline.plot.aliases.update({"dc0" + k[2:]: "dc0" for k in TERM_KEYS[1:]})
        self.timeline.plot.column_clicked.connect(self._on_column_clicked)
        self.flow = DeltaFlow(self.timeline.plot, self.timeline.plot.scene_pos, parent=self)
        self.dc_view = DcTermsView()
        self.norm_view = DcNormView()
        self.grid = TensorGrid()
        self.grid.add_view("dx", "δx", 0, 0)   # side by side: the sheet's shapes get wide cells
        self.grid.add_view("grad", "ΔW_f", 0, 1)
        self.grid.set_locator(self._locate_grid)
        self.grad_box = QtWidgets.QComboBox()
        for g in GRADS:
            self.grad_box.addItem("Δ" + g[1:], g)
        self.grad_box.setToolTip("which parameter gradient to show (follows the current step)")
        self.grad_box.currentIndexChanged.connect(self._on_grad_chosen)
        right = QtWidgets.QWidget()
        rl = QtWidgets.QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        head = QtWidgets.QHBoxLayout()
        head.addStretch(1)
        head.addWidget(QtWidgets.QLabel("gradient"))  # (the views are titled)
        head.addWidget(self.grad_box)
        rl.addLayout(head)
        rl.addWidget(self.grid, 3)
        rl.addWidget(self.norm_view, 1)
        bottom = splitter(False, [(self.dc_view, 1), (right, 1)])
        self._bottom = bottom
        self._fit_bottom()
        style.on_zoom(self._fit_bottom)
        # the timeline at the height its numbers need, the bars and gradients take the rest
        split = splitter(True, [(self.timeline, 0), (bottom, 1)])
        split.setChildrenCollapsible(False)
        # the timeline at its full height above the bars: the view scrolls when they do not fit
        self.view_widget = _scrolled(split, "lstmView")
        self.view_widget.setHorizontalScrollBarPolicy(  # (the timeline scrolls sideways itself)
            QtCore.Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

    def _fit_bottom(self, _factor: float = 1.0) -> None:
        """The bars and the gradients no lower than their numbers need, the ‖δc_t‖ plot small
        (View → Zoom)."""
        if not shiboken6.isValid(self._bottom):  # (the panel outlives its widgets when shown
            return                               # alone, as in tests: nothing to fit)
        self._bottom.setMinimumHeight(style.px(330))
        self.norm_view.setMinimumHeight(style.px(96))

    # -- Panel hooks ----------------------------------------------------------------------------
    def load_example(self, example: Example) -> None:
        if example.kind != KIND:
            raise wrong_example(example, "an LSTM")
        inputs = check_inputs(example.inputs)
        self._show_inputs(inputs, as_example=True)
        self.state.set_inputs(inputs, replace=True)
        self._finish_load(example)

    def restore_session(self, data: dict[str, Any]) -> None:
        inputs = check_inputs(session_inputs(data, KIND, FIELDS, LABELS))
        # refuse (and change nothing) when the editors could not hold it; the solve is the
        # state's (on a worker when it is slow), never a second one here on the GUI thread
        lstm.check(inputs["xs"], inputs["params"], inputs["c0"], inputs["dh"])
        self._show_inputs(inputs)
        self.state.set_inputs(inputs, replace=True)

    def set_animations_enabled(self, enabled: bool) -> None:
        super().set_animations_enabled(enabled)
        if not enabled and self._grow.state() == QtCore.QAbstractAnimation.State.Running:
            self._grow.stop()
            self._on_grow_frame(1.0)

    # -- drawing --------------------------------------------------------------------------------
    def _on_new_trace(self, trace: Trace) -> None:
        t = trace.tensors
        T, n_h = t["dc"].shape
        self.timeline.plot.set_geometry(T, n_h, t)
        self.timeline.set_caption(trace.note)
        # every time step's terms, t = 0 first (δc₀ has none from an h)
        terms = {TERM_LABELS[k]: np.vstack([t.get("dc0" + k[2:], np.full(n_h, np.nan)), t[k]])
                 for k in TERM_KEYS}
        self.dc_view.set_geometry(n_h, list(terms), terms)
        self.norm_view.set_geometry(T, n_h, np.vstack([t["dc0"], t["dc"]]))
        self._levels = {name: symmetric_levels(t[name]) for name in ("dx", *GRADS)}

    def _draw(self, k: int, tensors: dict[str, np.ndarray], step: Step | None,
              animate: bool) -> None:
        reads, writes = (step.reads, step.writes) if step else ((), ())
        t = self._time_of(step)
        self.timeline.plot.show_values(tensors)
        self.timeline.plot.set_focus(t, reads, writes)
        self.timeline.show_column(t)
        bars_t = self._bars_time(t, step, tensors)
        terms, total = {}, None
        if bars_t == 0:  # δc₀: four terms, none from an h
            terms = {TERM_LABELS[key]: tensors["dc0" + key[2:]].copy() for key in TERM_KEYS[1:]}
            total = tensors["dc0"].copy()
        elif bars_t is not None:
            terms = {TERM_LABELS[key]: tensors[key][bars_t - 1].copy() for key in TERM_KEYS}
            total = tensors["dc"][bars_t - 1].copy()
        written = {name for name, _ in writes}
        grow = tuple(i for i, key in enumerate(TERM_KEYS) if key in written)
        self._grow.stop()
        if animate and grow and bars_t is not None:  # the new term grows while the flow runs
            self._grow_args = (bars_t, terms, total, grow)
            self.dc_view.show_terms(bars_t, terms, total, grow, 0.0)
            self._grow.setDuration(self.flow.duration_ms())
            self._grow.start()
        else:
            self._grow_args = None
            self.dc_view.show_terms(bars_t, terms, total)
        self.norm_view.show_norms(np.vstack([tensors["dc0"], tensors["dc"]]), bars_t)
        shown = self.grad_box.currentData()
        other = next((n for n, _ in writes if n in GRADS and n != shown), None)
        if other is not None:  # the gradient box follows the step
            with QtCore.QSignalBlocker(self.grad_box):
                self.grad_box.setCurrentIndex(GRADS.index(other))
        self._draw_results(tensors, reads, writes)
        if animate:
            self.flow.play(reads, writes)
        else:
            self.flow.skip()

    @staticmethod
    def _bars_time(t: int | None, step: Step | None, tensors) -> int | None:
        """Which δc_t the bars show: during the backward pass the step's time; at a parameter
        gradient (after it) the last one computed, δc₀; none in the forward pass."""
        if step is None or step.phase != "backward":
            return None
        if t is not None:
            return t
        return 0 if not np.isnan(tensors["dc0"]).any() else 1

    def _time_of(self, step: Step | None) -> int | None:
        """The time step (1..T, 0 for c₀) a step works at, or None (a parameter gradient)."""
        if step is None:
            return None
        for name, idx in step.writes:
            if name in TIME_TENSORS and idx:
                return int(idx[0]) + 1
            if name == "dc0":
                return 0
        return None

    def _draw_results(self, tensors: dict[str, np.ndarray], reads, writes) -> None:
        """δx and the gradient chosen in the box, with the step's cells lit."""
        g = self.grad_box.currentData()
        self.grid.view("dx").set_array(tensors["dx"], levels=self._levels["dx"])
        view = self.grid.view("grad")
        view.set_array(tensors[g], levels=self._levels[g])
        view.set_title("Δ" + g[1:])
        self.grid.highlight(reads, writes)

    def _locate_grid(self, ref):
        name, idx = ref
        if name == "dx" and len(idx) == 2:
            return ("dx", (int(idx[0]), int(idx[1])))
        if name == self.grad_box.currentData():
            cell = (0, int(idx[0])) if len(idx) == 1 else (int(idx[0]), int(idx[1]))
            return ("grad", cell)
        return None

    def _on_grow_frame(self, value) -> None:
        if self._grow_args is not None:
            t, terms, total, grow = self._grow_args
            self.dc_view.show_terms(t, terms, total, grow, float(value))

    def _on_grad_chosen(self, _index: int) -> None:
        if self.cursor is not None:
            k = self.state.step
            step = self.cursor.trace.steps[k - 1] if k > 0 else None
            self._draw_results(self.cursor.tensors_at(k), step.reads if step else (),
                               step.writes if step else ())

    # -- inputs ---------------------------------------------------------------------------------
    def _show_inputs(self, inputs: dict[str, Any], as_example: bool = False) -> None:
        """Put ``inputs`` in the spin boxes and editors without emitting anything."""
        T, n_in = inputs["xs"].shape
        n_h = inputs["c0"].shape[0]
        for spin, v in ((self.spin_T, T), (self.spin_n_in, n_in), (self.spin_n_h, n_h)):
            spin.blockSignals(True)
            spin.setValue(v)
            spin.blockSignals(False)
        for name, ed in self.editors.items():
            value = inputs["params"][name] if name in PARAM_KEYS else inputs[name]
            ed.set_value(value)
            if as_example:
                ed.set_example(value)

    def current_inputs(self) -> dict[str, Any]:
        """What the editors hold (the last good value of every cell)."""
        out: dict[str, Any] = {name: self.editors[name].value() for name in ("xs", "c0", "dh")}
        out["params"] = {k: self.editors[k].value() for k in PARAM_KEYS}
        return out

    def _on_size_changed(self, _value: int) -> None:
        T, n_in, n_h = self.spin_T.value(), self.spin_n_in.value(), self.spin_n_h.value()
        self._keep_pass = self._pass_now()
        old = self.current_inputs()
        new = {"xs": fit(old["xs"], (T, n_in)), "c0": fit(old["c0"], (n_h,)),
               "dh": fit(old["dh"], (T, n_h)),
               "params": {k: fit(old["params"][k], param_shape(k, n_in, n_h))
                          for k in PARAM_KEYS}}
        self._show_inputs(new)
        self.state.set_inputs(new)

    def _on_random_fill(self) -> None:
        """Fill with the seed shown, then show the next seed (the next click gives new values;
        typing a seed back reproduces its values)."""
        T, n_in, n_h = self.spin_T.value(), self.spin_n_in.value(), self.spin_n_h.value()
        seed = self.spin_seed.value()
        new = random_inputs(T, n_in, n_h, seed)
        self._show_inputs(new)
        self.state.set_inputs(new)
        self.spin_seed.setValue(min(seed + 1, self.spin_seed.maximum()))
        done = "computing…" if self.state.pending else f"recomputed: {self.state.n_steps} steps"
        self.status.emit(f"Filled with random values, seed {seed}; {done}")

    def _on_editor_changed(self, name: str, value: np.ndarray) -> None:
        if name in PARAM_KEYS:
            params = dict(self.state.inputs["params"])
            params[name] = value
            self.state.set_input("params", params)
        else:
            self.state.set_input(name, value)

    # -- where a new trace starts, where a click goes ------------------------------------------
    def _pass_now(self) -> str:
        """Where the student is: "start" (step 0 or the forward pass), "backward" or "end"."""
        st = self.state
        step = st.current_step()
        if st.trace is not None and st.step == st.n_steps and st.step > 0:
            return "end"
        return "backward" if step is not None and step.phase == "backward" else "start"

    def _first_backward(self) -> int:
        """The step number (1-based) of the backward pass's first step."""
        return self.state.trace.phases.get("forward", 0) + 1

    def _on_column_clicked(self, t: int) -> None:
        """Go to the first step at time ``t`` in the current pass (column 0: δc₀ in the
        backward pass, the inputs in the forward pass)."""
        trace = self.state.trace
        if trace is None:
            return
        phase = "backward" if self._pass_now() != "start" else "forward"
        k = next((i + 1 for i, s in enumerate(trace.steps)
                  if s.phase == phase and self._time_of(s) == t), 0)
        self.state.set_step(k)

    def _on_state_changed(self, what: str) -> None:
        if what == "trace" and self._keep_pass is not None and self.state.trace is not None:
            keep, self._keep_pass = self._keep_pass, None
            self.state.set_step({"start": 0, "backward": self._first_backward(),
                                 "end": self.state.n_steps}[keep])
        if what == "errors" and self.state.errors:
            self._keep_pass = None
        if what != "errors":
            return
        shown: dict[str, str] = {}
        general = []
        for message in self.state.errors.values():
            name = field_of(message)
            if name in self.editors:
                shown[name] = message
            else:
                general.append(message)
        for name, ed in self.editors.items():
            ed.set_error(shown.get(name, ""))
        self.general_error.set_error("\n".join(general))


def _scrolled(widget: QtWidgets.QWidget, name: str) -> QtWidgets.QScrollArea:
    """``widget`` in a frameless scroll area called ``name``, resized to fill it."""
    scroll = QtWidgets.QScrollArea()
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
    scroll.setWidget(widget)
    scroll.setObjectName(name)
    return scroll


__all__ = ["LSTMPanel", "check_inputs", "fit", "random_inputs"]
