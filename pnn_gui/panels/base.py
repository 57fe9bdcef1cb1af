"""What every panel gives the main window (the contract between panels and the window).

- A panel owns a :class:`~pnn_gui.state.PanelState` and two widgets the window lays out:
  ``inputs_widget`` (editors, left column) and ``view_widget`` (tensors / graph / timeline,
  centre). The window owns the worked-solution pane and the step player.
- A step travels: the player (or the pane, or a key) -> ``state.set_step(k)`` -> the window's
  state listener -> :meth:`Panel.show_step` -> the panel's views. The window calls
  ``show_step(k)`` whenever the current panel's ``state.step`` or ``state.trace`` changes.
- :meth:`Panel.show_step` is written once, here: a new trace gets a new :attr:`Panel.cursor` and
  the panel's per-trace set-up (:meth:`Panel._on_new_trace`); then :meth:`Panel._draw` draws k
  steps done from ``cursor.tensors_at(k)``. A step animates only when it is the one after the
  step drawn last of the same trace (→), and the View menu's Animate steps is on
  (:attr:`Panel.animate`); Left, Home, End, a jump, a new trace are drawn at rest.
- ``_draw`` must stay well under 16 ms, and so must one animation frame.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np
from PySide6 import QtCore, QtWidgets

from engine.examples import Example
from engine.steps import Step, Trace
from pnn_gui.state import PanelState
from pnn_gui.trace_cursor import TraceCursor
from pnn_gui.widgets.field_error import show_errors


class Panel(QtCore.QObject):
    """Base class; subclasses build their widgets and fill in the hooks below."""

    #: the panel's name in messages (its registry entry's title, pnn_gui.panels.PANELS)
    title = "Panel"

    #: a one-line message for this panel's status line ("Loaded example conv", a refused cell);
    #: the window itself reports what the state does (recomputed, computing, not recomputed)
    status = QtCore.Signal(str)

    def __init__(self, parent: QtCore.QObject | None = None):
        super().__init__(parent)
        self.state: PanelState  # set by the subclass before use
        self.inputs_widget: QtWidgets.QWidget
        self.view_widget: QtWidgets.QWidget
        #: of the trace last drawn (None: nothing drawn yet)
        self.cursor: TraceCursor | None = None
        #: View > Animate steps (:meth:`set_animations_enabled` sets it)
        self.animate = True
        #: View > Animation speed: 1 normal, 2 twice as fast (:meth:`set_animation_speed`)
        self.speed = 1.0
        self._drawn: int | None = None  # the step of cursor.trace drawn last

    # -- the step ---------------------------------------------------------------------------------
    def show_step(self, k: int) -> None:
        """Draw k steps done of ``state.trace`` (0: the inputs only). Not overridden."""
        trace = self.state.trace
        if trace is None:
            return
        if self.cursor is None or self.cursor.trace is not trace:
            self.cursor = TraceCursor(trace)
            self._drawn = None  # nothing of this trace drawn yet
            self._on_new_trace(trace)
        animate = self.animate and k > 0 and self._drawn == k - 1  # only → animates
        step = trace.steps[k - 1] if k else None
        self._draw(k, self.cursor.tensors_at(k), step, animate)
        self._drawn = k

    def redraw(self) -> None:
        """Draw the step drawn last again, at rest, the trace's set-up included (a new
        precision changes what the set-up writes)."""
        if self._drawn is not None:
            k, self.cursor = self._drawn, None
            self.show_step(k)

    def _on_new_trace(self, trace: Trace) -> None:
        """Hook: a new trace is about to be drawn (geometry, colour levels, tables' rows)."""

    def _draw(self, k: int, tensors: dict[str, np.ndarray], step: Step | None,
              animate: bool) -> None:
        """Hook: draw k steps done. ``tensors`` (do not modify) hold every tensor after
        steps[0:k], ``step`` is steps[k − 1] (None at k = 0); ``animate``: it follows the step
        drawn last, so it may move from there. ``self.cursor.tensors_at(k − 1)`` is the
        state before the step (an animation that draws it until its markers arrive)."""
        raise NotImplementedError

    def _ms(self, base_ms: int) -> int:
        """An animation's length at the current speed (``base_ms`` at speed 1)."""
        return max(1, int(base_ms / self.speed))

    # -- hooks ----------------------------------------------------------------------------------
    def load_example(self, example: Example) -> None:
        """Put the example's inputs in the editors (signals blocked) and recompute."""
        raise NotImplementedError

    def session_data(self) -> dict[str, Any]:
        """JSON-serialisable inputs for Save session (default: kind and inputs, as lists)."""
        return {"kind": self.state.kind, "inputs": _jsonable(self.state.inputs)}

    def restore_session(self, data: dict[str, Any]) -> None:
        """Inverse of :meth:`session_data`; raise ValueError (and change nothing) on bad data.

        :func:`session_inputs` does the common checks (kind, field names) for you.
        """
        raise NotImplementedError

    # -- optional hooks (the window calls them) -------------------------------------------------
    def set_precision(self, digits: int) -> None:
        """View > Precision: significant digits shown in editors and views."""

    def set_animation_speed(self, factor: float) -> None:
        """View > Animation speed / the player's speed box: 1 normal, 2 twice as fast."""
        self.speed = max(0.05, float(factor))

    def set_animations_enabled(self, enabled: bool) -> None:
        """View > Animate steps; also turned off for screenshots and benchmarks. A panel that
        animates extends it: off ends what is running."""
        self.animate = bool(enabled)

    def commit_edits(self) -> None:
        """Make what is typed but not yet in effect take effect now (the window calls it before
        a save, an export or quitting; the autodiff expression waits for Enter or a pause)."""

    def set_practice(self, on: bool) -> None:
        """Practice mode on or off: hide what the inputs column would give away of an asked
        answer (the window hides the views and the worked solution itself)."""

    # -- shared by the panels ---------------------------------------------------------------------
    def _finish_load(self, example: Example) -> None:
        """After an example's inputs are in: go to step 0 (the inputs only, no answer shown
        yet) and say what was loaded."""
        self.state.set_step(0)
        self.status.emit(f"Loaded example {example.name}: {example.description}")


class EditorGridPanel(Panel):
    """A panel with matrix editors (``editors``: name -> MatrixEditor), a ``grid`` of tensor
    views (TensorGrid) and a ``flow`` of moving values (DeltaFlow): fully connected, LSTM."""

    editors: dict[str, Any]

    def set_precision(self, digits: int) -> None:
        for ed in self.editors.values():
            ed.set_precision(digits)
        self.grid.set_precision(digits)

    def set_animation_speed(self, factor: float) -> None:
        super().set_animation_speed(factor)
        self.flow.set_speed(self.speed)

    def set_animations_enabled(self, enabled: bool) -> None:
        super().set_animations_enabled(enabled)
        if not enabled:
            self.flow.skip()


def inputs_column(name: str = "") -> tuple[QtWidgets.QWidget, QtWidgets.QVBoxLayout]:
    """The widget of a panel's inputs column and its layout (the same margins in every panel)."""
    w = QtWidgets.QWidget()
    if name:
        w.setObjectName(name)
    lay = QtWidgets.QVBoxLayout(w)
    lay.setContentsMargins(6, 6, 6, 6)
    lay.setSpacing(6)
    return w, lay


def splitter(vertical: bool, parts: list[tuple[QtWidgets.QWidget, int]],
             name: str = "") -> QtWidgets.QSplitter:
    """A splitter of ``(widget, stretch)`` parts, top to bottom or left to right."""
    o = QtCore.Qt.Orientation
    split = QtWidgets.QSplitter(o.Vertical if vertical else o.Horizontal)
    for i, (widget, stretch) in enumerate(parts):
        split.addWidget(widget)
        split.setStretchFactor(i, stretch)
    if name:
        split.setObjectName(name)
    return split


def wrong_example(example: Example, what: str) -> ValueError:
    """The error for an example of another panel's kind; ``what`` is e.g. "an LSTM"."""
    return ValueError(f"example: {example.name!r} is a {example.kind} example, not {what} one")


class ModePanel(Panel):
    """A panel whose inputs come in modes, one engine kind each (Conv2D: full pass / filter /
    shape; pooling: average / max). Each mode keeps its own inputs (``_inputs[mode]``), so
    switching back finds what was typed; a switch starts the state over with the new kind.

    The subclass sets ``_inputs``, ``_mode``, ``state``, ``mode_box`` (see :meth:`_mode_box`)
    and ``general_error``, and fills in :meth:`_normalised`, :meth:`_fields`,
    :meth:`_fill_widgets`, :meth:`_update_calculator` and :meth:`error_targets`.
    """

    MODES: ClassVar[tuple[str, ...]] = ()
    KIND_OF: ClassVar[dict[str, str]] = {}
    MODE_TITLES: ClassVar[dict[str, str]] = {}
    #: the panel in messages: "a pooling" example / session kind
    what = "this panel's"

    def _start_modes(self, first: str, inputs: dict[str, dict[str, Any]]) -> None:
        """Before building the widgets: every mode's inputs, the first mode's state."""
        self._inputs = inputs
        self._mode = first
        self.state = PanelState(self.KIND_OF[first], inputs[first])
        self._good: dict[str, Any] = dict(self.state.inputs)

    def _bind_modes(self) -> None:
        """After building the widgets: listen to the state and show the first mode."""
        self.state.subscribe(self._on_state_changed)
        self._apply_mode_widgets()
        self._fill_widgets()
        self._on_state_changed("errors")

    # -- hooks ----------------------------------------------------------------------------------
    def _normalised(self, mode: str, raw: dict[str, Any]) -> dict[str, Any]:
        """An example's / session's inputs as the panel holds them; ValueError when bad."""
        raise NotImplementedError

    def _fields(self, mode: str) -> tuple[str, ...]:
        raise NotImplementedError

    def _fill_widgets(self) -> None:
        """Put the current mode's inputs in the widgets (signals blocked)."""
        raise NotImplementedError

    def _update_calculator(self) -> None:
        """Refresh the live output-shape text from the current mode's inputs."""

    def _apply_mode_widgets(self) -> None:
        """Show and hide what the current mode uses."""

    def error_targets(self) -> dict[str, Any]:
        """Field -> the widget its message goes beside, for the current mode."""
        raise NotImplementedError

    # -- Panel hooks ----------------------------------------------------------------------------
    def load_example(self, example: Example) -> None:
        mode = self._mode_of(example.kind)
        if mode is None:
            raise wrong_example(example, self.what)
        self._inputs[mode] = self._normalised(mode, example.inputs)
        self._set_mode(mode)
        self._finish_load(example)

    def session_data(self) -> dict[str, Any]:
        """The shown mode's kind and inputs, as every panel writes them (format 1), and under
        ``"other_modes"`` each other mode's inputs by kind: a reopened session comes back in
        the same mode with what every mode held (and a refused one is undone whole)."""
        data = super().session_data()
        data["other_modes"] = {self.KIND_OF[m]: _jsonable(self._inputs[m])
                               for m in self.MODES if m != self._mode}
        return data

    def restore_session(self, data: dict[str, Any]) -> None:
        """Inverse of :meth:`session_data`; a file without ``"other_modes"`` (as written before
        they were saved) restores its own mode and leaves the others as they are. Every mode is
        checked before anything changes."""
        kind = data.get("kind") if isinstance(data, dict) else None
        mode = self._mode_of(kind)
        if mode is None:
            kinds = ", ".join(f'"{k}"' for k in self.KIND_OF.values())
            raise ValueError(f"session: \"kind\" is {kind!r}; the {self.title} panel reads "
                             f"{kinds}")
        others = data.get("other_modes", {})
        if not isinstance(others, dict):
            raise ValueError(f"session: \"other_modes\" must be an object, got "
                             f"{type(others).__name__}")
        restored = {}
        for other, raw in others.items():
            m = self._mode_of(other)
            if m is None:
                raise ValueError(f"session: \"other_modes\": expected kinds "
                                 f"{', '.join(self.KIND_OF.values())}, got {other!r}")
            restored[m] = self._normalised(m, session_inputs({"kind": other, "inputs": raw},
                                                             other, self._fields(m)))
        raw = session_inputs(data, kind, self._fields(mode))
        restored[mode] = self._normalised(mode, raw)  # ValueError changes nothing
        self._inputs.update(restored)
        self._set_mode(mode)

    # -- modes ----------------------------------------------------------------------------------
    @property
    def mode(self) -> str:
        return self._mode

    def set_mode(self, mode: str) -> None:
        """Switch to ``mode``, keeping what each mode holds."""
        if mode not in self.MODES:
            raise ValueError(f"mode: expected one of {', '.join(self.MODES)}, got {mode!r}")
        self._set_mode(mode)

    def _mode_of(self, kind: Any) -> str | None:
        return next((m for m, k in self.KIND_OF.items() if k == kind), None)

    def _mode_box(self) -> QtWidgets.QComboBox:
        box = QtWidgets.QComboBox()
        for mode in self.MODES:
            box.addItem(self.MODE_TITLES[mode], mode)
        box.currentIndexChanged.connect(self._on_mode_changed)
        return box

    def _set_mode(self, mode: str) -> None:
        self._mode = mode
        self.mode_box.blockSignals(True)
        self.mode_box.setCurrentIndex(self.MODES.index(mode))
        self.mode_box.blockSignals(False)
        self._apply_mode_widgets()
        self._fill_widgets()
        # a new kind: its own steps from the start (errors shown, and the solution pane cleared
        # when it does not compute)
        self.state.reset(self.KIND_OF[mode], self._state_inputs())

    def _on_mode_changed(self, index: int) -> None:
        mode = self.mode_box.itemData(index)
        if mode and mode != self._mode:
            self._set_mode(mode)  # its trace starts at step 0
            self.status.emit(f"{self.title}: {self.MODE_TITLES[mode]}")

    # -- edits ----------------------------------------------------------------------------------
    def _state_inputs(self) -> dict[str, Any]:
        """A copy of the current mode's inputs for the state (editing one does not touch it)."""
        inp = self._inputs[self._mode]
        return {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in inp.items()}

    def _submit(self) -> None:
        self._update_calculator()
        self.state.set_inputs(self._state_inputs(), replace=True)

    def _on_value_changed(self, name: str, arr: Any) -> None:
        self._inputs[self._mode][name] = np.array(arr, float)
        self._submit()

    def _on_state_changed(self, what: str) -> None:
        if what == "errors":
            show_errors(self.state.errors, self.error_targets(), self.general_error)
        elif what == "trace":
            self._good = dict(self.state.inputs)  # the inputs of the trace now shown


def session_inputs(data: Any, kind: str, fields: Any,
                   labels: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The ``inputs`` of a panel's session data, checked: a dict with ``"kind" == kind`` and
    exactly the field names ``fields``. Raises ValueError naming what is wrong, with each
    field's name on screen from ``labels`` beside its key in the file (``"dy" (δy)``); the
    values themselves are checked by the caller (and the engine)."""
    if not isinstance(data, dict):
        raise ValueError("session: this panel's entry must be an object with \"kind\" and "
                         f"\"inputs\", got {type(data).__name__}")
    if data.get("kind") != kind:
        raise ValueError(f"session: \"kind\" is {data.get('kind')!r}; this panel reads "
                         f"\"{kind}\"")
    inputs = data.get("inputs")
    if not isinstance(inputs, dict):
        raise ValueError(f"session: \"inputs\" must be an object, got {type(inputs).__name__}")
    want, got = set(fields), set(inputs)
    if want != got:
        def named(keys: set[str]) -> str:  # (a key as JSON writes it: "\n" stays one line)
            return ", ".join(json.dumps(k if len(k) <= 40 else k[:39] + "…", ensure_ascii=False)
                             + (f" ({labels[k]})" if labels and labels.get(k, k) != k else "")
                             for k in sorted(keys))
        parts = []
        if want - got:
            parts.append(f"lack {named(want - got)}")
        if got - want:
            parts.append(f"have {named(got - want)}, which this panel does not read")
        raise ValueError(f"session: the inputs {' and '.join(parts)}")
    return dict(inputs)


def _jsonable(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value
