"""Exercises: an example's task on its own numbers or on fresh ones drawn from a seed.

Invariants:

* An :class:`Exercise` is immutable: ``name`` (an example name, :data:`engine.examples.NAMES`),
  ``kind`` (the engine function that solves it), ``seed`` (``None`` for the example's own numbers
  or numbers the student typed) and ``inputs`` (that function's keyword arguments). Its solution
  (``trace``), the tensors it asks for (``asked``) and its mistakes simulated on its inputs
  (``simulations``) are computed on first use and kept: check answers against one Exercise object
  as often as you like, the solve and the simulations are paid once. (Use one Exercise from
  one thread at a time: the first use fills its cache.)
* ``exercise(name, seed)`` is a pure function of ``(name, seed)``: the numbers come from
  ``numpy.random.default_rng(seed)`` alone (no global state), so the same seed gives the same
  exercise on every machine. Fresh inputs have the example's sizes, are small integers or halves
  (tenths for the LSTM, whose example uses tenths), are never degenerate (δy not all zero, ties in
  max pooling only as many as the example has, every value finite, autodiff inside every
  function's domain), and every mistake of the catalogue that applies to the exercise is
  *distinguishable* on it (its simulated answer differs from the right one beyond the tolerance):
  a draw that fails is drawn again from the same generator.
* What an exercise asks for (:data:`ASKED`) is named and indexed as ``export`` writes it
  (``engine/export.py``): ``dw`` with index ``(j, k)`` is ΔW[j, k].
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np

from engine import examples
from engine.steps import Trace, significant_digits

if TYPE_CHECKING:
    from engine.practice.mistakes import Simulation

#: Most draws from one generator before giving up (a usable draw comes within a few).
MAX_DRAWS = 200
#: Seeds a student can type: 0 … MAX_SEED.
MAX_SEED = 2**63 - 1

#: What each kind of exercise asks for: (tensor name as exported, symbol, required). Tensors not
#: marked required are optional answers (checked and diagnosed when given). The order of
#: ``Exercise.asked`` is the order of the steps that compute them.
ASKED: dict[str, tuple[tuple[str, str, bool], ...]] = {
    "fully_connected": (("y", "y", True), ("dx", "δx", True), ("dw", "ΔW", True),
                        ("db", "Δb", True)),
    "conv2d_filter": (("f_back", "f_back", True),),
    "conv2d_shape": (("output_shape", "output shape", True),),
    "conv2d": (("y", "y", True), ("f_back", "f_back", False), ("dx", "δx", True),
               ("df", "ΔF", True), ("db", "Δb", True)),
    "avgpool": (("y", "y", True), ("dx", "δx", True)),
    "maxpool": (("y", "y", True), ("dx", "δx", True)),
    "lstm": (("dc", "δc", True), ("dx", "δx", False))
    + tuple((f"d{key}", f"Δ{key}", False) for key in
            ("W_f", "W_fc", "b_f", "W_i", "W_ic", "b_i", "W_o", "W_oc", "b_o", "W_c", "b_c")),
    "autodiff": (("value", "v", True), ("adjoint", "v̄", True), ("gradient", "∇L", True)),
}


@dataclass(frozen=True)
class Asked:
    """One result tensor an exercise asks for."""

    name: str                   # as ``export`` writes it: "dw"
    symbol: str                 # as the sheet writes it: "ΔW"
    shape: tuple[int, ...]
    required: bool
    #: other shapes an answer may have and still count as answered (and be diagnosed): the
    #: transposed shape and the shapes that recognised mistakes give (δyᵀ·x is n_out × n_in)
    other_shapes: tuple[tuple[int, ...], ...] = ()


@dataclass(frozen=True, eq=False)
class Exercise:
    """An example's task on particular numbers. Build one with :func:`exercise` or
    :func:`from_inputs`."""

    name: str
    kind: str
    inputs: dict[str, Any]
    seed: int | None = None
    origin: str = "example"     # "example" | "seed" | "own numbers"
    _cache: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def title(self) -> str:
        """``"Exercise fc · #4711"``; ``"Exercise fc · example"`` for the example's numbers."""
        where = f"#{self.seed}" if self.seed is not None else self.origin
        return f"Exercise {self.name} · {where}"

    def solve(self, digits: int | None = None) -> Trace:
        """The worked solution (a new trace), its numbers written with ``digits`` significant
        digits (default: those in force)."""
        if digits is None:
            return examples.solve(self.kind, self.inputs)
        with significant_digits(digits):
            return examples.solve(self.kind, self.inputs)

    @cached_property
    def trace(self) -> Trace:
        """The worked solution, built once (numbers written with the digits in force then; the
        steps' order and writes, which checking uses, do not depend on the digits)."""
        return self.solve()

    @cached_property
    def asked(self) -> tuple[Asked, ...]:
        """The result tensors asked for, in the order of the steps that compute them."""
        first = _first_steps(self.trace)
        out = []
        for name, symbol, required in ASKED[self.kind]:
            if name not in self.trace.tensors:    # e.g. a conv without δy: no backward pass
                continue
            shape = np.shape(self.trace.tensors[name])
            others = _transposed_shapes(shape)
            for sim in self.simulations:
                sim_shape = np.shape(sim.tensors.get(name, np.empty(shape)))
                if sim_shape != shape and sim_shape not in others:
                    others.append(sim_shape)
            out.append(Asked(name, symbol, shape, required, tuple(others)))
        return tuple(sorted(out, key=lambda a: first[a.name]))

    def asked_tensor(self, name: str) -> Asked:
        """The :class:`Asked` called ``name``; a ValueError listing them for any other."""
        for a in self.asked:
            if a.name == name:
                return a
        raise ValueError(f"{name}: not asked by {self.name}; its answers are "
                         f"{', '.join(a.name for a in self.asked)}")

    def expected(self, name: str) -> np.ndarray:
        """The right value of the asked tensor ``name``."""
        return np.asarray(self.trace.tensors[self.asked_tensor(name).name], dtype=np.float64)

    def cell_steps(self, name: str) -> np.ndarray:
        """Per cell of the asked tensor ``name``, the 1-based number of the step that gives it its
        final value (the last step writing it: with ``+=`` earlier steps hold partial sums)."""
        return self._order(name)[0]

    def cell_order(self, name: str) -> np.ndarray:
        """Per cell of ``name``, its position in step order across all asked tensors (the step
        that finishes it, then its place among that step's writes): the smallest wrong one is
        "the first wrong cell"."""
        return self._order(name)[1]

    def _order(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        key = ("order", name)
        if key not in self._cache:
            shape = self.asked_tensor(name).shape
            steps = np.zeros(shape, dtype=np.int64)
            order = np.full(shape, np.iinfo(np.int64).max, dtype=np.int64)
            position = 0
            for number, s in enumerate(self.trace.steps, 1):
                for ref_name, idx in s.writes:
                    position += 1
                    if ref_name == name:
                        steps[idx] = number
                        order[idx] = position
            self._cache[key] = (steps, order)
        return self._cache[key]

    def node_definition(self, i: int) -> str:
        """Autodiff: how node ``v{i}`` is defined, as the worked solution writes it
        (``"v2 = v0 · v1"``, ``"v0 = x1"``)."""
        for s in self.trace.steps:
            if s.phase == "forward" and ("value", (i,)) in s.writes:
                return s.formula
        raise ValueError(f"node: v{i} is not a node of {self.title}")

    @cached_property
    def simulations(self) -> tuple[Simulation, ...]:
        """Every mistake of the catalogue that applies here, simulated whole on these inputs
        (:func:`engine.practice.mistakes.simulate`)."""
        from engine.practice.mistakes import simulate
        return tuple(simulate(self))


def dims(shape) -> str:
    """A shape as the messages and the sheet write it: ``2×3``."""
    return "×".join(str(int(s)) for s in shape)


def _first_steps(trace: Trace) -> dict[str, int]:
    first: dict[str, int] = {}
    for number, s in enumerate(trace.steps):
        for name, _ in s.writes:
            first.setdefault(name, number)
    return first


def _transposed_shapes(shape: tuple[int, ...]) -> list[tuple[int, ...]]:
    """A matrix's transposed shape; a filter bank's with its last two axes (channels and
    filters) swapped."""
    if len(shape) in (2, 4) and shape[-1] != shape[-2]:
        return [shape[:-2] + (shape[-1], shape[-2])]
    return []


# ---------------------------------------------------------------------------------------------
# Building exercises


def exercise(name: str, seed: int | None = None) -> Exercise:
    """Example ``name`` on its own numbers (``seed=None``) or on fresh numbers drawn from
    ``numpy.random.default_rng(seed)``. A bad name or seed raises ``ValueError``."""
    ex = examples.load(name)
    if seed is None:
        return Exercise(name, ex.kind, dict(ex.inputs))
    seed = check_seed(seed)
    rng = np.random.default_rng(seed)
    draw = _DRAWS[ex.kind]
    for _ in range(MAX_DRAWS):
        inputs = draw(rng, ex.inputs)
        if inputs is None:      # degenerate: draw again
            continue
        candidate = Exercise(name, ex.kind, inputs, seed, "seed")
        if usable(candidate):
            return candidate
    raise ValueError(f"seed: no usable exercise {name} from seed {seed} in {MAX_DRAWS} draws")


def from_inputs(name: str, inputs: dict[str, Any]) -> Exercise:
    """Example ``name``'s task on numbers typed by the student (``inputs`` as the example file
    holds them). Bad inputs raise the engine's ``ValueError`` on first use of the solution."""
    ex = examples.load(name)
    return Exercise(name, ex.kind, dict(inputs), None, "own numbers")


def check_seed(seed: object) -> int:
    """``seed`` as an int from 0 to :data:`MAX_SEED`, or a ValueError saying so."""
    if isinstance(seed, str):
        text = seed.strip().lstrip("#")
        if not text.isdigit():
            raise ValueError(f"seed: expected a whole number from 0 to {MAX_SEED}, got {seed!r}")
        seed = int(text)
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) \
            or not 0 <= seed <= MAX_SEED:
        raise ValueError(f"seed: expected a whole number from 0 to {MAX_SEED}, got {seed!r}")
    return int(seed)


