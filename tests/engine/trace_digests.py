"""Digests of every trace the engine builds, kept in ``trace_digests.json``: the refactoring net.

Invariant: for the inputs of :func:`cases` (every example, and seeded random inputs for every
kind: several shapes, stride > 1, padding, overlapping pooling windows, ties in max pooling, a
batch, LSTM T = 1 and T = 5, autodiff constants, repeated sub-expressions and every function,
traces coarsened past ``MAX_STEPS``, and two precisions), the engine builds traces whose every
part is unchanged: each step's fields (class, phase, title, formula, substituted, result, reads,
writes, values, note, result_text, digits, ``text`` and sheet_note; the autodiff steps' edge ids
apart), the trace's note, phases, settings and element names, and each tensor's dtype, shape
and bytes.
``tests/engine/test_trace_digests.py`` compares; a failure names the trace and the first step
(or tensor) that differs.

Regenerate only for a change to the traces that the commit explains (say which traces changed
and why)::

    .venv/bin/python -m tests.engine.trace_digests --update

The random inputs of the linear layers (fully connected, Conv2D, pooling) are multiples of 1/16,
so their sums and products are exact in float64 whatever order a BLAS adds them in. The LSTM and
autodiff traces go through exp, tanh, cos …, whose last bit may differ on another CPU or libm: their
digests are this machine's.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from engine import examples
from engine.steps import Step, Trace, significant_digits

PATH = Path(__file__).with_name("trace_digests.json")
#: hex characters kept of each step's digest (they locate a change; the trace's full digest
#: catches it)
STEP_HEX = 6


# ---------------------------------------------------------------------------------------------
# What is hashed


def step_record(s: Step) -> str:
    """Every field of a step, and its text, as one string (the sheet note only where there is
    one, so that adding the field left the digests of the steps without one unchanged)."""
    fields = (type(s).__name__, s.phase, s.title, s.formula, s.substituted, repr(s.result),
              repr(s.reads), repr(s.writes), repr(s.values), s.note, repr(s.result_text),
              repr(s.digits), s.text) + ((s.sheet_note,) if s.sheet_note else ())
    return "\x1f".join(fields)


def _sha(data: bytes | str) -> str:
    return hashlib.sha256(data.encode("utf-8") if isinstance(data, str) else data).hexdigest()


def tensor_digest(arr: np.ndarray) -> str:
    arr = np.asarray(arr)
    head = f"{arr.dtype.str}{arr.shape}".encode()
    return _sha(head + np.ascontiguousarray(arr).tobytes())[:16]


def digest(trace: Trace) -> dict[str, Any]:
    """``{"steps": concatenated short step digests, "note", "phases", "tensors": {name: digest},
    "trace": the digest of all of it}``, and ``"edges"`` (the steps' edge ids) where any step
    names graph edges."""
    records = [step_record(s).encode("utf-8") for s in trace.steps]
    steps = "".join(_sha(r)[:STEP_HEX] for r in records)
    full = hashlib.sha256(b"\x1e".join(records) + b"\x1d")
    tensors = {name: tensor_digest(arr) for name, arr in sorted(trace.tensors.items())}
    full.update(trace.note.encode("utf-8") + repr(sorted(trace.phases.items())).encode())
    full.update(repr(sorted(tensors.items())).encode())
    out = {"trace": full.hexdigest(), "n_steps": len(trace.steps), "note": _sha(trace.note)[:16],
           "phases": dict(sorted(trace.phases.items())), "tensors": tensors, "steps": steps}
    edges = [s.edges for s in trace.steps]
    if any(edges):  # autodiff: the graph edges each step concerns
        out["edges"] = _sha(repr(edges))[:16]
    if trace.settings or trace.names:  # what the tensors CSV writes besides the tensors
        out["settings"] = _sha(repr(list(trace.settings.items()))
                               + repr(sorted(trace.names.items())))[:16]
    return out


# ---------------------------------------------------------------------------------------------
# The inputs


def _dyadic(rng: np.random.Generator, shape, low: int = -32, high: int = 32) -> np.ndarray:
    """Multiples of 1/16 in [low/16, high/16]: every sum and product of a few is exact."""
    return rng.integers(low, high + 1, size=shape) / 16.0


def _fc(seed: int, batch: int | None, n_in: int, n_out: int) -> dict:
    rng = np.random.default_rng(seed)
    x_shape = (n_in,) if batch is None else (batch, n_in)
    y_shape = (n_out,) if batch is None else (batch, n_out)
    return {"x": _dyadic(rng, x_shape), "w": _dyadic(rng, (n_in, n_out)),
            "b": _dyadic(rng, n_out), "dy": _dyadic(rng, y_shape)}


def _conv(seed: int, x_shape, f_shape, stride, padding, backward: bool = True,
          bias: bool = True) -> dict:
    from engine import conv2d

    rng = np.random.default_rng(seed)
    inp: dict[str, Any] = {"x": _dyadic(rng, x_shape), "f": _dyadic(rng, f_shape),
                           "stride": stride, "padding": padding}
    if bias:
        inp["b"] = _dyadic(rng, f_shape[3])
    if backward:
        inp["dy"] = _dyadic(rng, conv2d.output_shape(x_shape, f_shape, stride, padding))
    return inp


def _pool(seed: int, x_shape, size, stride, ties: bool = False) -> dict:
    from engine import pooling

    rng = np.random.default_rng(seed)
    x = rng.integers(0, 3, size=x_shape).astype(float) if ties else _dyadic(rng, x_shape)
    g = pooling.window(x_shape, size, stride)
    return {"x": x, "size": size, "stride": stride,
            "dy": _dyadic(rng, (g.o_rows, g.o_cols, x_shape[2]))}


def _lstm(seed: int, T: int, n_in: int, n_h: int, c0: bool = True) -> dict:
    from engine.lstm import PARAM_KEYS

    rng = np.random.default_rng(seed)
    params = {}
    for key in PARAM_KEYS:
        shape = ((n_h,) if key.startswith("b_") else (n_h, n_h) if key in ("W_fc", "W_ic", "W_oc")
                 else (n_in, n_h))
        params[key] = _dyadic(rng, shape, -12, 12)
    return {"xs": _dyadic(rng, (T, n_in)), "params": params,
            "c0": _dyadic(rng, n_h) if c0 else None, "dh": _dyadic(rng, (T, n_h))}


def _autodiff(expression: str, seed: int = 0, low: float = 0.2, high: float = 1.5) -> dict:
    from engine import autodiff

    rng = np.random.default_rng(seed)
    names = autodiff.parse(expression).variables
    return {"expression": expression,
            "values": {n: float(v) for n, v in zip(names, rng.uniform(low, high, len(names)),
                                                   strict=True)}}


#: Every function of the autodiff grammar, each once, on positive arguments.
ALL_FUNCTIONS = ("sin(x1) + cos(x2) * tan(x1 / 4) - exp(x2 / 3) / log(x1 + 2) + sqrt(x2) "
                 "+ tanh(x1*x2) + sigmoid(x1 - x2) + relu(x2 - 0.1) + abs(x1 - 3) + -x2 "
                 "+ x1 ** 2 + x2 ** x1 + pi * e")


def cases() -> Iterator[tuple[str, str, Callable[[], dict], int | None]]:
    """``(name, kind, inputs, significant digits or None for the default)``."""
    for ex in examples.available():
        yield f"example/{ex.name}", ex.kind, (lambda ex=ex: ex.inputs), None
    yield "example/fc@2", "fully_connected", lambda: examples.load("fc").inputs, 2
    yield "example/lstm@8", "lstm", lambda: examples.load("lstm").inputs, 8
    yield "example/conv@6", "conv2d", lambda: examples.load("conv").inputs, 6

    fc = "fully_connected"
    yield "fc/row", fc, lambda: _fc(1, None, 3, 2), None
    yield "fc/batch", fc, lambda: _fc(2, 4, 3, 5), None
    yield "fc/1x1", fc, lambda: _fc(3, None, 1, 1), None
    yield "fc/coarse-rows", fc, lambda: _fc(4, 40, 20, 20), None
    yield "fc/coarse-blocks", fc, lambda: _fc(5, 1200, 2, 2), None
    yield "fc/coarse-row", fc, lambda: _fc(6, None, 60, 40), None
    yield "fc/batch@6", fc, lambda: _fc(7, 3, 2, 2), 6

    cv = "conv2d"
    yield "conv/plain", cv, lambda: _conv(10, (4, 4, 1), (2, 2, 1, 1), 1, 0), None
    yield "conv/stride2-pad1-channels", cv, lambda: _conv(11, (5, 5, 2), (3, 3, 2, 3), 2, 1), None
    yield "conv/leftovers", cv, lambda: _conv(12, (6, 5, 1), (2, 3, 1, 2), (2, 3), 0), None
    yield "conv/pairs", cv, lambda: _conv(13, (5, 6, 2), (3, 2, 2, 1), (1, 2), (2, 1)), None
    yield "conv/forward-only", cv, lambda: _conv(14, (4, 4, 2), (3, 3, 2, 2), 1, 1,
                                                 backward=False), None
    yield "conv/no-bias", cv, lambda: _conv(15, (3, 3, 1), (2, 2, 1, 2), 1, 0, bias=False), None
    yield "conv/coarse-rows", cv, lambda: _conv(16, (18, 18, 3), (3, 3, 3, 4), 1, 1), None
    yield "conv/coarse-rows-pad", cv, lambda: _conv(17, (40, 40, 2), (3, 3, 2, 2), 2, 1), None
    yield "conv/coarse-tensor", cv, lambda: _conv(19, (1100, 3, 1), (2, 2, 1, 1), 1, 0), None
    yield "conv/wide-window", cv, lambda: _conv(18, (4, 4, 4), (3, 3, 4, 1), 1, 1), None

    yield "conv-shape/leftovers", "conv2d_shape", lambda: {
        "x_shape": (7, 6, 3), "f_shape": (3, 2, 3, 8), "stride": (2, 3), "padding": (1, 0)}, None
    yield "conv-shape/large", "conv2d_shape", lambda: {
        "x_shape": (100_000, 224, 3), "f_shape": (5, 5, 3, 64), "stride": 2,
        "padding": 2}, None
    cf = "conv2d_filter"
    yield "conv-filter/3x2", cf, lambda: {"f": _dyadic(np.random.default_rng(20),
                                                       (3, 2, 2, 3))}, None
    yield "conv-filter/per-filter", cf, lambda: {"f": _dyadic(np.random.default_rng(21),
                                                              (2, 2, 40, 30))}, None
    yield "conv-filter/two-steps", cf, lambda: {"f": _dyadic(np.random.default_rng(22),
                                                             (1, 2, 2, 1001))}, None

    for kind in ("avgpool", "maxpool"):
        p = kind[:3]
        yield f"{p}/tiles", kind, lambda: _pool(30, (4, 4, 1), 2, 2), None
        yield f"{p}/overlap", kind, lambda: _pool(31, (5, 5, 2), 3, 1), None
        yield f"{p}/stride-gt-size", kind, lambda: _pool(32, (7, 6, 1), 2, 3), None
        yield f"{p}/pairs", kind, lambda: _pool(33, (6, 7, 2), (2, 3), (1, 2)), None
        yield f"{p}/ties", kind, lambda: _pool(34, (6, 6, 2), 2, 1, ties=True), None
        yield f"{p}/odd-k", kind, lambda: _pool(35, (6, 6, 1), 3, 2), None
        yield f"{p}/coarse-row-channel", kind, lambda: _pool(36, (30, 30, 3), 2, 1), None
        yield f"{p}/coarse-row", kind, lambda: _pool(37, (3, 2, 1000), 2, 1), None
        yield f"{p}/coarse-channel", kind, lambda: _pool(38, (1001, 2, 2), 2, 1), None
        yield f"{p}/coarse-ties", kind, lambda: _pool(39, (40, 40, 2), 2, 1, ties=True), None

    ls = "lstm"
    yield "lstm/T1", ls, lambda: _lstm(40, 1, 2, 2), None
    yield "lstm/T5", ls, lambda: _lstm(41, 5, 3, 2), None
    yield "lstm/T5-no-c0", ls, lambda: _lstm(42, 5, 1, 3, c0=False), None
    yield "lstm/wide", ls, lambda: _lstm(43, 3, 2, 6), None
    yield "lstm/unit-element", ls, lambda: _lstm(44, 4, 6, 8), None
    yield "lstm/unit-row", ls, lambda: _lstm(45, 12, 6, 8), None
    yield "lstm/vector-element", ls, lambda: _lstm(51, 30, 6, 8), None
    yield "lstm/vector-row", ls, lambda: _lstm(46, 20, 8, 18), None
    yield "lstm/vector-tensor", ls, lambda: _lstm(47, 85, 8, 5), None
    yield "lstm/grouped", ls, lambda: _lstm(48, 90, 2, 2), None
    yield "lstm/block1", ls, lambda: _lstm(50, 200, 2, 3), None
    yield "lstm/block", ls, lambda: _lstm(49, 1000, 1, 1), None

    ad = "autodiff"
    yield "autodiff/sheet", ad, lambda: _autodiff("cos(x1*x2) + x1*x2 + x1", 60), None
    yield "autodiff/constants", ad, lambda: _autodiff("cos(x1*x2) + 2*x1", 61), None
    yield "autodiff/constant-only-branch", ad, lambda: _autodiff(
        "x1 * (2 + 3) + exp(1) * x2 - 4 / 2 + -2", 62), None
    yield "autodiff/repeated", ad, lambda: _autodiff(
        "x1*x2 + sin(x1*x2) * (x1*x2) - x2*x1 + x1*x1", 63), None
    yield "autodiff/functions", ad, lambda: _autodiff(ALL_FUNCTIONS, 64), None
    yield "autodiff/functions-negative", ad, lambda: _autodiff(
        "relu(x1) + abs(x2) + sigmoid(x1) + x1**3 + x2**2", 65, -1.5, -0.2), None
    yield "autodiff/nested-sums", ad, lambda: _autodiff(
        "x1 - (x2 + x3) + (x1 - x3) * x2 / x3 - x1 ** x2", 66), None
    yield "autodiff/sheet-signs", ad, lambda: _autodiff("x1·x2 − cos(x1) × 2", 67), None
    yield "autodiff/one-variable", ad, lambda: _autodiff("x", 68), None
    yield "autodiff/constant", ad, lambda: {"expression": "2 + 3", "values": {}}, None
    yield "autodiff/coarse", ad, lambda: _autodiff(
        " + ".join(f"sin(x{k % 7} * {k + 1}) * x{(k + 3) % 7}" for k in range(250)), 69), None
    yield "autodiff/coarse-blocks", ad, lambda: _autodiff(
        " + ".join(f"cos(x{k % 30} * {k + 1}) * x{(k * 7) % 30}" for k in range(700)), 70), None
    yield "autodiff/functions@8", ad, lambda: _autodiff(ALL_FUNCTIONS, 64), 8


def build(name: str, kind: str, inputs: Callable[[], dict], digits: int | None) -> Trace:
    if digits is None:
        return examples.solve(kind, inputs())
    with significant_digits(digits):
        return examples.solve(kind, inputs())


def compute() -> dict[str, dict[str, Any]]:
    return {name: digest(build(name, kind, inputs, digits))
            for name, kind, inputs, digits in cases()}


def stored() -> dict[str, dict[str, Any]]:
    return json.loads(PATH.read_text(encoding="utf-8"))


def first_difference(name: str, want: dict[str, Any], got: dict[str, Any],
                     trace: Trace | None = None) -> str | None:
    """What first differs between two digests of the trace ``name`` (None: nothing)."""
    if want.get("edges") != got.get("edges"):
        return f"{name}: the steps' edge ids differ"
    if want.get("settings") != got.get("settings"):
        return f"{name}: the trace's settings or element names differ"
    if want["trace"] == got["trace"]:
        return None
    w, g = want["steps"], got["steps"]
    n = min(len(w), len(g)) // STEP_HEX
    for k in range(n):
        a, b = w[k * STEP_HEX:(k + 1) * STEP_HEX], g[k * STEP_HEX:(k + 1) * STEP_HEX]
        if a != b:
            now = f": now {trace.steps[k].text!r}" if trace is not None else ""
            return f"{name}: step {k} first differs{now}"
    if want["n_steps"] != got["n_steps"]:
        return f"{name}: {want['n_steps']} steps stored, {got['n_steps']} now"
    if want["note"] != got["note"]:
        now = f": now {trace.note!r}" if trace is not None else ""
        return f"{name}: the trace's note differs{now}"
    if want["phases"] != got["phases"]:
        return f"{name}: phases {want['phases']} stored, {got['phases']} now"
    for tensor in sorted(set(want["tensors"]) | set(got["tensors"])):
        if want["tensors"].get(tensor) != got["tensors"].get(tensor):
            return f"{name}: tensor {tensor!r} differs (dtype, shape or bytes, or missing)"
    return f"{name}: the digests differ"  # pragma: no cover - every part is compared above


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--update", action="store_true",
                        help="rewrite trace_digests.json from the engine as it is now")
    args = parser.parse_args(argv)
    now = compute()
    if args.update:
        PATH.write_text(json.dumps(now, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"wrote {len(now)} trace digests to {PATH}")
        return 0
    old = stored()
    problems = [first_difference(n, old[n], now[n]) for n in now if n in old]
    problems += [f"{n}: not stored" for n in now if n not in old]
    problems += [f"{n}: stored, no longer built" for n in old if n not in now]
    problems = [p for p in problems if p]
    print("\n".join(problems) if problems else f"all {len(now)} trace digests match")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
