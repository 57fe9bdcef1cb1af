r"""Losses at the end of a network: mean squared error, and softmax + cross-entropy.

Invariants:

- ``kind`` is one of :data:`KINDS`. ``y`` is the last layer's output; the loss is a float and
  :func:`backward` returns ``δy = ∂L/∂y`` with ``y``'s shape — the δ handed to the last layer.
- ``mse``: ``target`` has ``y``'s shape (any layout). ``softmax_cross_entropy``: ``y`` is a
  vector of scores (n,), one per class, and ``target`` the right class's index, 0 … n − 1.
- :func:`solve`'s steps are built from the vectorised tensors: replaying their writes gives
  exactly :func:`forward`'s loss and :func:`backward`'s δy.

Mean squared error (the mean over all n elements of y)::

    L = (1/n) Σᵢ (yᵢ − tᵢ)²              δyᵢ = 2(yᵢ − tᵢ) / n

Softmax + cross-entropy, for the target class t::

    pₖ = e^yₖ / Σⱼ e^yⱼ                  L = −log p_t
    δyₖ = pₖ − [k = t]                   (softmax(y) − onehot(t))

``p`` is computed as ``e^(y − max y)`` over its sum, and ``L`` as ``log Σⱼ e^(yⱼ − m) − (y_t − m)``
with ``m = max y``: the same numbers, without overflow, and finite even where ``p_t`` underflows.
"""

from __future__ import annotations

import numpy as np

from engine.steps import MAX_STEPS, Step, Trace, fmt, fmt_paren, indices, label, step, sum_text
from engine.steps import sub as _s
from engine.validate import as_array, as_int, check_shape

#: The losses, in the order a menu lists them.
KINDS = ("mse", "softmax_cross_entropy")

_LAYOUT = "(n,), (rows, cols) or (rows, cols, channels)"


def _kind(kind) -> str:
    if kind not in KINDS:
        raise ValueError(f"type: unknown loss {kind!r}; known: {', '.join(KINDS)}")
    return kind


def _inputs(kind, y, target) -> tuple[str, np.ndarray, np.ndarray | int]:
    kind = _kind(kind)
    if kind == "mse":
        y = as_array(y, "y", (1, 2, 3), _LAYOUT)
        target = as_array(target, "target", y.ndim, "(the shape of y)")
        check_shape(target, "target", y.shape, "(the shape of y)")
        return kind, y, target
    y = as_array(y, "y", 1, "(n,), one score per class")
    t = as_int(target, "target", 0)
    if t >= y.size:
        raise ValueError(f"target: expected a class index from 0 to {y.size - 1} (y has "
                         f"{y.size} classes), got {t}")
    return kind, y, t


def softmax(y) -> np.ndarray:
    """``p = e^y / Σ e^y`` of a vector of scores (each in (0, 1], summing to 1)."""
    y = as_array(y, "y", 1, "(n,), one score per class")
    return _softmax(y)


def _softmax(y: np.ndarray) -> np.ndarray:
    e = np.exp(y - y.max())
    return e / e.sum()


def _forward(kind: str, y: np.ndarray, target) -> float:
    if kind == "mse":
        return float(np.mean((y - target) ** 2))
    z = y - y.max()
    return float(np.log(np.exp(z).sum()) - z[target])


def _backward(kind: str, y: np.ndarray, target) -> np.ndarray:
    if kind == "mse":
        return 2.0 * (y - target) / y.size
    dy = _softmax(y)
    dy[target] -= 1.0
    return dy


def forward(kind, y, target) -> float:
    """The loss ``L`` of ``y`` against ``target``."""
    kind, y, target = _inputs(kind, y, target)
    return _forward(kind, y, target)


def backward(kind, y, target) -> np.ndarray:
    """``δy = ∂L/∂y``: ``2(y − t)/n`` (mse) or ``softmax(y) − onehot(t)``."""
    kind, y, target = _inputs(kind, y, target)
    return _backward(kind, y, target)


