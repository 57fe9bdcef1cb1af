"""What the Network panel presents to the window as its ``state``: the chain's steps, or the
steps of one layer of it (the inner depth). Qt-free, like :mod:`pnn_gui.state`.

Invariants:

- ``chain`` is a :class:`~pnn_gui.state.PanelState` of kind ``"network"`` whose inputs are the
  spec as typed, ``{"input", "layers", "loss"}`` (see :mod:`engine.network`). It alone holds
  inputs, ``errors``, ``edits`` and the digits; a spec handed in is never changed afterwards
  (every edit builds a new one), so a solve running on a worker never sees a later edit.
- ``depth`` is None (the chain, layer by layer: ``trace`` is ``chain.trace``, ``step`` is
  ``chain.step``), a layer number i from 1 (``trace`` is layer i's own worked steps with the
  chain's numbers, :meth:`engine.network.Run.layer_trace`) or :data:`LOSS` (the loss's own,
  :meth:`~engine.network.Run.loss_trace`). An inner trace always belongs to the chain's last
  good trace: it is built from the inputs that trace was solved from.
- The window sees one object throughout. It hears what ``chain`` says (``"errors"``, ``"busy"``;
  ``"trace"`` and ``"step"`` at the chain depth), ``"trace"`` when an inner trace was rebuilt for
  a recomputed chain, and ``"view"`` when ``depth`` changed: ``trace`` and ``step`` now present
  the other depth (nothing was recomputed). Going in keeps the chain's step for the way out.
- Going in, an SGD step and the gradient check run where the window's runner puts them (on a
  worker when large, like every solve) and report through a callback; a result that belongs to
  an older chain (an edit came in between) is dropped.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from engine import network as nw
from engine.steps import Step, Trace, significant_digits
from engine.validate import as_array, as_int, as_pair
from pnn_gui.state import Outcome, PanelState, Runner

KIND = "network"
#: the depth of the loss's own steps
LOSS = "loss"

Depth = int | str | None


@dataclass(frozen=True)
class Result:
    """What a job off the chain gave: ``value`` or the ``error`` message (as an Outcome)."""

    value: Any
    error: str | None
    seconds: float


@dataclass(frozen=True)
class _Hint:
    """How big a job is, for the runner's choice of thread (``QtRunner.wants_worker``)."""

    size: int
    last_seconds: float

    def work_size(self) -> int:
        return self.size


def chain_steps_of(depth: Depth, n_layers: int) -> tuple[int, int]:
    """The chain's steps (1-based) that belong to ``depth``: its forward step and its backward
    step. The layer-by-layer trace is layer 1 … n forward, the loss, the loss's δ, then layer
    n … 1 backward (:func:`engine.network_steps.layer_by_layer`)."""
    n = n_layers
    if depth == LOSS:
        return n + 1, n + 2
    return depth, 2 * n + 3 - depth


def depth_of_step(k: int, n_layers: int) -> Depth:
    """The layer (or the loss) chain step k concerns; None for k = 0."""
    n = n_layers
    if k <= 0:
        return None
    if k <= n:
        return k
    if k <= n + 2:
        return LOSS
    return 2 * n + 3 - k


# ---------------------------------------------------------------------------------------------
# The spec as the panel holds it


_RANKS = (1, 2, 3)
_LAYOUT = "(n,), (rows, cols) or (rows, cols, channels)"


