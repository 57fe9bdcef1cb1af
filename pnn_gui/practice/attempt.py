"""One panel's practice on one exercise, without Qt: the answers typed, the last check, the steps
revealed and the score; and how it is written in a session file.

Invariants:

* An :class:`Attempt` belongs to one :class:`~engine.practice.Exercise` (``exercise``) for its
  whole life: new numbers (a new exercise, an example, edited inputs) make a new Attempt
  (:meth:`Attempt.carried_to` keeps the typed answers across an edit of the inputs).
* ``answers[name]`` exists for every asked tensor: an array of the asked shape or one of its
  ``other_shapes``, NaN where the cell is blank. :meth:`set_cell` is the only way a typed value
  arrives; it clears that cell's mark (green / red belong to the value that was checked).
* The shape is part of the answer: a tensor with more than one allowed shape is answered only
  once its shape is chosen (:meth:`shape_chosen`): by :meth:`set_shape`, or by answers given
  with a number in them (a session, an edit of the inputs). Until then :meth:`check` leaves it
  out, whatever its blank array holds.
* ``marks[name]`` is, per cell of the answer, the verdict of the last check (RIGHT, WRONG) or
  BLANK (not checked, or changed since). ``result`` is the last :class:`CheckResult`.
* ``revealed`` (0 … the number of steps) is how many steps of the worked solution the student
  has asked to see; it only grows. The window never shows a step beyond it.
* The score: a tensor counts as *right at the first check* when the first check that saw any of
  its cells found it complete and right, and no step writing it had been revealed before.
  ``first[name]`` records that verdict once; checking again never changes it.
* :meth:`to_json` / :meth:`from_json` round-trip everything but ``result``; the session stores
  ``checked``, and a restored attempt that was checked is checked again (the score unchanged).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from engine import practice
from engine.practice import BLANK, CheckResult, Exercise, Tolerance
from engine.steps import Trace


def same_exercise(ex: Exercise, trace: Trace) -> bool:
    """``trace`` is the worked solution of ``ex``'s task: the same steps (formulas) and the same
    tensors, however its inputs were written (a stride 2 or (2, 2), lists or arrays)."""
    mine = ex.trace
    if len(mine.steps) != len(trace.steps) or mine.tensors.keys() != trace.tensors.keys():
        return False
    if any(a.formula != b.formula for a, b in zip(mine.steps, trace.steps, strict=True)):
        return False
    return all(np.array_equal(np.asarray(mine.tensors[k], dtype=np.float64),
                              np.asarray(trace.tensors[k], dtype=np.float64), equal_nan=True)
               for k in mine.tensors)


def blank(shape: tuple[int, ...]) -> np.ndarray:
    return np.full(shape, np.nan)


@dataclass(eq=False)
class Attempt:
    """See the module docstring."""

    exercise: Exercise
    answers: dict[str, np.ndarray] = field(default_factory=dict)
    marks: dict[str, np.ndarray] = field(default_factory=dict)
    revealed: int = 0
    first: dict[str, bool] = field(default_factory=dict)
    result: CheckResult | None = None
    #: tensors whose shape the student chose (see :meth:`shape_chosen`)
    chosen: set[str] = field(default_factory=set)

    def __post_init__(self):
        names = {a.name for a in self.exercise.asked}
        self.chosen = {n for n in self.chosen if n in names}
        for a in self.exercise.asked:
            arr = self.answers.get(a.name)
            if arr is None or (arr.shape != a.shape and arr.shape not in a.other_shapes):
                self.answers[a.name] = blank(a.shape)
            elif not np.isnan(arr).all():
                self.chosen.add(a.name)
            self.marks[a.name] = np.full(self.answers[a.name].shape, BLANK, dtype=np.int8)

    # -- answers --------------------------------------------------------------------------------
    def shapes(self, name: str) -> tuple[tuple[int, ...], ...]:
        """The shapes an answer to ``name`` may have: the right one first (show them to the
        student in another order)."""
        a = self.exercise.asked_tensor(name)
        return (a.shape, *a.other_shapes)

    def shape_chosen(self, name: str) -> bool:
        """The answer to ``name`` has its shape: it has one allowed shape, or the student chose
        one (see the module docstring)."""
        return len(self.shapes(name)) == 1 or name in self.chosen

    def set_cell(self, name: str, index: tuple[int, ...], value: float) -> None:
        """A typed value (NaN: the cell was cleared)."""
        self.answers[name][index] = value
        self.marks[name][index] = BLANK

    def set_shape(self, name: str, shape: tuple[int, ...]) -> None:
        """The student chose ``shape`` for the answer to ``name``: a matrix turned to its
        transpose keeps its numbers transposed; otherwise what fits is kept."""
        if shape not in self.shapes(name):
            raise ValueError(f"{name}: an answer of shape {shape} is not offered")
        self.chosen.add(name)
        old = self.answers[name]
        if old.shape == shape:
            return
        if old.ndim >= 2 and old.shape[:-2] + old.shape[-2:][::-1] == shape:
            new = np.swapaxes(old, -1, -2).copy()
        else:
            new = blank(shape)
            fit = tuple(slice(0, min(a, b)) for a, b in zip(old.shape, shape, strict=True))
            new[fit] = old[fit]
        self.answers[name] = new
        self.marks[name] = np.full(shape, BLANK, dtype=np.int8)

    def answered(self) -> bool:
        return any(not np.isnan(arr).all() for arr in self.answers.values())

    # -- checking -------------------------------------------------------------------------------
    def check(self, tolerance: Tolerance, score: bool = True) -> CheckResult:
        """Check every answer; mark its cells; with ``score``, record the first verdicts."""
        given = {n: arr for n, arr in self.answers.items() if self.shape_chosen(n)}
        result = practice.check(self.exercise, given, tolerance)
        for name, arr in self.answers.items():
            self.marks[name] = np.full(arr.shape, BLANK, dtype=np.int8)
        seen = self.revealed_tensors()
        for t in result.tensors:
            self.marks[t.name] = t.cells.astype(np.int8)
            if score and t.name not in self.first:
                self.first[t.name] = t.correct and t.complete and t.name not in seen
        self.result = result
        return result

    # -- revealing ------------------------------------------------------------------------------
    @property
    def n_steps(self) -> int:
        return len(self.exercise.trace.steps)

    def reveal(self, k: int) -> int:
        """Reveal the worked solution up to step ``k`` (never less than already revealed)."""
        self.revealed = max(self.revealed, min(int(k), self.n_steps))
        return self.revealed

    def revealed_tensors(self) -> set[str]:
        """Asked tensors that a revealed step writes (their first check no longer scores)."""
        asked = {a.name for a in self.exercise.asked}
        return {name for s in self.exercise.trace.steps[: self.revealed]
                for name, _ in s.writes if name in asked}

    # -- score ----------------------------------------------------------------------------------
    def score(self) -> tuple[int, int]:
        """(tensors right at their first check, tensors counted): every required tensor, and
        the optional ones that were checked."""
        counted = [a.name for a in self.exercise.asked if a.required or a.name in self.first]
        return sum(self.first.get(name, False) for name in counted), len(counted)

    # -- another exercise -----------------------------------------------------------------------
    def carried_to(self, exercise: Exercise) -> Attempt:
        """A fresh attempt at ``exercise`` keeping the answers typed and the shapes chosen (the
        student changed an input: the numbers typed are theirs), cut or padded to its shapes:
        an answer in the n-th allowed shape goes to the n-th there (the transposed one stays
        transposed), else to the right one."""
        kept = {}
        for a in exercise.asked:
            old = self.answers.get(a.name)
            if old is None:
                continue
            shapes = (a.shape, *a.other_shapes)
            n = self.shapes(a.name).index(old.shape)
            shape = shapes[n] if n < len(shapes) and len(shapes[n]) == old.ndim else a.shape
            new = blank(shape)
            if old.ndim == new.ndim:
                fit = tuple(slice(0, min(p, q)) for p, q in zip(old.shape, shape, strict=True))
                new[fit] = old[fit]
            kept[a.name] = new
        return Attempt(exercise, kept, chosen=set(self.chosen))

    # -- session --------------------------------------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        """The attempt for a session file (blank cells as null; only tensors with an answer;
        the shapes chosen)."""
        answers = {name: _nulls(arr) for name, arr in self.answers.items()
                   if not np.isnan(arr).all()}
        shapes = {name: list(self.answers[name].shape) for name in sorted(self.chosen)}
        return {"seed": self.exercise.seed, "answers": answers, "shapes": shapes,
                "revealed": self.revealed, "first": dict(self.first),
                "checked": self.result is not None}

    @classmethod
    def from_json(cls, exercise: Exercise, data: dict[str, Any]) -> tuple[Attempt, list[str]]:
        """The attempt a session stored for ``exercise`` (checked by :func:`parse_entry`), and
        what had to be left out (an answer, or a shape chosen, that does not fit this
        exercise's). An answer stored with numbers is in a chosen shape (sessions from before
        the shapes were stored)."""
        left_out = []
        answers = {}
        asked = {a.name: a for a in exercise.asked}
        for name, value in data.get("answers", {}).items():
            arr = _nans(value)
            a = asked.get(name)
            if a is None or (arr.shape != a.shape and arr.shape not in a.other_shapes):
                left_out.append(name)
                continue
            answers[name] = arr
        stored = set(answers)
        att = cls(exercise, answers)
        for name, shape in data.get("shapes", {}).items():
            if name in stored:              # the numbers stored decide their shape
                continue
            if name not in asked or tuple(shape) not in att.shapes(name):
                left_out.append(name)
                continue
            att.set_shape(name, tuple(shape))
        att.revealed = min(int(data.get("revealed", 0)), att.n_steps)
        att.first = {k: bool(v) for k, v in data.get("first", {}).items() if k in asked}
        return att, left_out


def parse_entry(data: Any, where: str) -> dict[str, Any]:
    """One stored attempt, checked for its form (``where`` names it in the message): a
    ValueError in the words of the session file for anything else."""
    if not isinstance(data, dict):
        raise ValueError(f"{where} must be an object, got {type(data).__name__}")
    seed = data.get("seed")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or seed < 0):
        raise ValueError(f"{where}: \"seed\" must be a whole number or null, got {seed!r}")
    revealed = data.get("revealed", 0)
    if isinstance(revealed, bool) or not isinstance(revealed, int) or revealed < 0:
        raise ValueError(f"{where}: \"revealed\" must be a whole number, got {revealed!r}")
    answers = data.get("answers", {})
    if not isinstance(answers, dict):
        raise ValueError(f"{where}: \"answers\" must be an object, got "
                         f"{type(answers).__name__}")
    for name, value in answers.items():
        try:
            _nans(value)
        except ValueError as exc:
            raise ValueError(f"{where}: answer {name!r}: {exc}") from None
    first = data.get("first", {})
    if not isinstance(first, dict) or not all(isinstance(v, bool) for v in first.values()):
        raise ValueError(f"{where}: \"first\" must map tensor names to true or false")
    shapes = data.get("shapes", {})
    if not isinstance(shapes, dict) or not all(
            isinstance(v, list) and v and all(isinstance(n, int) and not isinstance(n, bool)
                                              and n > 0 for n in v) for v in shapes.values()):
        raise ValueError(f"{where}: \"shapes\" must map tensor names to lists of sizes "
                         "(whole numbers above 0)")
    return {"seed": seed, "answers": answers, "shapes": shapes, "revealed": revealed,
            "first": first, "checked": bool(data.get("checked", False))}


def _nulls(arr: np.ndarray) -> Any:
    """An answer as nested lists, None for a blank cell (JSON has no NaN)."""
    return np.where(np.isnan(arr), None, arr).tolist()


def _nans(value: Any) -> np.ndarray:
    """Nested lists of numbers and nulls as an array (NaN for null); a ValueError otherwise."""
    def number(v: Any) -> float:
        if v is None:
            return np.nan
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not np.isfinite(v):
            raise ValueError(f"expected numbers or null, got {v!r}")
        return float(v)

    def walk(v: Any) -> Any:
        return [walk(x) for x in v] if isinstance(v, list) else number(v)

    try:
        arr = np.array(walk(value), dtype=np.float64)
    except ValueError as exc:
        if "expected numbers" in str(exc):
            raise
        raise ValueError("expected a table of numbers (rows of equal length)") from None
    if arr.ndim == 0:
        raise ValueError("expected a table of numbers, got one number")
    return arr


def parse_practice(data: Any, titles: tuple[str, ...], source: str) -> dict[str, Any]:
    """A session's ``"practice"`` object checked for its form: ``{"on": bool, "panels": {title:
    {kind: attempt}}}`` (see :func:`parse_entry`); a ValueError naming what is wrong."""
    from engine.practice.exercises import ASKED

    if not isinstance(data, dict):
        raise ValueError(f"{source}: \"practice\" must be an object, got {type(data).__name__}")
    on = data.get("on", False)
    if not isinstance(on, bool):
        raise ValueError(f"{source}: \"practice\": \"on\" must be true or false, got {on!r}")
    panels = data.get("panels", {})
    if not isinstance(panels, dict):
        raise ValueError(f"{source}: \"practice\": \"panels\" must be an object, got "
                         f"{type(panels).__name__}")
    out: dict[str, dict[str, Any]] = {}
    for title, kinds in panels.items():
        if title not in titles:
            raise ValueError(f"{source}: \"practice\": unknown panel {title!r}; known: "
                             f"{', '.join(titles)}")
        if not isinstance(kinds, dict):
            raise ValueError(f"{source}: \"practice\" of {title!r} must be an object, got "
                             f"{type(kinds).__name__}")
        for kind, entry in kinds.items():
            if kind not in ASKED:
                raise ValueError(f"{source}: \"practice\" of {title!r}: unknown kind {kind!r}; "
                                 f"known: {', '.join(ASKED)}")
            out.setdefault(title, {})[kind] = parse_entry(
                entry, f"{source}: \"practice\" of {title!r} ({kind})")
    return {"on": on, "panels": out}
