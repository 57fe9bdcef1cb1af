"""Qt-free state of a panel: its inputs, the last good results, the errors, the current step.

The state tier (docs/ARCHITECTURE.md §1, §3): testable without a window. Widgets set inputs
here; views listen and redraw.

- ``inputs`` holds the latest value of every field, even when the combination does not compute
  (the user changed W's shape and has not changed x yet): nothing typed is lost.
- ``trace`` is the last *good* result; a failed recompute keeps it and records the error in
  ``errors`` under the field its message names (``"x: expected shape …"`` -> ``"x"``).
- ``step`` is how many steps are done, 0..len(trace): 0 shows the inputs only, ``k`` shows the
  tensors after steps[0:k] with steps[k-1] the current one. A first trace (a new state, a new
  kind) starts at 0, so no answer shows before the student has stepped to it; a recompute keeps
  the step (at the end stays at the end).
- ``edits`` counts the changes of inputs (:meth:`set_input`, :meth:`set_inputs`); starting over
  with another kind (:meth:`reset`, a panel's mode switch) and a new precision are not edits. The
  window compares it with its count at the last save to know about unsaved edits.

Where the engine runs: ``runner`` (default None) decides. Without one, every recompute solves at
once, on the caller's thread. A :class:`Runner` (the GUI installs
:class:`pnn_gui.compute.QtRunner`) may instead start a large solve elsewhere and deliver its
:class:`Outcome` later, on the thread that owns the state: meanwhile ``pending`` is True, the
last good ``trace`` and the ``errors`` stay as they were, ``inputs`` already hold what was typed,
and listeners hear ``"busy"``. Each recompute takes a new ``generation``; an outcome whose
generation is no longer the newest is dropped, so only the newest input applies.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from engine import examples
from engine.steps import DEFAULT_DIGITS, Step, Trace, check_digits, significant_digits

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


@dataclass(frozen=True)
class Outcome:
    """What one solve gave: a trace, or the ValueError's message; how long it took."""

    trace: Trace | None
    error: str | None
    seconds: float


#: the outcome of a queued solve that was already stale when its turn came (never applied)
SKIPPED = Outcome(None, None, 0.0)


def solve_outcome(kind: str, inputs: Mapping[str, Any], digits: int = DEFAULT_DIGITS) -> Outcome:
    """Run the engine, its trace written with ``digits`` significant digits; a ValueError becomes
    ``Outcome.error`` (any other exception is a bug and propagates). Touches no state, so a
    worker thread may call it."""
    t0 = time.perf_counter()
    try:
        with significant_digits(digits):
            trace = examples.solve(kind, inputs)
    except ValueError as exc:
        return Outcome(None, str(exc), time.perf_counter() - t0)
    return Outcome(trace, None, time.perf_counter() - t0)


class Runner(Protocol):
    """Where a :class:`PanelState` solves. ``run`` either calls ``job()`` at once and returns its
    outcome, or starts it elsewhere, returns None, and later calls ``deliver(outcome)`` on the
    thread that owns ``state`` (a job that raised delivers nothing; the runner reports it)."""

    def run(self, state: PanelState, job: Callable[[], Outcome],
            deliver: Callable[[Outcome], None]) -> Outcome | None: ...


