"""Input checks shared by every layer.

Each helper takes the argument's *name* so that its message can say which field is wrong, what it
got and what it needed: ``"w: expected shape (2, n_out) to match x's 2 inputs, got (3, 3)"``.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence

import numpy as np

from engine.errors import ShapeError

#: Largest tensor (in elements) the engine computes interactively. The shape calculator
#: (``conv2d.output_shape``) takes any shape: it allocates nothing.
MAX_ELEMENTS = 4_000_000
#: Largest intermediate (e.g. the im2col matrix of a convolution), in elements.
MAX_WORK_ELEMENTS = 50_000_000


def shape_str(shape: Sequence[int]) -> str:
    """``(2, 3)`` as the messages print it."""
    return "(" + ", ".join(str(int(s)) for s in shape) + ("," if len(shape) == 1 else "") + ")"


def as_array(value, name: str, ndim: int | tuple[int, ...] | None = None,
             what: str | None = None) -> np.ndarray:
    """``value`` as a finite float64 array, or a ``ValueError`` naming ``name``.

    ``ndim`` is the rank needed (or a tuple of allowed ranks); ``what`` describes the layout for
    the message, e.g. ``"(n_in, n_out)"``.
    """
    if isinstance(value, np.ndarray) and value.dtype == np.float64:
        arr = value
    else:
        if _has_bool(value):
            raise ValueError(f"{name}: contains a boolean (True/False); every value must be a "
                             "number")
        try:
            arr = np.asarray(value, dtype=np.float64)
        except OverflowError:   # an int with hundreds of digits
            raise ValueError(f"{name}: contains a number too large for a float; every value "
                             "must be a finite number") from None
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{name}: could not read the values as numbers ({_short(exc)})") \
                from None
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if arr.ndim not in allowed:
            need = " or ".join(f"{d}-D" for d in allowed)
            layout = f" {what}" if what else ""
            raise ShapeError(f"{name}: expected a {need} array{layout}, got shape "
                             f"{shape_str(arr.shape)}")
    if arr.size == 0:
        raise ShapeError(f"{name}: is empty (shape {shape_str(arr.shape)}); every axis needs at "
                         "least one element")
    check_size(arr.shape, name)
    if not np.isfinite(arr).all():
        bad = np.argwhere(~np.isfinite(arr))[0]
        v = float(arr[tuple(bad)])
        where = f" at index {shape_str(bad)}" if arr.ndim else ""
        raise ValueError(f"{name}: contains {v!r}{where}; every value must be a finite number")
    return arr


def check_size(shape: Sequence[int], name: str, limit: int = MAX_ELEMENTS,
               what: str = "can be computed interactively") -> None:
    """Refuse a tensor too large to compute (or, as ``what`` says, trace) interactively, with
    the limit in the message."""
    n = 1
    for s in shape:
        n *= int(s)
    if n > limit:
        raise ValueError(f"{name}: shape {shape_str(shape)} has {n:,} elements, more than the "
                         f"{limit:,} that {what}")


def check_shape(arr: np.ndarray, name: str, expected: Sequence[int | None], why: str = "") -> None:
    """``arr.shape`` must equal ``expected`` (``None`` matches any size on that axis)."""
    ok = arr.ndim == len(expected) and all(e is None or e == s for e, s in zip(expected, arr.shape,
                                                                                strict=False))
    if not ok:
        need = "(" + ", ".join("any" if e is None else str(e) for e in expected) + \
            ("," if len(expected) == 1 else "") + ")"
        reason = f" {why}" if why else ""
        raise ShapeError(f"{name}: expected shape {need}{reason}, got {shape_str(arr.shape)}")


def as_number(value, name: str, need: str = "a number") -> float:
    """A finite real number as a float: a number, numeric text (``" 1.5 "``) or a one-element
    NumPy value; never a bool. ``need`` names what was expected in the message."""
    if isinstance(value, (bool, np.bool_)) or value is None:
        raise ValueError(f"{name}: expected {need}, got {value!r}")
    try:
        if isinstance(value, numbers.Real):
            v = float(value)
        elif isinstance(value, str):
            v = float(value.strip())
        elif isinstance(value, np.ndarray) and value.size == 1 and value.dtype.kind in "iuf":
            v = float(value.item())
        else:
            raise ValueError
    except OverflowError:   # an int with hundreds of digits
        raise ValueError(f"{name}: got a number too large for a float; every value must be a "
                         "finite number") from None
    except ValueError:
        raise ValueError(f"{name}: expected {need}, got {value!r:.40}") from None
    if not math.isfinite(v):
        raise ValueError(f"{name}: got {v!r}; every value must be a finite number")
    return v


def as_int(value, name: str, minimum: int | None = None) -> int:
    """A whole number (``2``, ``2.0`` or ``"2"``, not ``2.5``, not ``True``) no smaller than
    ``minimum``."""
    if isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_)):
        out = int(value)    # exact, however large
    else:
        v = as_number(value, name, "a whole number")
        if not v.is_integer():
            raise ValueError(f"{name}: expected a whole number, got {value!r}")
        out = int(v)
    if minimum is not None and out < minimum:
        need = "at least 1" if minimum == 1 else f"at least {minimum}"
        raise ValueError(f"{name}: must be {need}, got {out}")
    return out


def as_pair(value, name: str, minimum: int) -> tuple[int, int]:
    """An int or a ``(rows, cols)`` pair of ints, each at least ``minimum``."""
    if isinstance(value, (tuple, list, np.ndarray)):
        if len(value) != 2:
            raise ValueError(f"{name}: expected one whole number or a (rows, cols) pair, got "
                             f"{len(value)} values")
        return (as_int(value[0], f"{name} (rows)", minimum),
                as_int(value[1], f"{name} (cols)", minimum))
    v = as_int(value, name, minimum)
    return (v, v)


def _has_bool(value) -> bool:
    """Whether ``value`` (a number, array or nested list) holds a bool, which NumPy would quietly
    read as 0 or 1."""
    if isinstance(value, (bool, np.bool_)):
        return True
    if isinstance(value, np.ndarray):
        return value.dtype == np.bool_ or (value.dtype == object
                                           and any(map(_has_bool, value.flat)))
    if isinstance(value, (list, tuple)):
        return any(map(_has_bool, value))
    return False


def _short(exc: Exception) -> str:
    text = str(exc)
    return text if len(text) <= 80 else text[:77] + "..."
