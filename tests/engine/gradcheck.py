"""Central differences in float64, the reference every gradient test compares against."""

import numpy as np


def numeric_grad(f, x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """∂f/∂x by central differences; ``f`` maps an array shaped like ``x`` to a float."""
    x = np.array(x, dtype=np.float64)
    grad = np.zeros_like(x)
    for idx in np.ndindex(*x.shape):
        old = x[idx]
        x[idx] = old + eps
        hi = f(x)
        x[idx] = old - eps
        lo = f(x)
        x[idx] = old
        grad[idx] = (hi - lo) / (2 * eps)
    return grad
