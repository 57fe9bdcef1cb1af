"""Reading a student's answers from a CSV file in the export format.

The file is what ``export`` writes, cut down to the cells answered::

    tensor,index,value
    dx,0,6.5
    dw,"0,1",0.5

* The header ``tensor,index,value`` comes first (blank lines and comment lines, whose first
  field starts with ``#``, are skipped anywhere; a UTF-8 byte order mark is allowed), or
  ``tensor,index,value,name`` as ``export`` writes it: the name column is ignored (an index with
  commas must then be quoted, as ``export`` writes it). Then one row per answered cell, in any
  order. Rows of tensors the exercise gives or works out on the way without asking for them
  (``x``, ``w``, … in an ``export`` file) are skipped, so a file ``export`` wrote checks as is.
* ``index`` is the cell's position as comma-separated whole numbers (quoted, as ``export`` writes
  it; an unquoted ``dw,0,1,0.5`` is read the same way). ``value`` is a decimal number (``-0.25``,
  ``1e-3``, the minus sign ``−`` too); an empty value leaves the cell blank.
* A tensor's cells all fit its shape, or all fit one of its other accepted shapes (the transposed
  shape, a shape a recognised mistake gives): that shape is the answer's.

Anything else raises :class:`AnswersError` — one line naming the file and the line: an unknown
tensor (one the exercise does not ask for), an index out of range or malformed, a value that is
not a number, a cell given twice, no header, nothing answered.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from engine import reading
from engine.export import is_comment
from engine.practice.exercises import Asked, Exercise, dims

HEADER = ["tensor", "index", "value"]


class AnswersError(ValueError):
    """A bad answers file; ``line`` is the 1-based line of the file at fault (None: the whole
    file)."""

    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.line = line


def read_file(path: str | Path, ex: Exercise) -> dict[str, np.ndarray]:
    """The answers in the CSV file at ``path`` for exercise ``ex``; see :func:`parse`. A file
    that cannot be read as CSV text is an :class:`AnswersError` too (:mod:`engine.reading`)."""
    try:
        rows = reading.read_csv(path, str(path))
    except reading.FileError as exc:
        raise AnswersError(str(exc), exc.line) from None
    return _parse_rows(rows, ex, str(path))


def parse(text: str, ex: Exercise, source: str = "answers") -> dict[str, np.ndarray]:
    """``{tensor name: array}`` (NaN where blank) from the CSV ``text``; the arrays have the
    tensor's shape or one of its other accepted shapes."""
    try:
        rows = reading.csv_rows(text.lstrip("\ufeff"), source)
    except reading.FileError as exc:
        raise AnswersError(str(exc), exc.line) from None
    return _parse_rows(rows, ex, source)


def _parse_rows(rows: list[tuple[int, list[str]]], ex: Exercise,
                source: str) -> dict[str, np.ndarray]:
    asked = {a.name: a for a in ex.asked}
    cells: dict[str, list[tuple[tuple[int, ...], float, int]]] = {}
    seen: dict[tuple[str, tuple[int, ...]], int] = {}
    header_line, named = None, False
    for line, row in rows:
        fields = [field.strip() for field in row]
        if not any(fields) or is_comment(fields):
            continue
        if header_line is None:
            if [f.lower() for f in fields] not in (HEADER, HEADER + ["name"]):
                raise AnswersError(f"{source}, line {line}: no header: the first line must be "
                                   f"tensor,index,value, got {_cut(','.join(row))!r}", line)
            header_line, named = line, len(fields) == 4
            continue
        if named and len(fields) > 3:  # the name column, last: not an answer
            fields = fields[:-1]
        if fields[0] not in asked and fields[0] in ex.trace.tensors:
            continue  # given, or worked out on the way: not asked
        if len(fields) < 3:
            raise AnswersError(f"{source}, line {line}: expected tensor,index,value, got "
                               f"{len(fields)} field{'s' * (len(fields) != 1)}", line)
        name, index_fields, value_text = fields[0], fields[1:-1], fields[-1]
        a = _asked(name, asked, ex, source, line)
        index = _index(index_fields, a, source, line)
        value = _value(value_text, a, index, source, line)
        if (name, index) in seen:
            raise AnswersError(f"{source}, line {line}: {_label(name, index)} is given twice "
                               f"(first on line {seen[(name, index)]})", line)
        seen[(name, index)] = line
        if value is not None:
            cells.setdefault(name, []).append((index, value, line))
    if header_line is None:
        raise AnswersError(f"{source}: no header: the file holds only empty fields; the first "
                           "line must be tensor,index,value", 1)
    if not cells:
        raise AnswersError(f"{source}: no answers after the header (line {header_line}); write "
                           f"one line per cell, e.g. {_example(ex)}", header_line)
    return {name: _assemble(asked[name], items, source) for name, items in cells.items()}


