"""Checking answers: per tensor, the cells right and wrong, the first wrong cell in step order,
and the mistakes the answer matches.

Invariants:

* Answers are ``{tensor name: array}`` (names and indices as ``export`` writes them), a blank cell
  is NaN. Any subset of the asked tensors and any cells may be given. An array has the asked
  shape or one of :attr:`Asked.other_shapes <engine.practice.exercises.Asked.other_shapes>` (the
  transposed shape, or a shape a recognised mistake gives): such an answer counts as answered and
  every answered cell of it as wrong (its cells have no place in the right tensor).
* A cell is right by :class:`~engine.practice.tolerance.Tolerance` (0.1 %, or the precision
  shown when looser). The *first wrong cell* is the wrong cell that the earliest step of the
  worked solution finishes (the last step writing it, see ``Exercise.cell_steps``), across all
  answered tensors: "Show the step where I went wrong" reveals the solution up to that step.
* A mistake is recognised for a wrong tensor when its simulation (whole, on the exercise's
  inputs) gives a value different from the right one there and every answered cell of the tensor
  equals the simulated value within the same tolerance. Per mistake the simulation matching the
  most tensors is reported, once.
* :func:`check` reads nothing and writes nothing: it costs a comparison per simulation once the
  exercise's solution and simulations are computed (they are cached on the Exercise).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from engine.practice.exercises import Exercise, dims
from engine.practice.mistakes import Mistake, Simulation
from engine.practice.tolerance import SIZES, Tolerance
from engine.steps import MAX_DIGITS, fmt

#: Per cell of :attr:`TensorCheck.cells`.
BLANK, WRONG, RIGHT = -1, 0, 1
#: The step-order key of a tensor with no wrong cell (after every real one).
NO_ORDER = np.iinfo(np.int64).max


@dataclass(frozen=True)
class WrongCell:
    """A wrong cell: its index in the given answer, what was given, the right value (``None``
    when the answer has another shape than the tensor) and the 1-based number of the step of the
    worked solution that finishes the right value."""

    tensor: str
    index: tuple[int, ...]
    given: float
    expected: float | None
    step: int

    @property
    def label(self) -> str:
        """``dw[0,1]`` as the CSV indexes it."""
        return f"{self.tensor}[{','.join(str(i) for i in self.index)}]"


@dataclass(frozen=True, eq=False)
class TensorCheck:
    """The verdict on one answered tensor."""

    name: str                       # "dw"
    symbol: str                     # "ΔW"
    shape: tuple[int, ...]          # the tensor's shape
    given_shape: tuple[int, ...]    # the answer's shape (another one: all answered cells wrong)
    cells: np.ndarray               # per cell of the answer: RIGHT, WRONG or BLANK
    first_wrong: WrongCell | None
    order: int                      # step-order key of first_wrong (for the first across tensors)

    @property
    def size(self) -> int:
        return int(np.prod(self.shape))

    @property
    def answered(self) -> int:
        return int(np.count_nonzero(self.cells != BLANK))

    @property
    def right(self) -> int:
        return int(np.count_nonzero(self.cells == RIGHT))

    @property
    def wrong(self) -> int:
        return int(np.count_nonzero(self.cells == WRONG))

    @property
    def correct(self) -> bool:
        """Every answered cell right (the answer may be partial)."""
        return self.wrong == 0

    @property
    def complete(self) -> bool:
        return self.given_shape == self.shape and self.answered == self.size

    def summary(self) -> str:
        """``"ΔW 4/6"``: right cells of the tensor's cells, for a summary bar."""
        return f"{self.symbol} {self.right}/{self.size}"


@dataclass(frozen=True, eq=False)
class Diagnosis:
    """A recognised mistake: which one, the tensors it explains, the words for it."""

    mistake: Mistake
    tensors: tuple[str, ...]
    explanation: str

    @property
    def id(self) -> str:
        return self.mistake.id


@dataclass(frozen=True, eq=False)
class CheckResult:
    exercise: Exercise
    tolerance: Tolerance
    tensors: tuple[TensorCheck, ...]     # the answered tensors, in the exercise's asked order
    mistakes: tuple[Diagnosis, ...]

    @property
    def all_correct(self) -> bool:
        """Something answered, and every answered cell right."""
        return bool(self.tensors) and all(t.correct for t in self.tensors)

    @property
    def first_wrong(self) -> WrongCell | None:
        """The wrong cell the earliest step finishes, across all answered tensors."""
        wrong = [t for t in self.tensors if t.first_wrong is not None]
        return min(wrong, key=lambda t: t.order).first_wrong if wrong else None

    def tensor(self, name: str) -> TensorCheck | None:
        return next((t for t in self.tensors if t.name == name), None)

    def lines(self) -> list[str]:
        """The command line's report: a line per answered tensor, one per recognised mistake,
        and, when something is wrong, the tolerance."""
        out = [_tensor_line(t, self.tolerance) for t in self.tensors]
        out += [f"mistake: {d.id} — {d.explanation}" for d in self.mistakes]
        if not self.all_correct:   # (the rule for sizes when a size is answered)
            sizes = sorted({t.name in SIZES for t in self.tensors})
            out.append("tolerance: " + "; ".join(self.tolerance.words(s) for s in sizes))
        return out