def editable_spec(raw: Any) -> dict[str, Any]:
    """An example's, a session's or a spec file's network as the panel holds it: ``input`` an
    array, each layer a dict of its ``type``, arrays (``f``, ``w``, ``b``) and int pairs
    (``stride``, ``padding``, ``size``), every default filled in; the ``loss`` a dict of its
    ``type`` and ``target`` (an array, or a class index). A ValueError names what cannot be
    edited (a layer type the panel does not know, an array of the wrong rank); a chain whose
    shapes do not fit is taken as it is (its messages show beside its layers)."""
    if not isinstance(raw, Mapping):
        raise ValueError(f"network: expected an object with \"input\", \"layers\" and "
                         f"\"loss\", got {type(raw).__name__}")
    missing = [k for k in ("input", "layers", "loss") if k not in raw]
    if missing:
        raise ValueError(f"network: {', '.join(missing)} missing")
    x = as_array(raw["input"], "input", _RANKS, _LAYOUT).copy()
    layers = raw["layers"]
    if not isinstance(layers, list):
        raise ValueError(f"layers: expected a list, got {type(layers).__name__}")
    out = [_editable_layer(i, layer) for i, layer in enumerate(layers, 1)]
    return {"input": x, "layers": out, "loss": _editable_loss(raw["loss"])}


def _editable_layer(i: int, data: Any) -> dict[str, Any]:
    type_ = data.get("type") if isinstance(data, Mapping) else None
    if type_ not in nw.LAYER_TYPES:
        raise ValueError(f"layer {i}: unknown type {type_!r}; known: {', '.join(nw.LAYER_TYPES)}")
    try:
        unknown = sorted(set(data) - {"type", *_KEYS[type_]})
        if unknown:
            raise ValueError(f"unknown key {unknown[0]!r}; expected "
                             f"{', '.join(_KEYS[type_]) or 'none'}")
        if type_ == "conv2d":
            f = as_array(data.get("f"), "f", 4, "(k_rows, k_cols, c_in, c_out)").copy()
            b = np.zeros(f.shape[3]) if data.get("b") is None else \
                as_array(data["b"], "b", 1, "(c_out,)").copy()
            return {"type": type_, "f": f, "b": b,
                    "stride": as_pair(data.get("stride", 1), "stride", 1),
                    "padding": as_pair(data.get("padding", 0), "padding", 0)}
        if type_ in ("avgpool", "maxpool"):
            size = as_pair(data.get("size"), "size", 1)
            stride = size if data.get("stride") is None else as_pair(data["stride"], "stride", 1)
            return {"type": type_, "size": size, "stride": stride}
        if type_ == "fc":
            w = as_array(data.get("w"), "w", 2, "(n_in, n_out)").copy()
            b = np.zeros(w.shape[1]) if data.get("b") is None else \
                as_array(data["b"], "b", 1, "(n_out,)").copy()
            return {"type": type_, "w": w, "b": b}
        return {"type": type_}
    except ValueError as exc:
        raise ValueError(f"layer {i} ({type_}): {exc}") from None


_KEYS = {"conv2d": ("f", "b", "stride", "padding"), "avgpool": ("size", "stride"),
         "maxpool": ("size", "stride"), "fc": ("w", "b")}
_KEYS.update({t: () for t in nw.LAYER_TYPES if t not in _KEYS})


def _editable_loss(data: Any) -> dict[str, Any]:
    type_ = data.get("type") if isinstance(data, Mapping) else None
    if type_ not in nw.LOSS_TYPES:
        raise ValueError(f"loss: unknown type {type_!r}; known: {', '.join(nw.LOSS_TYPES)}")
    try:
        if type_ == "mse":
            return {"type": type_,
                    "target": as_array(data.get("target"), "target", _RANKS, _LAYOUT).copy()}
        return {"type": type_, "target": as_int(data.get("target"), "target", 0)}
    except ValueError as exc:
        raise ValueError(f"loss ({type_}): {exc}") from None


def spec_json(spec: Mapping[str, Any]) -> dict[str, Any]:
    """The spec as JSON-ready lists (what sessions and File → Export network spec write);
    :func:`editable_spec` reads it back."""
    def plain(v: Any) -> Any:
        if isinstance(v, np.ndarray):
            return v.tolist()
        if isinstance(v, tuple):
            return list(v)
        return v
    return {"input": plain(spec["input"]),
            "layers": [{k: plain(v) for k, v in layer.items()} for layer in spec["layers"]],
            "loss": {k: plain(v) for k, v in spec["loss"].items()}}


