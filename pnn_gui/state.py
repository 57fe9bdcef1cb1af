"""Qt-free state of a panel: its inputs, the last good results, the errors, the current step.

Tier 2 of DESIGN.md: testable without a window. Widgets set inputs here; views listen and redraw.

- ``inputs`` holds the latest value of every field, even when the combination does not compute
  (the user changed W's shape and has not changed x yet): nothing typed is lost.
- ``trace`` is the last *good* result; a failed recompute keeps it and records the error in
  ``errors`` under the field its message names (``"x: expected shape …"`` -> ``"x"``).
- ``step`` is how many steps are done, 0..len(trace): 0 shows the inputs only, ``k`` shows the
  tensors after steps[0:k] with steps[k-1] the current one.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from engine import examples
from engine.steps import Step, Trace

GENERAL = ""  # errors key for a message that names no field

_FIELD = re.compile(r"^\s*([A-Za-z_][A-Za-z_0-9]*)(?:\s*\([^)]*\))?\s*:")


def field_of(message: str, fields: Mapping[str, Any] | None = None) -> str:
    """The field a ``ValueError`` message names (its leading ``name:``), or :data:`GENERAL`."""
    m = _FIELD.match(message)
    if not m:
        return GENERAL
    name = m.group(1)
    if fields is not None and name not in fields:
        return GENERAL
    return name


class PanelState:
    """Inputs -> engine -> trace, with listeners (plain callables, no Qt)."""

    def __init__(self, kind: str, inputs: Mapping[str, Any], field_map: Mapping[str, str] | None
                 = None):
        self.kind = kind
        self.inputs: dict[str, Any] = dict(inputs)
        self.errors: dict[str, str] = {}
        self.trace: Trace | None = None
        self.step = 0
        #: message prefix -> field, for engine names that differ from the panel's fields
        self.field_map = dict(field_map or {})
        self._listeners: list[Callable[[str], None]] = []
        self.recompute()

    # -- listening ------------------------------------------------------------------------------
    def subscribe(self, callback: Callable[[str], None]) -> None:
        """``callback(what)`` with what in {"trace", "errors", "step"} after each change."""
        self._listeners.append(callback)

    def _emit(self, what: str) -> None:
        for cb in list(self._listeners):
            cb(what)

    # -- inputs ---------------------------------------------------------------------------------
    def set_input(self, name: str, value: Any) -> bool:
        """Set one field and recompute; False (and ``errors`` filled) when it does not compute."""
        self.inputs[name] = value
        return self.recompute()

    def set_inputs(self, values: Mapping[str, Any], replace: bool = False) -> bool:
        """Set several fields at once (an example, a session) and recompute."""
        if replace:
            self.inputs = dict(values)
        else:
            self.inputs.update(values)
        return self.recompute()

    def reset(self, kind: str, inputs: Mapping[str, Any]) -> bool:
        """Start over with another engine kind and its inputs (a panel's mode switch).

        The old trace belongs to the old kind, so it is dropped rather than kept as "the last
        good result": the step goes to the new trace's end, and a failed recompute leaves
        ``trace`` None (and ``errors`` filled). Listeners always hear ``"errors"`` and then
        ``"trace"``, so a window clears its solution pane and player when nothing computed.
        """
        self.kind = kind
        self.inputs = dict(inputs)
        self.errors = {}
        self.trace = None
        self.step = 0
        ok = self._compute()
        self._emit("errors")
        self._emit("trace")
        return ok

    def _compute(self) -> bool:
        """Run the engine on ``inputs``: set ``trace`` and ``step``, or ``errors``; no emits."""
        try:
            trace = examples.solve(self.kind, self.inputs)
        except ValueError as exc:
            msg = str(exc)
            field = field_of(msg)
            field = self.field_map.get(field, field)
            if field not in self.inputs:
                field = GENERAL
            self.errors = {field: msg}
            return False
        self.errors = {}
        old_len = len(self.trace) if self.trace is not None else None
        self.trace = trace
        if old_len is None:
            self.step = len(trace)
        elif self.step == old_len or self.step > len(trace):
            self.step = len(trace)  # at the end stays at the end
        return True

    def recompute(self) -> bool:
        had_errors = bool(self.errors)
        if not self._compute():
            self._emit("errors")
            return False
        if had_errors:
            self._emit("errors")
        self._emit("trace")
        return True

    # -- stepping -------------------------------------------------------------------------------
    @property
    def n_steps(self) -> int:
        return len(self.trace) if self.trace is not None else 0

    def set_step(self, k: int) -> None:
        k = max(0, min(int(k), self.n_steps))
        if k != self.step:
            self.step = k
            self._emit("step")

    def current_step(self) -> Step | None:
        if self.trace is None or self.step == 0:
            return None
        return self.trace.steps[self.step - 1]
