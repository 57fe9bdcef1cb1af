r"""A small network — a chain of layers ending in a loss — forward, backward, one SGD step and a
gradient check, built only from the layer modules. Its worked steps: :mod:`engine.network_steps`.

Invariants:

- **No second implementation of any layer.** Every number comes from the layer modules'
  public functions: :mod:`engine.conv2d`, :mod:`engine.pooling`, :mod:`engine.fully_connected`,
  :mod:`engine.flatten`, :mod:`engine.activations`, :mod:`engine.losses`. A layer's own worked
  steps are its own trace builder's, run on this chain's numbers (:meth:`Run.layer_trace`;
  conv2d, pooling and fully connected through their trace builders in :mod:`engine.traces`).
- **Layers are numbered from 1** everywhere: in messages (``layer 3 (avgpool): …``), in tensor
  names (``L3.y``) and in the keys of :attr:`Check.problems` (``"L3"``).
- **Tensor names of the chain.** ``x`` the input; for layer i: ``L{i}.y`` its output,
  ``L{i}.dx`` the δ at its input (∂L/∂ of its input), its parameters ``L{i}.f`` / ``L{i}.w`` and
  ``L{i}.b`` and their gradients ``L{i}.df`` / ``L{i}.dw`` and ``L{i}.db``; ``target``; ``loss``
  (0-d) and ``loss.dx``, the δ at the loss's input (∂L/∂ of the last output). ``L{i+1}.dx`` is
  the δy layer i receives.
- **A spec is data, checked whole.** :func:`check` never raises on a bad spec: it reports every
  problem at once, each under its place (``"spec"``, ``"input"``, ``"layers"``, ``"L{i}"``,
  ``"loss"``), checking each layer against the shape its input would have, so one layer that does
  not fit leaves the others checked (a layer after it whose input shape cannot be known is
  checked on its own settings and parameters only). :func:`parse` is the same check raising
  :class:`NetworkError` (a ``ValueError``) for the first problem in chain order.
- **Immutable results.** :class:`Network`, :class:`Run`, :class:`SGDStep` and
  :class:`GradientCheck` are frozen; arrays handed in are copied, and none is changed later.
  Nothing here keeps state between calls, so any function may run on a worker thread (traces use
  the :func:`~engine.steps.significant_digits` of the thread that builds them).
- **A layer's own steps are its own panel's**: :meth:`Run.layer_trace` runs the layer's trace
  builder on the layer's input, parameters and received δy from this run, so replaying it gives
  exactly the run's ``L{i}.y`` and ``L{i}.dx``.

The spec (JSON, channels-last, as everywhere in the app)::

    {"input": array,
     "layers": [{"type": "conv2d", "f": (k_r, k_c, c_in, c_out), "b": [...],
                 "stride": [s_r, s_c], "padding": [p_r, p_c]},
                {"type": "avgpool" | "maxpool", "size": [k_r, k_c], "stride": [s_r, s_c]},
                {"type": "flatten"},            # row, column, channel order: NumPy's reshape
                {"type": "fc", "w": (n_in, n_out), "b": [...]},
                {"type": "relu" | "sigmoid" | "tanh"}],
     "loss": {"type": "mse", "target": [...]}                     # mean of squared differences
           | {"type": "softmax_cross_entropy", "target": class index}}

``stride`` and ``padding`` may be one number for both axes; conv2d's ``stride`` defaults to 1,
``padding`` to 0 and ``b`` to zeros; pooling's ``stride`` defaults to its ``size``; fc's ``b``
to zeros. Unknown keys are refused (a misspelt ``strides`` would otherwise be ignored).

The chain, for layers 1 … n with x₀ = x and loss ``ℓ``::

    forward:   L{i}.y = layer_i(L{i−1}.y)          loss = ℓ(L{n}.y, target)
    backward:  loss.dx = ∂loss/∂L{n}.y             (2(y − t)/n, or softmax(y) − onehot(t))
               L{i}.dx, L{i}.dw, … = layer_i.backward(input of layer i, δy = L{i+1}.dx)
    SGD:       θ ← θ − η·Δθ for every parameter θ   (one step; the new loss beside the old)
    check:     ∂loss/∂θ ≈ (loss(θ + h) − loss(θ − h)) / 2h, h = 10⁻⁶·max(1, |θ|), per element

API (what the Network panel builds on)::

    check(spec) -> Check           .problems {place: message}, .shapes, .network (None on problems)
    parse(spec) -> Network         NetworkError (.where, the place) for the first problem
    load_file(path) -> Network     a JSON spec file; anything else: NetworkError naming the file
    Network.to_json()              the spec back (File → Export network spec)
    Network.parameters()           {"L1.f": …, "L1.b": …, …} in chain order
    run(network) -> Run            forward + backward; NetworkError naming the layer on failure
    loads(text, source) -> Network the same from JSON text
    Run.outputs[i-1], .deltas[i-1] L{i}.y and L{i}.dx;  .loss, .loss_dx, .grads {"L1.df": …}
    Run.input_of(i), .dy_of(i)     layer i's input and the δ it receives
    Run.tensors()                  every tensor of the chain by name (what export writes)
    Run.layer_trace(i)             layer i's own worked steps with this chain's numbers
                                   (NetworkError naming the layer when too large to step through)
    Run.loss_trace()               the loss's: L and δy = 2(y − t)/n or softmax(y) − onehot(t)
    Run.delta_norms()              {"L1.dx": ‖δ‖, …, "loss.dx": ‖δ‖}
    Run.grad_norms()               {"L1.df": ‖ΔF‖, …}
    sgd_step(run, lr) -> SGDStep   .network, .after (Run or None), .went_down, .message
    gradient_check(run, deltas=False, names=None)
                                   {"L1.df": GradientCheck(analytic, numeric, max_error, ok), …}
    network_steps.layer_by_layer(run), .worked(run), .sgd(sgd_step) -> Trace   (the steps)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from engine import activations, conv2d, flatten, fully_connected, losses, pooling, reading, traces
from engine.steps import DEFAULT_DIGITS, Trace, fmt
from engine.validate import as_array, as_int, as_number, as_pair, check_shape, shape_str

#: Layer types, in the order a menu lists them.
LAYER_TYPES = ("conv2d", "avgpool", "maxpool", "flatten", "fc", "relu", "sigmoid", "tanh")
#: Loss types.
LOSS_TYPES = losses.KINDS

#: Central-difference step, relative: h = H · max(1, |θ|) (as the autodiff panel's check).
H = 1e-6
#: A gradient check passes when |analytic − numeric| ≤ CHECK_ATOL + CHECK_RTOL·|numeric|.
CHECK_ATOL = 1e-6
CHECK_RTOL = 1e-4

#: A parameter's gradient: its name with a d (``f`` → ``df``: ΔF on screen).
GRAD = {"f": "df", "w": "dw", "b": "db"}
_RANKS = (1, 2, 3)
_LAYOUT = "(n,), (rows, cols) or (rows, cols, channels)"


class NetworkError(ValueError):
    """A spec or a run that does not compute; ``where`` is the place the message names
    (``"input"``, ``"L3"``, ``"loss"``, …), for a panel to show it beside that part."""

    def __init__(self, message: str, where: str):
        super().__init__(message)
        self.where = where


# ---------------------------------------------------------------------------------------------
# The spec


@dataclass(frozen=True)
class Layer:
    """One layer: its ``type``, trainable ``params`` (conv2d: ``f``, ``b``; fc: ``w``, ``b``;
    none otherwise) and ``settings`` (conv2d: ``stride``, ``padding``; pooling: ``size``,
    ``stride``; each a (rows, cols) pair)."""

    type: str
    params: Mapping[str, np.ndarray] = field(default_factory=dict)
    settings: Mapping[str, tuple[int, int]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": self.type}
        out.update({k: v.tolist() for k, v in self.params.items()})
        out.update({k: list(v) for k, v in self.settings.items()})
        return out


@dataclass(frozen=True)
class Loss:
    """``type`` (:data:`LOSS_TYPES`) and ``target``: an array (mse) or a class index."""

    type: str
    target: np.ndarray | int

    def to_json(self) -> dict[str, Any]:
        target = self.target.tolist() if isinstance(self.target, np.ndarray) else self.target
        return {"type": self.type, "target": target}


@dataclass(frozen=True)
class Network:
    """A checked spec: the ``input``, the ``layers`` and the ``loss``; every shape fits."""

    input: np.ndarray
    layers: tuple[Layer, ...]
    loss: Loss

    def to_json(self) -> dict[str, Any]:
        """The spec, as JSON-ready lists (floats written with ``repr`` read back exactly)."""
        return {"input": self.input.tolist(), "layers": [lay.to_json() for lay in self.layers],
                "loss": self.loss.to_json()}

    def parameters(self) -> dict[str, np.ndarray]:
        """Every trainable parameter by its chain name, in chain order."""
        return {f"L{i}.{k}": v for i, lay in enumerate(self.layers, 1)
                for k, v in lay.params.items()}

    def with_parameters(self, new: Mapping[str, np.ndarray]) -> Network:
        """The same network with the parameters in ``new`` (chain names) replaced."""
        layers = []
        for i, lay in enumerate(self.layers, 1):
            params = {k: _frozen(np.array(new.get(f"L{i}.{k}", v), dtype=np.float64))
                      for k, v in lay.params.items()}
            layers.append(replace(lay, params=params))
        return replace(self, layers=tuple(layers))


@dataclass(frozen=True)
class Check:
    """Every problem of a spec at once. ``problems`` maps a place (``"spec"``, ``"input"``,
    ``"layers"``, ``"L{i}"``, ``"loss"``) to its message, in chain order; ``shapes[i-1]`` is layer
    i's output shape, None where it cannot be known; ``network`` is the parsed network when there
    is no problem."""

    problems: dict[str, str]
    input_shape: tuple[int, ...] | None
    shapes: tuple[tuple[int, ...] | None, ...]
    network: Network | None

    @property
    def ok(self) -> bool:
        return not self.problems


def _where(i: int) -> str:
    return f"L{i}"


def _prefix(i: int, type_: str) -> str:
    return f"layer {i} ({type_})"


class _ProblemError(Exception):
    """One problem found while checking (internal: :func:`check` collects them)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _keys(data: Mapping[str, Any], allowed: Sequence[str], required: Sequence[str] = ()) -> None:
    unknown = [k for k in data if k not in allowed and k != "type"]
    if unknown:
        raise _ProblemError(f"unknown key {unknown[0]!r}; expected {', '.join(allowed) or 'none'}")
    for k in required:
        if k not in data:
            raise _ProblemError(f"{k}: missing")