def new_seed() -> int:
    """A seed for "New exercise": four or five digits, from the operating system's entropy (a
    fresh generator, no global state)."""
    return int(np.random.default_rng().integers(1, 100_000))


def usable(ex: Exercise) -> bool:
    """A drawn exercise is usable when it solves, every asked value is finite, and every mistake
    that applies is distinguishable on it."""
    from engine.practice.mistakes import distinguishable
    try:
        tensors = ex.trace.tensors
        if not all(np.isfinite(tensors[a.name]).all() for a in ex.asked):
            return False
        return all(distinguishable(ex).values())
    except (ValueError, ArithmeticError):   # outside a domain, an overflow: draw again
        return False


# ---------------------------------------------------------------------------------------------
# Fresh numbers, one function per kind: (rng, the example's inputs) -> inputs of the same sizes,
# or None for a degenerate draw (the caller draws again from the same generator)


def _ints(rng: np.random.Generator, low: int, high: int, shape) -> np.ndarray:
    """Integers from ``low`` to ``high`` (both included)."""
    return rng.integers(low, high + 1, size=shape).astype(np.float64)


def _halves(rng: np.random.Generator, low: float, high: float, shape,
            nonzero: bool = False) -> np.ndarray:
    """Multiples of 0.5 from ``low`` to ``high``; with ``nonzero``, never 0."""
    values = np.arange(2 * low, 2 * high + 1) / 2
    if nonzero:
        values = values[values != 0]
    return rng.choice(values, size=shape)


