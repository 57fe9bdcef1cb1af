r"""Central differences: a gradient computed without any backward pass, to check one against.

For f: Rⁿ → R and each component k, with the step scaled to the size of x_k::

    h_k = h · max(1, |x_k|)
    ∂f/∂x_k ≈ (f(x + h_k·e_k) − f(x − h_k·e_k)) / (2·h_k)          error O(h_k²)

in float64 (h = 1e-6 by default: the truncation error ~h² and the rounding error ~ε/h balance
near there). ``f`` is any function, e.g. a whole chain of layers ending in a loss; it is only
called, never differentiated. :func:`central_differences` works on an array of any shape,
:func:`central_differences_by_name` on named scalars (an expression's variables), giving a
message for a variable where ``f`` is not defined at x ± h instead of a number.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np

#: The relative step: h_k = H · max(1, |x_k|).
H = 1e-6


def difference(f: Callable[[float], float], x: float, h: float = H) -> float:
    """(f(x + h_x) − f(x − h_x)) / 2h_x for f: R → R, with h_x = h · max(1, |x|)."""
    step = h * max(1.0, abs(x))
    return (float(f(x + step)) - float(f(x - step))) / (2 * step)


def central_differences(f: Callable[[np.ndarray], float], x, h: float = H) -> np.ndarray:
    """∂f/∂x by central differences, shaped like ``x``; ``f`` takes an array shaped like ``x``.

    A ``ValueError`` raised by ``f`` (x ± h outside its domain) is passed on."""
    x = np.array(x, dtype=np.float64)
    grad = np.zeros_like(x)
    for idx in np.ndindex(*x.shape):
        old = float(x[idx])

        def f_k(v: float, idx=idx) -> float:
            x[idx] = v
            return f(x)

        grad[idx] = difference(f_k, old, h)
        x[idx] = old
    return grad


def central_differences_by_name(f: Callable[[dict[str, float]], float],
                                values: Mapping[str, float], h: float = H
                                ) -> dict[str, float | str]:
    """∂f/∂v for every name in ``values``; ``f`` takes a ``{name: value}`` dict. Where ``f``
    raises a ``ValueError`` at v ± h the entry is a message saying so (the others are still
    computed)."""
    out: dict[str, float | str] = {}
    for name, v in values.items():
        try:
            out[name] = difference(lambda u, name=name: f({**values, name: u}), float(v), h)
        except ValueError as exc:
            out[name] = f"not defined at x ± h ({exc})"
    return out