def check(ex: Exercise, answers: Mapping[str, np.ndarray],
          tolerance: Tolerance | None = None) -> CheckResult:
    """Check ``answers`` ({tensor name: array, NaN where blank}) against exercise ``ex``.

    A name that is not asked, or an array of a shape neither the tensor's nor one of its
    ``other_shapes``, raises ``ValueError`` naming it. Tensors with no answered cell are left
    out of the result.
    """
    tol = tolerance or Tolerance()
    given: dict[str, np.ndarray] = {}
    for name, values in answers.items():
        asked = ex.asked_tensor(name)
        arr = np.asarray(values, dtype=np.float64)
        if arr.shape != asked.shape and arr.shape not in asked.other_shapes:
            raise ValueError(f"{name}: an answer of shape {dims(arr.shape) or '()'}; "
                             f"{asked.symbol} is {dims(asked.shape)}")
        if np.isnan(arr).all():
            continue
        given[name] = arr
    checks = tuple(_check_tensor(ex, a.name, a.symbol, given[a.name], tol)
                   for a in ex.asked if a.name in given)
    wrong = {t.name for t in checks if not t.correct}
    return CheckResult(ex, tol, checks, tuple(_diagnose(ex, given, wrong, tol)))


def _check_tensor(ex: Exercise, name: str, symbol: str, given: np.ndarray,
                  tol: Tolerance) -> TensorCheck:
    expected = ex.expected(name)
    answered = ~np.isnan(given)
    same_shape = given.shape == expected.shape
    if same_shape:
        right = answered & tol.close(given, expected, size=name in SIZES)
        order = ex.cell_order(name)
    else:   # another shape: every answered cell is wrong; they count from the tensor's start
        right = np.zeros(given.shape, dtype=bool)
        order = np.full(given.shape, ex.cell_order(name).min())
    wrong = answered & ~right
    cells = np.where(right, RIGHT, np.where(wrong, WRONG, BLANK)).astype(np.int8)
    if not wrong.any():
        return TensorCheck(name, symbol, expected.shape, given.shape, cells, None, NO_ORDER)
    wrong_order = np.where(wrong, order, NO_ORDER)
    idx = tuple(int(i) for i in np.unravel_index(int(np.argmin(wrong_order)), given.shape))
    if same_shape:
        first = WrongCell(name, idx, float(given[idx]), float(expected[idx]),
                          int(ex.cell_steps(name)[idx]))
    else:
        first = WrongCell(name, idx, float(given[idx]), None, int(ex.cell_steps(name).min()))
    return TensorCheck(name, symbol, expected.shape, given.shape, cells, first,
                       int(wrong_order.min()))


def _diagnose(ex: Exercise, given: dict[str, np.ndarray], wrong: set[str],
              tol: Tolerance) -> list[Diagnosis]:
    best: dict[str, tuple[Simulation, tuple[str, ...]]] = {}
    for sim in ex.simulations:
        matched = tuple(a.name for a in ex.asked if a.name in wrong and a.name in sim.tensors
                        and _matches(given[a.name], sim.tensors[a.name], ex.expected(a.name),
                                     tol, a.name in SIZES))
        if matched and len(matched) > len(best.get(sim.mistake.id, (None, ()))[1]):
            best[sim.mistake.id] = (sim, matched)
    return [Diagnosis(sim.mistake, matched, sim.explanation) for sim, matched in best.values()]


def _matches(answer: np.ndarray, simulated: np.ndarray, right: np.ndarray,
             tol: Tolerance, size: bool) -> bool:
    """Every answered cell equals the simulated value, and the simulation is not the right
    answer there."""
    if answer.shape != simulated.shape:
        return False
    answered = ~np.isnan(answer)
    if not tol.close(answer[answered], simulated[answered], size).all():
        return False
    if simulated.shape != right.shape:
        return True
    return not tol.close(simulated[answered], right[answered], size).all()



def _tensor_line(t: TensorCheck, tol: Tolerance) -> str:
    """``dx: correct`` / ``dw: 2 of 6 wrong, first dw[0,1] = 0.3, expected 0.5 (step 7)``."""
    partial = "" if t.answered == t.size else f" ({t.answered} of {t.size} cells answered)"
    if t.correct:
        return f"{t.name}: correct{' so far' if partial else ''}{partial}"
    first = t.first_wrong
    assert first is not None
    head = f"{t.name}: {t.wrong} of {t.answered} wrong"
    if first.expected is None:
        return (f"{head}, given as {dims(t.given_shape)} but {t.symbol} is {dims(t.shape)} "
                f"(step {first.step})")
    given, expected = _distinct_texts(first.given, first.expected, tol.digits)
    return (f"{head}{partial}, first {first.label} = {given}, expected {expected} "
            f"(step {first.step})")


def _distinct_texts(given: float, expected: float, digits: int) -> tuple[str, str]:
    """The two numbers with ``digits`` significant digits, or more until they differ."""
    for d in range(digits, MAX_DIGITS + 1):
        a, b = fmt(given, d), fmt(expected, d)
        if a != b:
            return a, b
    return fmt(given, MAX_DIGITS), fmt(expected, MAX_DIGITS)
