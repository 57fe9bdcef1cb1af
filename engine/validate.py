"""Input checks shared by every layer.

Invariant: every message starts with ``key:``, the argument's name (``w``, ``dy``, ``x_shape``),
which the GUI uses to put the message beside that field (``pnn_gui.state.field_of``); the words
after it name tensors as the window does (:func:`screen_name`: W, δy, c₀ — never ``w[0,0]`` or
``dy``), elements as the tables number them (from 0: ``W[0,1]``), and say what is needed:
``"x: x has shape (3,); it needs shape (2,) to match W's 2 rows (n_in)"``.
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

#: How the window labels an argument, where that differs from its name.
SCREEN_NAMES = {"w": "W", "dy": "δy", "dh": "δh", "xs": "x", "c0": "c₀", "x_shape": "x",
                "f_shape": "f", "size": "window"}
#: What an axis is called, by the number of axes.
AXES = {1: ("values",), 2: ("rows", "columns"), 3: ("rows", "columns", "channels"),
        4: ("kernel rows", "kernel columns", "input channels", "filters")}


def screen_name(name: str) -> str:
    """``"W"`` for the argument ``w``, ``"δy"`` for ``dy``; other names as they are."""
    return SCREEN_NAMES.get(name, name)


def shape_str(shape: Sequence[int]) -> str:
    """``(2, 3)`` as the messages print it."""
    return "(" + ", ".join(str(int(s)) for s in shape) + ("," if len(shape) == 1 else "") + ")"


def element(label: str, index: Sequence[int]) -> str:
    """``W[0,1]``: an element as the tables number it (from 0); ``label`` alone for a scalar."""
    return label + ("[" + ",".join(str(int(i)) for i in index) + "]" if len(index) else "")


def count(n: int, noun: str) -> str:
    """``count(1, "rows")`` is ``"1 row"``, ``count(2, "rows")`` is ``"2 rows"``."""
    return f"{n} {noun[:-1] if n == 1 and noun.endswith('s') else noun}"


def as_array(value, name: str, ndim: int | tuple[int, ...] | None = None,
             what: str | None = None) -> np.ndarray:
    """``value`` as a finite float64 array, or a ``ValueError`` naming ``name``.

    ``ndim`` is the rank needed (or a tuple of allowed ranks); ``what`` describes the layout for
    the message, e.g. ``"(n_in, n_out)"``.
    """
    label = screen_name(name)
    if isinstance(value, np.ndarray) and value.dtype == np.float64:
        arr = value
    else:
        if _has_bool(value):
            raise ValueError(f"{name}: contains a boolean (True/False); every value must be a "
                             "number")
        try:
            arr = np.asarray(value, dtype=np.float64)
        except (OverflowError, TypeError, ValueError):  # say where, not NumPy's words
            raise ValueError(f"{name}: {_unreadable(value, label)}") from None
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if arr.ndim not in allowed:
            need = " or ".join(f"{d}-D" for d in allowed)
            layout = f" {what}" if what else ""
            raise ShapeError(f"{name}: {label} must be {need}{layout}, got shape "
                             f"{shape_str(arr.shape)}")
    if arr.size == 0:
        raise ShapeError(f"{name}: {label} is empty (shape {shape_str(arr.shape)}); it needs at "
                         "least one value along every axis")
    check_size(arr.shape, name)
    if not np.isfinite(arr).all():
        bad = tuple(int(i) for i in np.argwhere(~np.isfinite(arr))[0])
        if arr is not value and _at(value, bad) is None:  # NumPy reads None (JSON null) as nan
            raise ValueError(f"{name}: {element(label, bad)} is empty (null); type a number "
                             "there")
        raise ValueError(f"{name}: {element(label, bad)} is {float(arr[bad])!r}; every value must "
                         "be a finite number")
    return arr


def _at(value, index: tuple[int, ...]):
    """The element of nested lists (or an array) at ``index``."""
    for i in index:
        value = value[i]
    return value


def check_size(shape: Sequence[int], name: str, limit: int = MAX_ELEMENTS,
               what: str = "can be computed interactively") -> None:
    """Refuse a tensor too large to compute (or, as ``what`` says, trace) interactively, with
    the limit in the message."""
    n = 1
    for s in shape:
        n *= int(s)
    if n > limit:
        label = screen_name(name)
        raise ValueError(f"{name}: {label} of shape {shape_str(shape)} has {n:,} elements, more "
                         f"than the {limit:,} that {what}; use a smaller {label}")


def check_shape(arr: np.ndarray, name: str, expected: Sequence[int | None], why: str = "") -> None:
    """``arr.shape`` must equal ``expected`` (``None``: any size on that axis); ``why`` ends the
    message (``"to match W's 2 rows (n_in)"``)."""
    ok = arr.ndim == len(expected) and all(e is None or e == s for e, s in zip(expected, arr.shape,
                                                                                strict=False))
    if ok:
        return
    if None in expected:  # say only the sizes that are fixed: "2 columns", not "(any, 2)"
        axes = AXES.get(len(expected), ("axis",) * len(expected))
        need = " and ".join(count(e, axes[k]) for k, e in enumerate(expected) if e is not None)
    else:
        need = f"shape {shape_str(expected)}"
    reason = f" {why}" if why else ""
    raise ShapeError(f"{name}: {screen_name(name)} has shape {shape_str(arr.shape)}; it needs "
                     f"{need}{reason}")


def as_shape(value, name: str, layout: Sequence[str]) -> tuple[int, ...]:
    """A shape typed as whole numbers, one per axis of ``layout`` (``("rows", "cols",
    "channels")``), each at least 1; it may be of any size (nothing is allocated)."""
    need = f"{len(layout)} whole numbers ({', '.join(layout)})"
    label = screen_name(name)
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if not isinstance(value, (tuple, list)):
        raise ShapeError(f"{name}: the shape of {label} needs {need}, got {value!r:.40}")
    if len(value) != len(layout):
        raise ShapeError(f"{name}: the shape of {label} needs {need}, got {len(value)}")
    return tuple(as_int(v, f"{name} ({part})", 1) for v, part in zip(value, layout, strict=True))


def check_names(given, allowed: Sequence[str], required: Sequence[str], key: str, noun: str,
                owner: str) -> None:
    """``given`` (names) holds only ``allowed`` ones and every ``required`` one; an unknown name
    is reported under ``key``, a missing one under its own name (the field it belongs to)."""
    unknown = [n for n in given if n not in allowed]
    if unknown:
        raise ValueError(f"{key}: unknown {noun} {unknown[0]!r}; {owner} takes "
                         f"{', '.join(map(screen_name, allowed))}")
    missing = [n for n in required if n not in given]
    if missing:
        raise ValueError(f"{missing[0]}: {screen_name(missing[0])} is missing; {owner} needs "
                         f"{', '.join(map(screen_name, required))}")


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


def _unreadable(value, label: str) -> str:
    """Why ``value`` (nested lists) is not an array of numbers: the first ragged row or element
    that is not a number, as the tables number it."""
    def first(v, index: tuple[int, ...]) -> str | None:
        if isinstance(v, np.ndarray):
            v = v.tolist()
        if not isinstance(v, (list, tuple)):
            try:
                float(v)
            except OverflowError:
                return (f"{element(label, index)} is too large for a float; every value must be "
                        "a finite number")
            except (TypeError, ValueError):
                return f"{element(label, index)} is {v!r:.40}, not a number; type a number there"
            return None
        kinds = [isinstance(c, (list, tuple, np.ndarray)) for c in v]
        for i, c in enumerate(v):
            if kinds[i] != kinds[0]:
                a, b = (element(label, index + (k,)) for k in (i, 0))
                return (f"{a} is {'a list' if kinds[i] else 'a number'} where {b} is "
                        f"{'a list' if kinds[0] else 'a number'}; every row must have the "
                        "same shape")
            if kinds[0] and len(c) != len(v[0]):
                if not index and not any(isinstance(cc, (list, tuple, np.ndarray))
                                         for cc in v[0]):
                    return (f"rows have different lengths (row {i} has {count(len(c), 'numbers')}"
                            f", row 0 has {len(v[0])}); every row needs the same number of "
                            "values")
                a, b = (element(label, index + (k,)) for k in (i, 0))
                return (f"{a} has length {len(c)} where {b} has length {len(v[0])}; every "
                        "row must have the same shape")
        for i, c in enumerate(v):
            problem = first(c, index + (i,))
            if problem:
                return problem
        return None

    return first(value, ()) or f"{label} could not be read as numbers; every value must be a number"