class PanelState:
    """Inputs -> engine -> trace, with listeners (plain callables, no Qt)."""

    #: where solves run (see the module docstring); None: at once, on the caller's thread
    runner: Runner | None = None

    def __init__(self, kind: str, inputs: Mapping[str, Any], field_map: Mapping[str, str] | None
                 = None):
        self.kind = kind
        self.inputs: dict[str, Any] = dict(inputs)
        self.edits = 0
        self.errors: dict[str, str] = {}
        self.trace: Trace | None = None
        self.step = 0
        #: message prefix -> field, for engine names that differ from the panel's fields
        self.field_map = dict(field_map or {})
        self._listeners: list[Callable[[str], None]] = []
        #: bumped by every recompute; a delivered outcome of an older generation is dropped
        self.generation = 0
        self._pending = 0  # generation of the solve running elsewhere, 0 = none
        #: seconds the last solve took (a runner's hint for where the next one runs)
        self.last_seconds = 0.0
        #: significant digits of the numbers in the trace's worked formulas
        self.digits = DEFAULT_DIGITS
        self.recompute()

    # -- listening ------------------------------------------------------------------------------
    def subscribe(self, callback: Callable[[str], None]) -> None:
        """``callback(what)`` with what in {"trace", "errors", "step", "busy"} after each
        change ("busy": a solve started elsewhere; ``pending`` is True until its outcome)."""
        self._listeners.append(callback)

    def _emit(self, what: str) -> None:
        for cb in list(self._listeners):
            cb(what)

    # -- inputs ---------------------------------------------------------------------------------
    def set_input(self, name: str, value: Any) -> bool:
        """Set one field and recompute; False (and ``errors`` filled) when it does not compute.

        True also when the runner queued the solve elsewhere (``pending`` is then True; the
        outcome arrives as ``"trace"`` or ``"errors"``). The same holds for :meth:`set_inputs`,
        :meth:`recompute` and :meth:`reset`."""
        self.inputs[name] = value
        self.edits += 1
        return self.recompute()

    def set_inputs(self, values: Mapping[str, Any], replace: bool = False) -> bool:
        """Set several fields at once (an example, a session) and recompute."""
        if replace:
            self.inputs = dict(values)
        else:
            self.inputs.update(values)
        self.edits += 1
        return self.recompute()

    def reset(self, kind: str, inputs: Mapping[str, Any]) -> bool:
        """Start over with another engine kind and its inputs (a panel's mode switch).

        The old trace belongs to the old kind, so it is dropped rather than kept as "the last
        good result": the new trace starts at step 0, and a failed recompute leaves
        ``trace`` None (and ``errors`` filled). Listeners always hear ``"errors"`` and then
        ``"trace"``, so a window clears its solution pane and player when nothing computed.
        A solve queued by the runner: they hear ``"errors"``, ``"trace"`` (nothing yet) and
        ``"busy"`` now, and ``"errors"``, ``"trace"`` again when its outcome arrives.
        """
        self.kind = kind
        self.inputs = dict(inputs)
        self.errors = {}
        self.trace = None
        self.step = 0
        return self._start(fresh=True)

    def recompute(self) -> bool:
        return self._start(fresh=False)

    def set_digits(self, digits: int) -> bool:
        """Write the worked formulas with ``digits`` significant digits: recompute (the step
        stays) when that changes them. Values are untouched; only their text changes."""
        digits = check_digits(digits)
        if digits == self.digits:
            return not self.errors
        self.digits = digits
        return self.recompute()

    @property
    def pending(self) -> bool:
        """A solve is running elsewhere; its outcome has not arrived yet."""
        return self._pending != 0

    def work_size(self) -> int:
        """Elements in the inputs (a runner's estimate of how big the next solve is)."""
        return _size(self.inputs)

    def _start(self, fresh: bool) -> bool:
        self.generation += 1
        gen = self.generation
        kind, digits = self.kind, self.digits
        inputs = {k: (v.copy() if isinstance(v, np.ndarray) else v)
                  for k, v in self.inputs.items()}  # later edits do not reach a running solve

        def job() -> Outcome:
            if gen != self.generation:  # typed again before this one started: skip the work
                return SKIPPED  # (its delivery is dropped as stale anyway)
            return solve_outcome(kind, inputs, digits)

        outcome = job() if self.runner is None else \
            self.runner.run(self, job, lambda out: self._deliver(gen, fresh, out))
        if outcome is None:  # queued elsewhere
            self._pending = gen
            if fresh:  # the old kind's trace is gone already: clear its solution meanwhile
                self._emit("errors")
                self._emit("trace")
            self._emit("busy")
            return True
        self._pending = 0  # an older solve still running elsewhere is now stale
        return self._apply(outcome, fresh)

    def _deliver(self, gen: int, fresh: bool, outcome: Outcome) -> None:
        """A solve from elsewhere has finished: apply it when it is still the newest."""
        if gen != self.generation:
            return  # the user typed again meanwhile: only the newest input applies
        self._pending = 0
        self._apply(outcome, fresh)

    def _apply(self, outcome: Outcome, fresh: bool) -> bool:
        """Take a solve's outcome: set ``trace`` and ``step``, or ``errors``; then tell."""
        self.last_seconds = outcome.seconds
        had_errors = bool(self.errors)
        if outcome.error is not None:
            field = field_of(outcome.error)
            field = self.field_map.get(field, field)
            if field not in self.inputs:
                field = GENERAL
            self.errors = {field: outcome.error}
            self._emit("errors")
            if fresh:
                self._emit("trace")  # trace None: the window clears the old kind's solution
            return False
        self.errors = {}
        trace = outcome.trace
        old_len = len(self.trace) if self.trace is not None else None
        self.trace = trace
        if old_len is None:
            self.step = 0  # a first trace: the inputs only
        elif self.step == old_len or self.step > len(trace):
            self.step = len(trace)  # at the end stays at the end
        if had_errors or fresh:
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


def _size(value: Any) -> int:
    """Numbers in ``value``: arrays, (nested) lists and dicts of them; text counts 0."""
    if isinstance(value, np.ndarray):
        return int(value.size)
    if isinstance(value, Mapping):
        return sum(_size(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return sum(_size(v) if isinstance(v, (np.ndarray, Mapping, list, tuple)) else 1
                   for v in value)
    return 0