def solve(kind, y, target) -> Trace:
    """The loss and its δy step by step. Tensors: ``y``, ``t`` (mse: the target; softmax +
    cross-entropy: the one-hot vector of the target class), ``p`` (softmax only), ``loss``
    (0-d) and ``dy``. One step per element of ``p`` and of ``δy``; past
    :data:`~engine.steps.MAX_STEPS` steps each of them is one step for the whole vector."""
    kind, y, target = _inputs(kind, y, target)
    loss, dy = _forward(kind, y, target), _backward(kind, y, target)
    if kind == "mse":
        return _mse_trace(y, target, loss, dy)
    return _cross_entropy_trace(y, target, loss, dy)


def _mse_trace(y, t, loss, dy) -> Trace:
    n = y.size
    idx = list(indices(y.shape))
    terms = [f"({fmt(y[i])} − {fmt_paren(t[i])})²" for i in idx]
    steps = [step("forward", "L", f"L = (1/n) Σᵢ (yᵢ − tᵢ)², n = {n}",
                  f"({sum_text(terms)}) / {n}",
                  [("y", i) for i in idx] + [("t", i) for i in idx], [("loss", ())], [loss])]
    if 1 + n > MAX_STEPS:
        steps.append(step("backward", "δy", "δy = 2(y − t) / n", "", [("y", i) for i in idx]
                          + [("t", i) for i in idx], [("dy", i) for i in idx], dy.ravel(),
                          note="coarsened: one step for the whole tensor"))
    else:
        for i in idx:
            name = label("δy", i)
            steps.append(step("backward", name,
                              f"{name} = 2({label('y', i)} − {label('t', i)}) / n",
                              f"2·({fmt(y[i])} − {fmt_paren(t[i])}) / {n}",
                              [("y", i), ("t", i)], [("dy", i)], [dy[i]]))
    note = "" if 1 + n <= MAX_STEPS else \
        f"{1 + n:,} steps would be too many to step through; δy coarsened to one step"
    return Trace(steps, {"y": y, "t": t, "loss": np.array(loss), "dy": dy}, note)


def _cross_entropy_trace(y, target: int, loss, dy) -> Trace:
    n = y.size
    p = _softmax(y)
    onehot = np.zeros(n)
    onehot[target] = 1.0
    every_y = [("y", (j,)) for j in range(n)]
    coarse = 2 * n + 1 > MAX_STEPS
    steps: list[Step] = []
    if coarse:
        steps.append(step("forward", "p", "p = softmax(y) = e^y / Σⱼ e^yⱼ", "", every_y,
                          [("p", (k,)) for k in range(n)], p,
                          note="coarsened: one step for the whole vector"))
    else:
        total = sum_text([f"e^{fmt_paren(v)}" for v in y])
        for k in range(n):
            steps.append(step("forward", f"p{_s(k)}", f"p{_s(k)} = e^y{_s(k)} / Σⱼ e^yⱼ",
                              f"e^{fmt_paren(y[k])} / ({total})", every_y, [("p", (k,))], [p[k]]))
    ts = _s(target)
    steps.append(step("forward", "L", f"L = −log p_t = −log p{ts} (target class t = {target})",
                      f"−log({fmt(p[target])})", [("p", (target,))], [("loss", ())], [loss]))
    if coarse:
        steps.append(step("backward", "δy", "δy = p − onehot(t)", "",
                          [("p", (k,)) for k in range(n)], [("dy", (k,)) for k in range(n)], dy,
                          note="coarsened: one step for the whole vector"))
    else:
        for k in range(n):
            hit = int(k == target)
            steps.append(step("backward", f"δy{_s(k)}", f"δy{_s(k)} = p{_s(k)} − [{k} = t]",
                              f"{fmt(p[k])} − {hit}", [("p", (k,))], [("dy", (k,))], [dy[k]]))
    note = "" if not coarse else \
        (f"{2 * n + 1:,} steps would be too many to step through; p and δy coarsened to one "
         "step each")
    return Trace(steps, {"y": y, "t": onehot, "p": p, "loss": np.array(loss), "dy": dy}, note)