# ---------------------------------------------------------------------------------------------
# The state


class NetworkState:
    """See the module docstring."""

    def __init__(self, spec: Mapping[str, Any]):
        self.chain = PanelState(KIND, spec)
        self.depth: Depth = None
        self._inner: Trace | None = None
        self._inner_step = 0
        self._good: Mapping[str, Any] | None = None  # the inputs of chain.trace
        self._jobs = 0             # bumped by every job started and by every chain trace
        self._chain_trace_job = 0  # the job number current when the chain's trace last changed
        self._inner_wait: object | None = None  # the going-in that may still set the depth
        self._listeners: list[Callable[[str], None]] = []
        #: why the last going-in did not happen
        self.refusal = ""
        self._wanted: tuple[Depth, int | str] = (None, 0)
        if self.chain.trace is not None:
            self._good = self.chain.inputs
        self.chain.subscribe(self._on_chain_changed)

    # -- what the window reads ------------------------------------------------------------------
    @property
    def trace(self) -> Trace | None:
        return self.chain.trace if self.depth is None else self._inner

    @property
    def step(self) -> int:
        return self.chain.step if self.depth is None else self._inner_step

    @property
    def n_steps(self) -> int:
        return len(self.trace) if self.trace is not None else 0

    def current_step(self) -> Step | None:
        k = self.step
        return self.trace.steps[k - 1] if self.trace is not None and k > 0 else None

    def set_step(self, k: int) -> None:
        if self.depth is None:
            self.chain.set_step(k)
            return
        k = max(0, min(int(k), self.n_steps))
        if k != self._inner_step:
            self._inner_step = k
            self._emit("step")

    def subscribe(self, callback: Callable[[str], None]) -> None:
        """``callback(what)``: what :class:`~pnn_gui.state.PanelState` says, and ``"view"``
        when the depth changed, ``"refused"`` when going in did not happen (:attr:`refusal`
        says why)."""
        self._listeners.append(callback)

    def _emit(self, what: str) -> None:
        for cb in list(self._listeners):
            cb(what)

    # -- the chain's, passed on -----------------------------------------------------------------
    @property
    def inputs(self) -> dict[str, Any]:
        return self.chain.inputs

    @property
    def kind(self) -> str:
        return self.chain.kind

    @property
    def errors(self) -> dict[str, str]:
        return self.chain.errors

    @property
    def edits(self) -> int:
        return self.chain.edits

    @property
    def digits(self) -> int:
        return self.chain.digits

    @property
    def pending(self) -> bool:
        return self.chain.pending or self._inner_wait is not None

    @property
    def runner(self) -> Runner | None:
        return self.chain.runner

    @runner.setter
    def runner(self, runner: Runner | None) -> None:
        self.chain.runner = runner

    @property
    def last_seconds(self) -> float:
        return self.chain.last_seconds

    def work_size(self) -> int:
        return self.chain.work_size()

    def set_inputs(self, values: Mapping[str, Any], replace: bool = False) -> bool:
        return self.chain.set_inputs(values, replace)

    def set_digits(self, digits: int) -> bool:
        return self.chain.set_digits(digits)

    def good_network(self) -> nw.Network | None:
        """The network of the trace shown (the last good inputs), or None."""
        return None if self._good is None else nw.parse(self._good)

    # -- depth ----------------------------------------------------------------------------------
    def enter(self, depth: Depth, step: int | str = 0) -> None:
        """Present ``depth``'s own steps at ``step``: a number, ``"backward"`` (its forward
        steps done) or ``"end"``; listeners hear ``"view"`` once its trace is there (at once
        when small), or ``"refused"``."""
        n = self._n_layers()
        if depth != LOSS and not (isinstance(depth, int) and 1 <= depth <= n):
            raise ValueError(f"depth: expected a layer from 1 to {n} or {LOSS!r}, got {depth!r}")
        self._solve_inner(depth, step, "view")

    def leave(self) -> None:
        """Back to the chain, at the step it was left at."""
        self._inner_wait = None
        if self.depth is not None:
            self.depth, self._inner, self._inner_step = None, None, 0
            self._emit("view")

    def _n_layers(self) -> int:
        return 0 if self._good is None else len(self._good["layers"])

    def _solve_inner(self, depth: Depth, step: int | str, tell: str) -> None:
        good, digits = self._good, self.digits
        if good is None:
            self.refusal = "the network has not computed yet"
            self._emit("refused")
            return

        def build() -> Trace:
            with significant_digits(digits):
                r = nw.run(nw.parse(good))
                return r.loss_trace() if depth == LOSS else r.layer_trace(depth)

        token = self._inner_wait = object()
        self._wanted = (depth, step)

        def take(result: Result) -> None:
            if self._inner_wait is not token:
                return   # left, or gone in elsewhere, meanwhile
            self._inner_wait = None
            if result.error is not None:
                self.refusal = result.error
                if tell == "trace":   # the layer no longer steps: back out
                    self.leave()
                self._emit("refused")
                return
            trace = result.value
            k = {"end": len(trace), "backward": trace.phases.get("forward", 0)}.get(step, step)
            k = max(0, min(int(k), len(trace)))
            self.depth, self._inner, self._inner_step = depth, trace, k
            self._emit(tell)

        if self.run_job(build, take, self.chain.last_seconds):
            self._emit("busy")

    # -- jobs -----------------------------------------------------------------------------------
    def run_job(self, fn: Callable[[], Any], done: Callable[[Result], None],
                seconds_hint: float = 0.0, size_hint: int | None = None) -> int:
        """``done(Result)`` with what ``fn()`` returns (or the ValueError's message), run where
        the runner decides from the hints (default: the chain's size). Returns 0 when ``done``
        was called already, else the job's number (its result is dropped when the chain's trace
        changes first)."""
        self._jobs += 1
        job_id = chain_at = self._jobs

        def job() -> Result:
            t0 = time.perf_counter()
            try:
                value = fn()
            except ValueError as exc:
                return Result(None, str(exc), time.perf_counter() - t0)
            return Result(value, None, time.perf_counter() - t0)

        def deliver(result: Result | Outcome) -> None:
            if self._chain_changes_since(chain_at):
                return   # an edit came in between: its own recompute follows
            if isinstance(result, Outcome):   # the job raised (a bug): the runner's message
                result = Result(None, result.error, result.seconds)
            done(result)

        hint = _Hint(self.work_size() if size_hint is None else size_hint, seconds_hint)
        runner = self.chain.runner
        result = job() if runner is None else runner.run(hint, job, deliver)
        if result is None:
            return job_id
        deliver(result)
        return 0

    def _chain_changes_since(self, job_id: int) -> bool:
        return self._chain_trace_job > job_id

    # -- the chain's events -----------------------------------------------------------------------
    def _on_chain_changed(self, what: str) -> None:
        if what == "trace":
            self._jobs += 1
            self._chain_trace_job = self._jobs   # results of jobs started before are dropped
            self._good = self.chain.inputs if self.chain.trace is not None else None
            going_in = self._inner_wait is not None and self.depth is None
            self._inner_wait = None
            if self.depth is not None and self.depth != LOSS and self.depth > self._n_layers():
                self.leave()
            elif self.depth is not None:   # the same layer, new numbers, the same step
                at = "end" if self._inner_step == self.n_steps else self._inner_step
                self._solve_inner(self.depth, at, "trace")
                return
            elif going_in:                 # going in still: with the new numbers
                self._solve_inner(*self._wanted, "view")
        if what == "step" and self.depth is not None:
            return
        self._emit(what)
