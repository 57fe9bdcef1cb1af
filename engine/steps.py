"""Steps: the backward (and forward) pass as a student writes it on paper.

A :class:`Step` is one line of a worked solution, e.g. ``δx₀ = δy·W[0,:]ᵀ = 0·1 + 0.5·3 + 1·5 =
6.5``. It names the tensor elements it reads and writes, so that a view can outline the read cells
and light the written one, and it carries the *new value* of every element it writes (after a
``+=`` that is the accumulated value), so that replaying the writes of a :class:`Trace` in order
rebuilds the vectorised result. Where exercise sheet 4's printed solution differs at a step (a
misprint, a term left out, another numbering), the step's ``sheet_note`` says so
(:mod:`engine.printed_sheet` writes every such note).

Traces are generated from the same quantities the vectorised code uses. A trace that would have
more than :data:`MAX_STEPS` steps is *coarsened* (one step per row, channel or time step) and its
``note`` says so; it is never silently cut.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

import numpy as np

#: Most steps a trace holds before it is coarsened.
MAX_STEPS = 2000

#: significant digits of the numbers written into traces (see :func:`significant_digits`)
DEFAULT_DIGITS = 4
MAX_DIGITS = 17  # a float64 round-trips in 17
_DIGITS: ContextVar[int] = ContextVar("significant_digits", default=DEFAULT_DIGITS)

Index = tuple[int, ...]
Ref = tuple[str, Index]  # (tensor name, element index), e.g. ("dy", (0,)); () for a scalar


@dataclass(frozen=True)
class Step:
    """One line of a worked solution."""

    phase: str                    # "forward" | "backward"
    title: str                    # "δx₀"
    formula: str                  # "δx₀ = Σₖ δyₖ · W₀ₖ"
    substituted: str              # "0 · 1 + 0.5 · 3 + 1 · 5"
    result: float                 # 6.5 (the first written value)
    reads: tuple[Ref, ...] = ()
    writes: tuple[Ref, ...] = ()
    values: tuple[float, ...] = ()   # new value of each written element, in the order of writes
    note: str = ""                # e.g. "coarsened: one step per row"
    #: what the line ends on; None: the written value(s), "": nothing (``substituted`` already
    #: states the results, e.g. a window's running sums, or the step writes a whole matrix)
    result_text: str | None = None
    #: significant digits the line was written with (those in force when the step was built)
    digits: int = field(default_factory=_DIGITS.get)
    #: the graph edges the step concerns, by id (autodiff: indices into ``Evaluation.edges``);
    #: empty in the other layers
    edges: tuple[int, ...] = ()
    #: where exercise sheet 4's printed solution differs at this step (a misprint, a term it
    #: leaves out, its numbering), from :mod:`engine.printed_sheet`; "" where it does not
    sheet_note: str = ""

    def __post_init__(self):
        if self.phase not in ("forward", "backward"):
            raise ValueError(f"phase: expected 'forward' or 'backward', got {self.phase!r}")
        if len(self.values) != len(self.writes):
            raise ValueError(f"step {self.title!r}: {len(self.writes)} writes but "
                             f"{len(self.values)} values")

    @property
    def text(self) -> str:
        """The whole line: ``formula = substituted = result``; a step writing several elements
        ends with all of them (shortened): ``δx = δy · Wᵀ = [6.5, 8]``."""
        if self.result_text is not None:
            result = self.result_text
        else:
            result = vec(self.values, digits=self.digits) if len(self.values) > 1 \
                else fmt(self.result, self.digits)
        parts = [self.formula]
        if self.substituted and self.substituted != result:
            parts.append(self.substituted)
        if result:
            parts.append(result)
        return " = ".join(parts)


@dataclass
class Trace:
    """The steps of a pass and the tensors they refer to.

    ``tensors`` holds every tensor a step reads or writes, with its final (vectorised) value.
    ``settings`` says what a file of the tensors needs to be read alone (the layer, its stride,
    padding, window, sizes, formulas …: ``{"stride": "s_x = 2, s_y = 2", …}``, in the order to
    print them); ``names`` gives the elements that have names of their own, row-major per
    tensor (autodiff's ``{"value": ("v0", "v1", …), …}``). The tensors CSV writes both.
    """

    steps: list[Step]
    tensors: dict[str, np.ndarray]
    note: str = ""
    phases: dict[str, int] = field(default_factory=dict)  # phase -> number of steps
    settings: dict[str, str] = field(default_factory=dict)
    names: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def __post_init__(self):
        counts: dict[str, int] = {}
        for s in self.steps:
            counts[s.phase] = counts.get(s.phase, 0) + 1
        self.phases = counts

    def __len__(self) -> int:
        return len(self.steps)

    def written(self) -> set[str]:
        """Names of the tensors some step writes."""
        return {name for s in self.steps for name, _ in s.writes}

    def replay(self, upto: int | None = None) -> dict[str, np.ndarray]:
        """Apply the writes of steps ``[0, upto)`` to NaN-filled copies of the written tensors.

        Elements no step has written yet stay NaN ("not computed yet" in the views).
        """
        out = {name: np.full(np.shape(self.tensors[name]), np.nan) for name in self.written()}
        for s in self.steps[:upto]:
            for (name, idx), v in zip(s.writes, s.values, strict=True):
                out[name][idx] = v
        return out


def step(phase: str, title: str, formula: str, substituted: str,
         reads: Iterable[Ref], writes: Sequence[Ref], values: Sequence[float],
         note: str = "", result_text: str | None = None, edges: Iterable[int] = (),
         sheet_note: str = "") -> Step:
    """Build a :class:`Step`; ``result`` is the first written value."""
    vals = tuple(float(v) for v in values)
    return Step(phase=phase, title=title, formula=formula, substituted=substituted,
                result=vals[0] if vals else float("nan"), reads=tuple(reads),
                writes=tuple(writes), values=vals, note=note, result_text=result_text,
                edges=tuple(edges), sheet_note=sheet_note)


# ---------------------------------------------------------------------------------------------
# Formatting shared by every trace

_SUB = str.maketrans("0123456789-+", "₀₁₂₃₄₅₆₇₈₉₋₊")
_SUP = str.maketrans("0123456789-+", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺")


def sub(n: int | str) -> str:
    """Subscript digits: ``sub(12)`` is ``'₁₂'``."""
    return str(n).translate(_SUB)


def sup(n: int | str) -> str:
    """Superscript digits."""
    return str(n).translate(_SUP)


def label(symbol: str, index: Sequence[int]) -> str:
    """``label('δx', (0,))`` is ``'δx₀'``; ``label('ΔW', (1, 2))`` is ``'ΔW[1,2]'``."""
    if len(index) == 0:
        return symbol
    if len(index) == 1:
        return symbol + sub(index[0])
    return symbol + "[" + ",".join(str(int(i)) for i in index) + "]"


def check_digits(digits: object) -> int:
    """``digits`` as an int from 1 to :data:`MAX_DIGITS`, or a ValueError saying so."""
    if isinstance(digits, bool) or not isinstance(digits, (int, np.integer)) \
            or not 1 <= digits <= MAX_DIGITS:
        raise ValueError(f"digits: expected a whole number from 1 to {MAX_DIGITS}, got {digits!r}")
    return int(digits)


@contextmanager
def significant_digits(digits: int) -> Iterator[None]:
    """Traces built inside write their numbers with ``digits`` significant digits (the default
    of :func:`fmt`). Per thread (a context variable), so a solve on a worker thread sets its own.
    """
    token = _DIGITS.set(check_digits(digits))
    try:
        yield
    finally:
        _DIGITS.reset(token)


def fmt(x: float, digits: int | None = None) -> str:
    """A number as a student writes it: at most ``digits`` significant digits (default: the
    :func:`significant_digits` in force, 4 unless set), no trailing zeros.

    ``fmt(6.5)`` is ``'6.5'``, ``fmt(13.0)`` is ``'13'``, ``fmt(-0.90929)`` is ``'-0.9093'``;
    whole numbers are written in full (``fmt(50002.0)`` is ``'50002'``).
    """
    if digits is None:
        digits = _DIGITS.get()
    x = float(x)
    if x != x:
        return "nan"
    if x == 0:
        return "0"
    if x.is_integer() and abs(x) < 1e15:
        return str(int(x))  # whole numbers in full: an output size of 50002 is not "5e4"
    text = f"{x:.{digits}g}"
    if "e" in text:
        mant, exp = text.split("e")
        return f"{mant}e{int(exp)}"
    return text


def short_join(item: Callable[[int], str], n: int, sep: str, limit: int = 8) -> str:
    """``item(0) + sep + … + item(n - 1)``; past ``limit`` items only the first and last
    ``limit // 2`` with ``… (k more)`` between, and only those are formatted (a window of
    thousands of elements costs no more than one of eight)."""
    if n <= limit:
        return sep.join(item(i) for i in range(n))
    half = limit // 2
    return sep.join([item(i) for i in range(half)] + [f"… ({n - limit} more)"]
                    + [item(i) for i in range(n - half, n)])


def vec(values: Sequence[float], limit: int = 8, digits: int | None = None) -> str:
    """``[0.5, -0.25]``; past ``limit`` values the first and last few with ``…`` between."""
    values = list(values)
    return "[" + short_join(lambda i: fmt(values[i], digits), len(values), ", ", limit) + "]"


def fmt_paren(x: float, digits: int | None = None) -> str:
    """Like :func:`fmt`, in parentheses when negative (for products: ``0.5 · (-2)``)."""
    text = fmt(x, digits)
    return f"({text})" if text.startswith("-") else text


def sum_text(terms: Sequence[str], limit: int = 8) -> str:
    """``'a + b + c'``, shortened to the first and last few terms past ``limit``."""
    return short_join(terms.__getitem__, len(terms), " + ", limit)


def products(a: Iterable[float], b: Iterable[float]) -> list[str]:
    """``['0 · 1', '0.5 · 3', …]`` for two equally long sequences of numbers."""
    return [f"{fmt_paren(x)} · {fmt_paren(y)}" for x, y in zip(a, b, strict=True)]


def indices(shape: Sequence[int]) -> Iterable[Index]:
    """Every index of ``shape`` in row-major order."""
    return (tuple(int(i) for i in idx) for idx in np.ndindex(*shape))