def _asked(name: str, asked: dict[str, Asked], ex: Exercise, source: str, line: int) -> Asked:
    if name in asked:
        return asked[name]
    near = next((a for a in asked if a.lower() == name.lower()), None)
    why = f" (did you mean {near}?)" if near else ""
    raise AnswersError(f"{source}, line {line}: unknown tensor {_cut(name)!r}{why}; the answers "
                       f"of {ex.name} are {', '.join(asked)}", line)


def _index(fields: list[str], a: Asked, source: str, line: int) -> tuple[int, ...]:
    text = ",".join(fields).strip().strip("[]()")
    parts = [p.strip() for p in text.split(",")] if text else []
    rank = len(a.shape)
    if len(parts) != rank or not all(p.isascii() and p.isdigit() for p in parts):  # not ², ١
        need = (f"{rank} whole number{'s' * (rank != 1)}" + (" separated by commas, e.g. "
                + ",".join("0" * rank) if rank > 1 else ""))
        raise AnswersError(f"{source}, line {line}: index {_cut(','.join(fields))!r} of "
                           f"{a.name}: expected {need} ({a.name} is {dims(a.shape)})", line)
    # (no tensor has an index of 10 digits; int() would refuse 4,300)
    index = tuple(int(p) if len(p) < 10 else 10**9 for p in parts)
    shapes = (a.shape, *a.other_shapes)
    if not any(_fits(index, shape) for shape in shapes):
        ranges = ", ".join(f"0–{n - 1}" for n in a.shape)
        raise AnswersError(f"{source}, line {line}: {a.name}[{_cut(','.join(parts))}] is out of "
                           f"range: {a.name} is {dims(a.shape)} (indices {ranges})", line)
    return index


def _value(text: str, a: Asked, index: tuple[int, ...], source: str,
           line: int) -> float | None:
    if not text:
        return None
    try:
        value = float(text.replace("−", "-").replace(" ", ""))
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise AnswersError(f"{source}, line {line}: {_label(a.name, index)}: {_cut(text)!r} is "
                           "not a number", line)
    return value


def _assemble(a: Asked, items: list[tuple[tuple[int, ...], float, int]],
              source: str) -> np.ndarray:
    """The answer array, in the first shape (the tensor's, then its other ones) that every
    index fits."""
    for shape in (a.shape, *a.other_shapes):
        if all(_fits(index, shape) for index, _, _ in items):
            arr = np.full(shape, np.nan)
            for index, value, _ in items:
                arr[index] = value
            return arr
    index, _, line = next(item for item in items if not _fits(item[0], a.shape))
    raise AnswersError(f"{source}, line {line}: {_label(a.name, index)} is out of range: "
                       f"{a.name} is {dims(a.shape)}, and the file's other {a.name} cells do "
                       f"not fit {' or '.join(dims(s) for s in a.other_shapes)} either", line)


def _fits(index: tuple[int, ...], shape: tuple[int, ...]) -> bool:
    return len(index) == len(shape) and all(i < n for i, n in zip(index, shape, strict=True))


def _cut(text: str, limit: int = 40) -> str:
    """``text`` for a message, cut to ``limit`` characters."""
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _label(name: str, index: tuple[int, ...]) -> str:
    return f"{name}[{','.join(str(i) for i in index)}]"



def _example(ex: Exercise) -> str:
    a = ex.asked[0]
    index = ",".join("0" * len(a.shape))
    return f"{a.name},\"{index}\",1.5" if len(a.shape) > 1 else f"{a.name},{index},1.5"