def _tenths(rng: np.random.Generator, low: float, high: float, shape) -> np.ndarray:
    return rng.integers(round(10 * low), round(10 * high) + 1, size=shape) / 10


def _nonzero(arr: np.ndarray) -> bool:
    return bool(np.any(arr != 0))


def _shape(value) -> tuple[int, ...]:
    return np.shape(np.asarray(value, dtype=np.float64))


def _draw_fc(rng, example) -> dict | None:
    x = _ints(rng, -3, 3, _shape(example["x"]))
    w = _ints(rng, -3, 3, _shape(example["w"]))
    b = _ints(rng, -3, 3, _shape(example["b"]))
    dy = _halves(rng, -2, 2, _shape(example["dy"]))
    if not (_nonzero(x) and _nonzero(dy)):
        return None
    return {"x": x.tolist(), "w": w.tolist(), "b": b.tolist(), "dy": dy.tolist()}


def _draw_conv_filter(rng, example) -> dict:
    """Distinct whole numbers 1 … size, as on the sheet (so no swap or turn leaves it alone)."""
    shape = _shape(example["f"])
    f = rng.permutation(np.arange(1, int(np.prod(shape)) + 1)).reshape(shape)
    return {"f": f.astype(np.float64).tolist()}


def _draw_conv_shape(rng, example) -> dict:
    rows, cols = (int(v) for v in rng.integers(8, 33, size=2))
    c_in = int(rng.integers(1, 9))
    k_rows, k_cols = (int(v) for v in rng.integers(1, 6, size=2))
    c_out = int(rng.integers(2, 2049))
    return {"x_shape": [rows, cols, c_in], "f_shape": [k_rows, k_cols, c_in, c_out],
            "stride": int(rng.integers(2, 4)), "padding": int(rng.integers(1, 4))}


def _draw_conv(rng, example) -> dict:
    x = _ints(rng, -1, 3, _shape(example["x"]))
    f = _ints(rng, -2, 2, _shape(example["f"]))
    b = _ints(rng, -2, 2, _shape(example["b"]))
    dy = _halves(rng, -1, 1, _shape(example["dy"]))
    return {"x": x.tolist(), "f": f.tolist(), "b": b.tolist(), "dy": dy.tolist(),
            "stride": example["stride"], "padding": example["padding"]}


