"""When an answer counts as right: within 0.1 % of the exact value, or within the precision shown;
a size exactly.

A given value ``a`` is right for the exact value ``e`` when::

    |a − e| ≤ max(1e-3 · |e|,  ½ · 10^(⌊log₁₀|e|⌋ − d + 1),  1e-9)

* ``1e-3 · |e|``: relative 1e-3 (0.1 %);
* ``½ · 10^(⌊log₁₀|e|⌋ − d + 1)``: half a unit in the d-th significant digit of e, d being the
  significant digits shown (View → Precision in the app, ``--digits`` on the command line,
  4 by default). It is the looser of the two only with 3 digits or fewer: with 4 digits half a
  unit is at most 0.05 % of e. So a value copied from the screen is always right;
* ``1e-9``: an exact value that is 0 (or within 1e-9 of it, after rounding) is answered by 0.

An asked tensor that is a size (:data:`SIZES`: Task 2b's output shape, a number of rows,
columns and channels) is a whole number and right only when ``a = e``: 1338 rows are not
1337 rows, though 1338 is within 0.1 % of 1337.

The same rule decides whether a simulated mistake matches an answer, and whether a mistake is
distinguishable from the right answer at all (callers pass ``size=name in SIZES``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.steps import DEFAULT_DIGITS, check_digits

RELATIVE = 1e-3
ABSOLUTE = 1e-9
#: the asked tensors that are sizes (numbers of rows, columns, channels): right only when exact
SIZES = frozenset({"output_shape"})


@dataclass(frozen=True)
class Tolerance:
    """The rule above for ``digits`` significant digits shown."""

    digits: int = DEFAULT_DIGITS
    relative: float = RELATIVE
    absolute: float = ABSOLUTE

    def __post_init__(self):
        check_digits(self.digits)

    def allowed(self, exact: np.ndarray, size: bool = False) -> np.ndarray:
        """The largest |given − exact| that counts as right, per element of ``exact`` (0 for a
        size)."""
        exact = np.abs(np.asarray(exact, dtype=np.float64))
        if size:
            return np.zeros_like(exact)
        with np.errstate(divide="ignore"):
            exponent = np.floor(np.log10(np.where(exact > 0, exact, 1.0)))
        half_unit = np.where(exact > 0, 0.5 * 10.0 ** (exponent - self.digits + 1), 0.0)
        # a value shown rounded to ``digits`` digits lies exactly half a unit away at worst:
        # a hair of slack keeps it right despite the rounding of the subtraction
        return np.maximum(np.maximum(self.relative * exact, half_unit * (1 + 1e-9)),
                          self.absolute)

    def close(self, given: np.ndarray, exact: np.ndarray, size: bool = False) -> np.ndarray:
        """Elementwise: is ``given`` right for ``exact``? (NaN, a blank cell, is never right.)
        ``size``: the values are sizes (:data:`SIZES`), right only when equal."""
        given = np.asarray(given, dtype=np.float64)
        with np.errstate(invalid="ignore"):
            return np.abs(given - exact) <= self.allowed(exact, size)

    def words(self, size: bool = False) -> str:
        """The rule in words, for the screen; ``size``: the rule for a size."""
        if size:
            return "a size (a number of rows, columns or channels) is right only when exact"
        return str(self)

    def __str__(self) -> str:
        return (f"right within {self.relative:.1%} of the exact value, or half a unit in its "
                f"{_ordinal(self.digits)} significant digit if that is more (0 within "
                f"{self.absolute:.0e})").replace("e-0", "e-")


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"
