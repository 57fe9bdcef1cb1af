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
        """Inverse of :meth:`session_data`; raise ValueError (and change nothing) on bad data."""
        raise NotImplementedError


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