def _draw_avgpool(rng, example) -> dict:
    x = _ints(rng, 0, 9, _shape(example["x"]))
    dy = _halves(rng, -2, 2, _shape(example["dy"]), nonzero=True)
    return {"x": x.tolist(), "size": example["size"], "stride": example["stride"],
            "dy": dy.tolist()}


def _draw_maxpool(rng, example) -> dict | None:
    """Distinct values, then as many windows with a tied maximum as the example has: in each, a
    smaller element is raised to the maximum."""
    from engine import pooling
    shape = _shape(example["x"])
    size, stride = example["size"], example["stride"]
    x = rng.permutation(np.arange(int(np.prod(shape)))).reshape(shape).astype(np.float64)
    ties = _tie_windows(np.asarray(example["x"], dtype=np.float64), size, stride)
    windows = _windows(x.shape, size, stride)
    picks = rng.choice(len(windows), size=min(len(ties), len(windows)), replace=False)
    for w in picks:
        box = x[windows[w]].copy()
        flat = box.reshape(-1)          # a view of the copy
        top = flat.max()
        flat[rng.choice(np.flatnonzero(flat != top))] = top
        x[windows[w]] = box
    dy = _halves(rng, -2, 2, pooling.max_forward(x, size, stride).shape, nonzero=True)
    inputs = {"x": x.tolist(), "size": size, "stride": stride, "dy": dy.tolist()}
    if len(_tie_windows(x, size, stride)) != len(ties):
        return None     # a raised value tied another window too
    return inputs


def _windows(x_shape, size, stride) -> list[tuple[slice, slice, int]]:
    """Every pooling window (row slice, column slice, channel), in row-major order."""
    from engine import pooling
    g = pooling.window(x_shape, size, stride)
    return [(slice(r * g.s_rows, r * g.s_rows + g.k_rows),
             slice(c * g.s_cols, c * g.s_cols + g.k_cols), ch)
            for r in range(g.o_rows) for c in range(g.o_cols) for ch in range(x_shape[2])]


def _tie_windows(x: np.ndarray, size, stride) -> list[tuple[slice, slice, int]]:
    """The windows whose maximum appears more than once."""
    return [w for w in _windows(x.shape, size, stride)
            if np.count_nonzero(x[w] == x[w].max()) > 1]


def _draw_lstm(rng, example) -> dict | None:
    params = {}
    for key, value in example["params"].items():
        low, high = (-0.3, 0.3) if key.startswith("b_") else (-0.8, 0.8)
        params[key] = _tenths(rng, low, high, _shape(value)).tolist()
    xs = _tenths(rng, -1, 1, _shape(example["xs"]))
    dh = _tenths(rng, -0.5, 0.5, _shape(example["dh"]))
    if not _nonzero(dh):
        return None
    c0 = np.zeros(_shape(example["c0"])) if "c0" in example and example["c0"] is not None \
        else None
    return {"xs": xs.tolist(), "params": params,
            "c0": None if c0 is None else c0.tolist(), "dh": dh.tolist()}


#: Unary functions a fresh autodiff exercise may wrap around x1·x2; the last two only where
#: x1·x2 > 0 (their domain).
AUTODIFF_FUNCTIONS = ("cos", "sin", "exp", "tanh", "log", "sqrt")


def _draw_autodiff(rng, example) -> dict | None:
    """The sheet's shape of expression, F(x1·x2) ± x1·x2 ± x_k (a product used twice, an input
    used twice), with F and the signs drawn, at halves from −2 to 2 (never 0)."""
    func = str(rng.choice(AUTODIFF_FUNCTIONS))
    sign_a, sign_b = (str(s) for s in rng.choice(["+", "-"], size=2))
    last = str(rng.choice(["x1", "x2"]))
    x1, x2 = (float(v) for v in _halves(rng, -2, 2, 2, nonzero=True))
    if func in ("log", "sqrt") and x1 * x2 <= 0:
        return None
    return {"expression": f"{func}(x1*x2) {sign_a} x1*x2 {sign_b} {last}",
            "values": {"x1": x1, "x2": x2}}


_DRAWS = {
    "fully_connected": _draw_fc,
    "conv2d_filter": _draw_conv_filter,
    "conv2d_shape": _draw_conv_shape,
    "conv2d": _draw_conv,
    "avgpool": _draw_avgpool,
    "maxpool": _draw_maxpool,
    "lstm": _draw_lstm,
    "autodiff": _draw_autodiff,
}
