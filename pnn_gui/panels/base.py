"""What every panel gives the main window (the contract between panels and the window).

A panel owns a :class:`~pnn_gui.state.PanelState` and two widgets the window lays out:
``inputs_widget`` (editors, left column) and ``view_widget`` (tensors / graph / timeline, centre).
The window owns the worked-solution pane and the step player and drives them from ``state``:
it subscribes to ``state`` and, on a step change, calls :meth:`Panel.show_step`.
"""

from __future__ import annotations

from typing import Any

from PySide6 import QtCore, QtWidgets

from engine.examples import Example
from pnn_gui.state import PanelState


class Panel(QtCore.QObject):
    """Base class; subclasses build their widgets and fill in the hooks below."""

    #: shown in the sidebar and window title
    title = "Panel"
    #: example names this panel can load (first is the default at start-up)
    examples: tuple[str, ...] = ()

    #: a one-line message for the status bar ("Recomputed: 14 steps", "Loaded example conv")
    status = QtCore.Signal(str)

    def __init__(self, parent: QtCore.QObject | None = None):
        super().__init__(parent)
        self.state: PanelState  # set by the subclass before use
        self.inputs_widget: QtWidgets.QWidget
        self.view_widget: QtWidgets.QWidget

    # -- hooks ----------------------------------------------------------------------------------
    def load_example(self, example: Example) -> None:
        """Put the example's inputs in the editors (signals blocked) and recompute."""
        raise NotImplementedError

    def show_step(self, k: int) -> None:
        """Redraw the views for ``state.step == k`` (k steps done). Must stay well under 16 ms."""
        raise NotImplementedError

    def session_data(self) -> dict[str, Any]:
        """JSON-serialisable inputs for Save session (default: kind and inputs, as lists)."""
        return {"kind": self.state.kind, "inputs": _jsonable(self.state.inputs)}

    def restore_session(self, data: dict[str, Any]) -> None:
        """Inverse of :meth:`session_data`; raise ValueError (and change nothing) on bad data.

        :func:`session_inputs` does the common checks (kind, field names) for you.
        """
        raise NotImplementedError

    # -- optional hooks (the window calls them; the defaults do nothing) ------------------------
    def set_precision(self, digits: int) -> None:
        """View > Precision: significant digits shown in editors and views."""

    def set_animation_speed(self, factor: float) -> None:
        """View > Animation speed / the player's speed box: 1 normal, 2 twice as fast."""

    def set_animations_enabled(self, enabled: bool) -> None:
        """View > Animate steps; also turned off for screenshots and benchmarks."""


def session_inputs(data: Any, kind: str, fields: Any) -> dict[str, Any]:
    """The ``inputs`` of a panel's session data, checked: a dict with ``"kind" == kind`` and
    exactly the field names ``fields``. Raises ValueError naming what is wrong; the values
    themselves are checked by the caller (and the engine)."""
    if not isinstance(data, dict):
        raise ValueError(f"session: expected an object for this panel, got {type(data).__name__}")
    if data.get("kind") != kind:
        raise ValueError(f"session: expected \"kind\": {kind!r}, got {data.get('kind')!r}")
    inputs = data.get("inputs")
    if not isinstance(inputs, dict):
        raise ValueError(f"session: \"inputs\" must be an object, got {type(inputs).__name__}")
    want, got = set(fields), set(inputs)
    if want != got:
        parts = []
        if want - got:
            parts.append("missing " + ", ".join(sorted(want - got)))
        if got - want:
            parts.append("unexpected " + ", ".join(sorted(got - want)))
        raise ValueError(f"session: inputs for {kind}: {'; '.join(parts)}")
    return dict(inputs)


def _jsonable(value: Any) -> Any:
    import numpy as np

    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value