def _array(data, name: str, ndim, layout: str) -> np.ndarray:
    """``data[name]`` as a read-only float64 copy, with the layer modules' own messages."""
    return _frozen(np.array(as_array(data[name], name, ndim, layout)))


def _frozen(a: np.ndarray) -> np.ndarray:
    """``a``, read-only from now on (results are shared between threads, never changed)."""
    a.flags.writeable = False
    return a


# ---------------------------------------------------------------------------------------------
# Layer types: how the network calls each layer module


class _Type:
    """A layer type: its spec, its shape rule, and calls into its module."""

    keys: tuple[str, ...] = ()        # allowed keys besides "type"
    required: tuple[str, ...] = ()

    def parse(self, type_: str, data: Mapping[str, Any]) -> Layer:
        _keys(data, self.keys, self.required)
        return Layer(type_)

    def fit(self, layer: Layer, shape: tuple[int, ...] | None
            ) -> tuple[tuple[int, ...] | None, str | None]:
        """``(output shape or None, None if the input fits else the shape it needs)``; an
        input ``shape`` of None (not known) gives the output shape if the layer alone fixes it."""
        return shape, None

    def forward(self, layer: Layer, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def backward(self, layer: Layer, x: np.ndarray, dy: np.ndarray
                 ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """``(δx, {parameter: gradient})``."""
        raise NotImplementedError

    def trace(self, layer: Layer, x: np.ndarray, dy: np.ndarray) -> Trace:
        raise NotImplementedError



class _Conv2D(_Type):
    keys = ("f", "b", "stride", "padding")
    required = ("f",)

    def parse(self, type_, data):
        _keys(data, self.keys, self.required)
        f = _array(data, "f", 4, "(k_rows, k_cols, c_in, c_out)")
        c_out = f.shape[3]
        if data.get("b") is None:
            b = _frozen(np.zeros(c_out))
        else:
            b = _array(data, "b", 1, "(c_out,)")
            check_shape(b, "b", (c_out,), f"to match f's {c_out} filters (c_out)")
        stride = as_pair(data.get("stride", 1), "stride", 1)
        padding = as_pair(data.get("padding", 0), "padding", 0)
        return Layer(type_, {"f": f, "b": b}, {"stride": stride, "padding": padding})

    def fit(self, layer, shape):
        if shape is None:
            return None, None
        k_r, k_c, c_in, _ = layer.params["f"].shape
        (p_r, p_c) = layer.settings["padding"]
        min_r, min_c = max(1, k_r - 2 * p_r), max(1, k_c - 2 * p_c)
        spatial = len(shape) == 3 and shape[0] >= min_r and shape[1] >= min_c
        out = conv2d.output_shape((shape[0], shape[1], c_in), layer.params["f"].shape,
                                  layer.settings["stride"], layer.settings["padding"]) \
            if spatial else None
        if spatial and shape[2] == c_in:
            return out, None
        channels = f"{c_in} input channel" + ("" if c_in == 1 else "s")
        if min_r > 1 or min_c > 1:
            need = (f"(rows, cols, {c_in}) with rows ≥ {min_r} and cols ≥ {min_c} (f has "
                    f"{channels}, and its {k_r}×{k_c} kernel must fit in the input padded by "
                    f"({p_r}, {p_c}))")
        else:
            need = f"(rows, cols, {c_in}) (f has {channels})"
        return out, need

    def forward(self, layer, x):
        return conv2d.forward(x, layer.params["f"], layer.params["b"], **layer.settings)

    def backward(self, layer, x, dy):
        dx, df, db = conv2d.backward(x, layer.params["f"], dy, **layer.settings)
        return dx, {"f": df, "b": db}

    def trace(self, layer, x, dy):
        return traces.conv2d.solve(x=x, f=layer.params["f"], b=layer.params["b"], dy=dy,
                                   **layer.settings)



class _Pool(_Type):
    keys = ("size", "stride")
    required = ("size",)

    def __init__(self, kind: str):
        self.kind = kind   # "avg" | "max"

    def parse(self, type_, data):
        _keys(data, self.keys, self.required)
        size = as_pair(data["size"], "size", 1)
        stride = size if data.get("stride") is None else as_pair(data["stride"], "stride", 1)
        return Layer(type_, {}, {"size": size, "stride": stride})

    def fit(self, layer, shape):
        (k_r, k_c), (s_r, s_c) = layer.settings["size"], layer.settings["stride"]
        if shape is None:
            return None, None
        if len(shape) == 3 and shape[0] >= k_r and shape[1] >= k_c:
            return ((shape[0] - k_r) // s_r + 1, (shape[1] - k_c) // s_c + 1, shape[2]), None
        need = "(rows, cols, channels)"
        if k_r > 1 or k_c > 1:
            need += f" with rows ≥ {k_r} and cols ≥ {k_c} (the {k_r}×{k_c} window must fit)"
        return None, need

    def forward(self, layer, x):
        fn = pooling.avg_forward if self.kind == "avg" else pooling.max_forward
        return fn(x, **layer.settings)

    def backward(self, layer, x, dy):
        if self.kind == "avg":
            return pooling.avg_backward(x.shape, dy, **layer.settings), {}
        return pooling.max_backward(x, dy, **layer.settings), {}

    def trace(self, layer, x, dy):
        solve = traces.pooling.solve_avg if self.kind == "avg" else traces.pooling.solve_max
        return solve(x=x, dy=dy, **layer.settings)



class _Flatten(_Type):
    def fit(self, layer, shape):
        return (None if shape is None else (int(np.prod(shape)),)), None

    def forward(self, layer, x):
        return flatten.forward(x)

    def backward(self, layer, x, dy):
        return flatten.backward(x.shape, dy), {}

    def trace(self, layer, x, dy):
        return flatten.solve(x, dy)



class _FullyConnected(_Type):
    keys = ("w", "b")
    required = ("w",)

    def parse(self, type_, data):
        _keys(data, self.keys, self.required)
        w = _array(data, "w", 2, "(n_in, n_out)")
        n_out = w.shape[1]
        if data.get("b") is None:
            b = _frozen(np.zeros(n_out))
        else:
            b = _array(data, "b", 1, "(n_out,)")
            check_shape(b, "b", (n_out,), f"to match w's {n_out} columns (n_out)")
        return Layer(type_, {"w": w, "b": b})

    def fit(self, layer, shape):
        n_in, n_out = layer.params["w"].shape
        if shape is None or shape == (n_in,):
            return (n_out,), None
        need = f"({n_in},) (w has {n_in} rows)"
        if len(shape) > 1 and int(np.prod(shape)) == n_in:
            need += "; put a flatten layer before it"
        return (n_out,), need

    def forward(self, layer, x):
        return fully_connected.forward(x, layer.params["w"], layer.params["b"])

    def backward(self, layer, x, dy):
        dx, dw, db = fully_connected.backward(x, layer.params["w"], dy)
        return dx, {"w": dw, "b": db}

    def trace(self, layer, x, dy):
        return traces.fully_connected.solve(x=x, w=layer.params["w"], b=layer.params["b"], dy=dy)



class _Activation(_Type):
    def __init__(self, function: str):
        self.function = function

    def forward(self, layer, x):
        return activations.forward(self.function, x)

    def backward(self, layer, x, dy):
        return activations.backward(self.function, x, dy), {}

    def trace(self, layer, x, dy):
        return activations.solve(self.function, x, dy)



_TYPES: dict[str, _Type] = {
    "conv2d": _Conv2D(), "avgpool": _Pool("avg"), "maxpool": _Pool("max"), "flatten": _Flatten(),
    "fc": _FullyConnected(), "relu": _Activation("relu"), "sigmoid": _Activation("sigmoid"),
    "tanh": _Activation("tanh"),
}
assert tuple(_TYPES) == LAYER_TYPES


# ---------------------------------------------------------------------------------------------
# Checking a spec


def check(spec: Any) -> Check:
    """Every problem of ``spec`` (the decoded JSON), each under its place; never raises for a bad
    spec. See the module docstring."""
    problems: dict[str, str] = {}
    if not isinstance(spec, Mapping):
        problems["spec"] = (f"spec: expected a JSON object with \"input\", \"layers\" and "
                            f"\"loss\", got {_json_type(spec)}")
        return Check(problems, None, (), None)
    unknown = [k for k in spec if k not in ("input", "layers", "loss")]
    if unknown:
        problems["spec"] = f"spec: unknown key {unknown[0]!r}; expected input, layers, loss"
    x = _parse_input(spec, problems)
    shape = None if x is None else x.shape
    input_shape = shape
    raw_layers = spec.get("layers")
    if not isinstance(raw_layers, list):
        problems["layers"] = ("layers: missing" if raw_layers is None else
                              f"layers: expected a list of layers, got {_json_type(raw_layers)}")
        raw_layers = []
    layers: list[Layer] = []
    shapes: list[tuple[int, ...] | None] = []
    for i, data in enumerate(raw_layers, 1):
        layer, shape = _check_layer(i, data, shape, problems)
        layers.append(layer)   # type: ignore[arg-type]   (None only when problems say so)
        shapes.append(shape)
    loss = _check_loss(spec.get("loss"), shape, problems)
    network = None
    if not problems:
        network = Network(x, tuple(layers), loss)   # type: ignore[arg-type]
    return Check(problems, input_shape, tuple(shapes), network)


def parse(spec: Any) -> Network:
    """The network of ``spec``, or :class:`NetworkError` for its first problem."""
    result = check(spec)
    if result.problems:
        where, message = next(iter(result.problems.items()))
        raise NetworkError(message, where)
    assert result.network is not None
    return result.network


def loads(text: str, source: str = "spec") -> Network:
    """The network of a JSON text; ``source`` names it in a message about the text."""
    try:
        data = reading.loads_json(text, source)
    except reading.FileError as exc:
        raise NetworkError(str(exc), "spec") from None
    return parse(data)


def load_file(path: str | Path) -> Network:
    """The network of a JSON spec file; anything else in it is one :class:`NetworkError`
    naming the file and, where there is one, the line (:mod:`engine.reading`)."""
    path = Path(path)
    try:
        data = reading.read_json(path)
    except reading.FileError as exc:
        raise NetworkError(str(exc), "spec") from None
    try:
        return parse(data)
    except NetworkError as exc:
        raise NetworkError(f"{path.name}: {exc}", exc.where) from None


def _json_type(value: Any) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "true/false",
             type(None): "null", int: "a number", float: "a number"}
    return names.get(type(value), type(value).__name__)


def _parse_input(spec: Mapping[str, Any], problems: dict[str, str]) -> np.ndarray | None:
    if "input" not in spec:
        problems["input"] = "input: missing"
        return None
    try:
        return _frozen(np.array(as_array(spec["input"], "input", _RANKS, _LAYOUT)))
    except ValueError as exc:
        problems["input"] = str(exc)
        return None


def _check_layer(i: int, data: Any, shape: tuple[int, ...] | None, problems: dict[str, str]
                 ) -> tuple[Layer | None, tuple[int, ...] | None]:
    """Layer i and its output shape (None when unknown), recording its problem if any."""
    if not isinstance(data, Mapping):
        problems[_where(i)] = (f"layer {i}: expected an object with a \"type\", got "
                               f"{_json_type(data)}")
        return None, None
    type_ = data.get("type")
    if type_ not in LAYER_TYPES:  # (a tuple: an unhashable "type" is refused too)
        what = "missing" if type_ is None else f"unknown type {type_!r}"
        problems[_where(i)] = f"layer {i}: {what}; known: {', '.join(LAYER_TYPES)}"
        return None, None
    kind = _TYPES[type_]
    try:
        layer = kind.parse(type_, data)
    except (_ProblemError, ValueError) as exc:
        problems[_where(i)] = f"{_prefix(i, type_)}: {exc}"
        return None, None
    out, need = kind.fit(layer, shape)
    if need is not None:
        problems[_where(i)] = (f"{_prefix(i, type_)}: got input of shape {shape_str(shape)}, "
                               f"needs {need}")
    return layer, out


def _check_loss(data: Any, shape: tuple[int, ...] | None, problems: dict[str, str]
                ) -> Loss | None:
    if data is None:
        problems["loss"] = "loss: missing"
        return None
    if not isinstance(data, Mapping) or data.get("type") not in LOSS_TYPES:
        what = (f"expected an object with a \"type\", got {_json_type(data)}"
                if not isinstance(data, Mapping) else
                "\"type\" missing" if data.get("type") is None else
                f"unknown type {data.get('type')!r}")
        problems["loss"] = f"loss: {what}; known: {', '.join(LOSS_TYPES)}"
        return None
    type_ = data["type"]
    prefix = f"loss ({type_})"
    try:
        _keys(data, ("target",), ("target",))
        if type_ == "mse":
            target: np.ndarray | int = _frozen(np.array(as_array(data["target"], "target",
                                                                 _RANKS, _LAYOUT)))
        else:
            target = as_int(data["target"], "target", 0)
    except (_ProblemError, ValueError) as exc:
        problems["loss"] = f"{prefix}: {exc}"
        return None
    if shape is not None:
        if isinstance(target, np.ndarray):
            fits, need = shape == target.shape, f"{shape_str(target.shape)}, the shape of target"
        else:
            fits = len(shape) == 1 and shape[0] > target
            need = (f"(n,) with n ≥ {target + 1}: one score per class, target class "
                    f"{target} among them")
        if not fits:
            problems["loss"] = f"{prefix}: got input of shape {shape_str(shape)}, needs {need}"
    return Loss(type_, target)


# ---------------------------------------------------------------------------------------------
# Forward and backward


@dataclass(frozen=True)
class Run:
    """One forward and backward pass of ``network``.

    ``outputs[i-1]`` is ``L{i}.y``; ``deltas[i-1]`` is ``L{i}.dx``, the δ at layer i's input;
    ``loss`` the loss and ``loss_dx`` its δ (at the last layer's output); ``grads`` every
    parameter gradient by chain name (``"L1.df"``, ``"L1.db"``, …), in chain order."""

    network: Network
    outputs: tuple[np.ndarray, ...]
    loss: float
    loss_dx: np.ndarray
    deltas: tuple[np.ndarray, ...]
    grads: dict[str, np.ndarray]

    def input_of(self, i: int) -> np.ndarray:
        """The input of layer i (1-based): ``x`` for layer 1, else ``L{i-1}.y``."""
        _check_index(i, len(self.network.layers))
        return self.network.input if i == 1 else self.outputs[i - 2]

    def dy_of(self, i: int) -> np.ndarray:
        """The δ layer i receives at its output: ``L{i+1}.dx``, or ``loss.dx`` for the last."""
        _check_index(i, len(self.network.layers))
        return self.loss_dx if i == len(self.network.layers) else self.deltas[i]

    @property
    def output(self) -> np.ndarray:
        """The last layer's output (the input when there are no layers)."""
        return self.outputs[-1] if self.outputs else self.network.input

    def tensors(self) -> dict[str, np.ndarray]:
        """Every tensor of the chain by name (module docstring), layer by layer."""
        net = self.network
        out: dict[str, np.ndarray] = {"x": net.input}
        for i, layer in enumerate(net.layers, 1):
            out.update({f"L{i}.{k}": v for k, v in layer.params.items()})
            out[f"L{i}.y"] = self.outputs[i - 1]
            out[f"L{i}.dx"] = self.deltas[i - 1]
            out.update({f"L{i}.{GRAD[k]}": self.grads[f"L{i}.{GRAD[k]}"] for k in layer.params})
        target = net.loss.target
        out["target"] = target if isinstance(target, np.ndarray) else np.array(float(target))
        out["loss"] = np.array(self.loss)
        out["loss.dx"] = self.loss_dx
        return out

    def delta_norms(self) -> dict[str, float]:
        """‖δ‖ (the 2-norm over all elements) at every layer's input and at the loss's input."""
        out = {f"L{i}.dx": float(np.linalg.norm(d)) for i, d in enumerate(self.deltas, 1)}
        out["loss.dx"] = float(np.linalg.norm(self.loss_dx))
        return out

    def grad_norms(self) -> dict[str, float]:
        """‖Δθ‖ of every parameter gradient (``"L1.df"``, …)."""
        return {k: float(np.linalg.norm(v)) for k, v in self.grads.items()}

    def layer_trace(self, i: int) -> Trace:
        """Layer i's own worked steps (the same steps and formulas as its own panel), on this
        chain's numbers: its input, its parameters and the δ it receives. Tensor names are the
        layer's own (``x``, ``w``, ``dy``, …). A layer too large to step through raises
        :class:`NetworkError` naming it (its numbers are in the run all the same)."""
        _check_index(i, len(self.network.layers))
        layer = self.network.layers[i - 1]
        try:
            return _TYPES[layer.type].trace(layer, self.input_of(i), self.dy_of(i))
        except ValueError as exc:
            raise NetworkError(f"{_prefix(i, layer.type)}: {exc}", _where(i)) from None

    def loss_trace(self) -> Trace:
        """The loss's worked steps: L, then δy (``dy``, which is ``loss.dx`` here)."""
        loss = self.network.loss
        return losses.solve(loss.type, self.output, loss.target)


def _check_index(i: int, n: int) -> None:
    if isinstance(i, bool) or not isinstance(i, (int, np.integer)) or not 1 <= i <= n:
        raise ValueError(f"layer: expected a layer number from 1 to {n}, got {i!r}")


def run(network: Network) -> Run:
    """Forward and backward through ``network`` (from :func:`parse`). A layer whose module
    refuses its input (too large to compute) or whose numbers overflow raises
    :class:`NetworkError` naming it."""
    net = network
    outputs: list[np.ndarray] = []
    x = net.input
    for i, layer in enumerate(net.layers, 1):
        x = _call(i, layer.type, "y", lambda lay=layer, x=x: _TYPES[lay.type].forward(lay, x))
        outputs.append(x)
    loss = _loss_value(net.loss, x)
    loss_dx = _call(None, net.loss.type, "δy",
                    lambda: losses.backward(net.loss.type, x, net.loss.target))
    deltas: list[np.ndarray] = [np.empty(0)] * len(net.layers)
    grads: dict[str, np.ndarray] = {}
    dy = loss_dx
    for i in range(len(net.layers), 0, -1):
        layer = net.layers[i - 1]
        x_in = net.input if i == 1 else outputs[i - 2]
        dx, g = _call(i, layer.type, "δx",
                      lambda lay=layer, x_in=x_in, dy=dy: _TYPES[lay.type].backward(lay, x_in, dy))
        deltas[i - 1] = dx
        grads.update({f"L{i}.{GRAD[k]}": v for k, v in g.items()})
        dy = dx
    ordered = {k: grads[k] for k in (f"L{i}.{GRAD[p]}" for i, lay in enumerate(net.layers, 1)
                                     for p in lay.params)}
    return Run(net, tuple(outputs), loss, loss_dx, tuple(deltas), ordered)


def _call(i: int | None, type_: str, what: str, fn: Callable[[], Any]):
    """``fn()`` with a failure or a non-finite result turned into a :class:`NetworkError`
    naming layer i (or the loss, for ``i`` None)."""
    prefix, where = (_prefix(i, type_), _where(i)) if i is not None else (f"loss ({type_})",
                                                                          "loss")
    try:
        with np.errstate(over="ignore", invalid="ignore"):
            out = fn()
    except ValueError as exc:
        raise NetworkError(f"{prefix}: {exc}", where) from None
    arrays = out if isinstance(out, tuple) else (out,)
    flat = [a for a in arrays if isinstance(a, np.ndarray)] + \
        [v for a in arrays if isinstance(a, dict) for v in a.values()]
    for a in flat:
        _frozen(a)
    if not all(np.isfinite(a).all() for a in flat):
        raise NetworkError(f"{prefix}: {what} is not finite (a value overflowed float64); use "
                           "smaller numbers", where)
    return out


def _loss_value(loss: Loss, y: np.ndarray) -> float:
    value = _call(None, loss.type, "the loss",
                  lambda: np.array(losses.forward(loss.type, y, loss.target)))
    return float(value)


def _forward_loss(net: Network, start: int, x: np.ndarray,
                  layers: Sequence[Layer] | None = None) -> float:
    """The loss of running layers ``start`` … n (1-based) from ``x`` (forward only)."""
    layers = net.layers if layers is None else layers
    for i in range(start, len(layers) + 1):
        layer = layers[i - 1]
        x = _call(i, layer.type, "y", lambda lay=layer, x=x: _TYPES[lay.type].forward(lay, x))
    return _loss_value(net.loss, x)


# ---------------------------------------------------------------------------------------------
# One SGD step


@dataclass(frozen=True)
class SGDStep:
    """``network`` = every parameter θ of ``before.network`` moved to θ − lr·Δθ; ``after`` its
    run (None when the new numbers do not compute, e.g. overflow: ``message`` says why)."""

    lr: float
    before: Run
    network: Network
    after: Run | None
    message: str

    @property
    def loss_before(self) -> float:
        return self.before.loss

    @property
    def loss_after(self) -> float:
        return float("nan") if self.after is None else self.after.loss

    @property
    def went_down(self) -> bool:
        return self.after is not None and self.after.loss < self.before.loss


def sgd_step(r: Run, lr) -> SGDStep:
    """One step of gradient descent with learning rate ``lr`` (η > 0) on every parameter, and
    the new loss beside the old. ``message`` says whether the loss went down — and, when it did
    not, that η is too large (or the gradients are 0)."""
    lr = as_number(lr, "lr (learning rate η)", "a number greater than 0")
    if lr <= 0:
        raise ValueError(f"lr (learning rate η): expected a number greater than 0, got {lr:g}")
    old = r.network.parameters()
    with np.errstate(over="ignore", invalid="ignore"):
        new = {name: v - lr * r.grads[grad_name(name)] for name, v in old.items()}
    network = r.network.with_parameters(new)
    before = r.loss
    bad = next((name for name, v in new.items() if not np.isfinite(v).all()), None)
    after: Run | None = None
    if bad is not None:
        message = (f"lr (learning rate η): with η = {lr:g} the new {bad} overflows float64; "
                   "try a smaller learning rate")
    else:
        try:
            after = run(network)
        except NetworkError as exc:
            message = (f"lr (learning rate η): with η = {lr:g} the new weights do not compute "
                       f"({exc}); try a smaller learning rate")
        else:
            message = _sgd_message(lr, before, after.loss)
    return SGDStep(lr, r, network, after, message)


def grad_name(param: str) -> str:
    """The gradient's chain name of a parameter: ``"L1.f"`` → ``"L1.df"``."""
    layer, name = param.split(".")
    return f"{layer}.{GRAD[name]}"


def _distinct(a: float, b: float) -> tuple[str, str]:
    """``a`` and ``b`` formatted with the fewest digits (at least the default) that tell them
    apart."""
    for digits in range(DEFAULT_DIGITS, 18):
        sa, sb = fmt(a, digits), fmt(b, digits)
        if sa != sb:
            return sa, sb
    return fmt(a), fmt(b)


def _sgd_message(lr: float, before: float, after: float) -> str:
    sa, sb = _distinct(before, after)
    if after < before:
        return f"loss {sa} → {sb}: it went down (η = {lr:g})"
    if after == before:
        return (f"loss {sa} → {sb}: it did not change; the gradients are 0 or η = {lr:g} is "
                "too small to move the weights")
    return (f"loss {sa} → {sb}: it did not go down; η = {lr:g} is too large a step here, try a "
            "smaller learning rate")


# ---------------------------------------------------------------------------------------------
# Gradient check


@dataclass(frozen=True)
class GradientCheck:
    """One gradient against central differences through the whole chain."""

    name: str                 # "L1.df"
    analytic: np.ndarray      # from the backward pass
    numeric: np.ndarray       # (loss(θ + h) − loss(θ − h)) / 2h per element
    max_error: float          # max |analytic − numeric|
    ok: bool                  # every element within CHECK_ATOL + CHECK_RTOL·|numeric|


def central_differences(loss_of: Callable[[np.ndarray], float], theta: np.ndarray,
                        h: float = H) -> np.ndarray:
    """∂loss/∂θ per element: ``(loss(θ + hₑ) − loss(θ − hₑ)) / 2hₑ`` with
    ``hₑ = h·max(1, |θₑ|)``; ``loss_of`` maps an array shaped like θ to a float."""
    theta = np.array(theta, dtype=np.float64)
    out = np.empty_like(theta)
    for idx in np.ndindex(*theta.shape):
        old = theta[idx]
        step_ = h * max(1.0, abs(old))
        theta[idx] = old + step_
        up = loss_of(theta)
        theta[idx] = old - step_
        down = loss_of(theta)
        theta[idx] = old
        out[idx] = (up - down) / (2 * step_)
    return out


def gradient_check(r: Run, h: float = H, deltas: bool = False,
                   names: Iterable[str] | None = None) -> dict[str, GradientCheck]:
    """Every parameter gradient of ``r`` (and with ``deltas`` every ``L{i}.dx``) against central
    differences of the loss through the whole chain, computed by the engine's forward pass;
    ``names`` (e.g. ``["L1.df"]``) checks only those. A kink within h of a value (ReLU at 0, a
    tie in max pooling) makes the two differ: that is what the check is for, not an error of the
    backward pass. Costs two forward passes (from the layer concerned) per element."""
    net = r.network
    every = list(r.grads) + [f"L{i}.dx" for i in range(1, len(net.layers) + 1)]
    wanted = set(every if names is None else names)
    unknown = sorted(wanted - set(every))
    if unknown:
        raise ValueError(f"names: no gradient {unknown[0]!r}; the gradients are "
                         f"{', '.join(every)}")
    if names is None and not deltas:
        wanted -= {f"L{i}.dx" for i in range(1, len(net.layers) + 1)}
    out: dict[str, GradientCheck] = {}
    for i, layer in enumerate(net.layers, 1):
        x_in = r.input_of(i)
        if f"L{i}.dx" in wanted:
            numeric = central_differences(lambda x, i=i: _forward_loss(net, i, x), x_in, h)
            out[f"L{i}.dx"] = _compare(f"L{i}.dx", r.deltas[i - 1], numeric)
        for k, v in layer.params.items():
            def loss_of(theta, i=i, k=k, layer=layer, x_in=x_in):
                layers = list(net.layers)
                layers[i - 1] = replace(layer, params={**layer.params, k: theta})
                return _forward_loss(net, i, x_in, layers)
            name = f"L{i}.{GRAD[k]}"
            if name not in wanted:
                continue
            out[name] = _compare(name, r.grads[name], central_differences(loss_of, v, h))
    return out


def _compare(name: str, analytic: np.ndarray, numeric: np.ndarray) -> GradientCheck:
    err = np.abs(analytic - numeric)
    ok = bool((err <= CHECK_ATOL + CHECK_RTOL * np.abs(numeric)).all())
    return GradientCheck(name, analytic, numeric, float(err.max()), ok)
