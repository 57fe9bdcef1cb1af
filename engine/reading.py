"""Reading the files a user hands the app: bytes -> text -> a JSON value or CSV rows, or one
``ValueError`` naming the file and, where there is one, the line.

Invariants:

- **A value or one clear message.** Every function here returns its value or raises
  :class:`FileError` (a ``ValueError``): one line that starts with the file's name
  (``s.pnn.json, line 3: …``, or ``s.pnn.json: …`` when no line is at fault), with ``line`` set
  to that line. No other exception escapes, whatever the file holds or however it fails: a
  folder, a file that vanishes or fails while read, one too large to be a pnn-gui file
  (:data:`MAX_BYTES`), binary bytes, an empty file or one of blank space only.
- **Text** is UTF-8, with or without a byte order mark, or UTF-16 / UTF-32 with theirs (what
  some Windows editors save as "Unicode"); anything else is refused at its first bad byte.
- **JSON** is the standard's, and what Python's ``json`` would let through quietly is refused
  with its line: ``NaN`` / ``Infinity``, a number too large for a float (``1e999``, 400
  digits), the same key twice in one object (the second would win unseen), nesting deeper than
  :data:`MAX_DEPTH` (no file of ours nests a dozen levels; deeper would end in a
  ``RecursionError`` here or in whatever walks the value). So a value from here holds only
  dicts with str keys, lists, str, finite floats, ints that fit a float, bools and None, nested
  at most :data:`MAX_DEPTH` deep: its reader checks the layout, not the encoding.
- **CSV** rows come with the line each starts on (a quoted field may span lines).
- Nothing is written and nothing kept between calls: any thread may call these.

A reader (sessions, examples, network specs, answers) is ``read_json`` / ``read_csv`` and then its
own check of the layout, whose messages start with the same ``source``.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import math
import re
import stat
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

#: The largest file read (a session of every panel at the engine's largest sizes is far less).
MAX_BYTES = 256 * 2**20
#: The deepest nesting of lists and objects read (a session nests 9 levels: a 4-D filter bank
#: inside the Conv2D panel's other modes).
MAX_DEPTH = 32
#: An int literal with more digits than this would not fit a float (and past 4,300 digits
#: Python's ``int()`` refuses it with a message about its own limit).
MAX_INT_DIGITS = 308

_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
         (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
         (codecs.BOM_UTF16_BE, "utf-16"))
# a JSON string (group 1 its inside, group 2 the colon that makes it a key), or a bracket
_STRUCTURE = re.compile(r'"((?:[^"\\]|\\.)*)"(\s*:)?|[\[\]{}]')


class FileError(ValueError):
    """A file that cannot be read as what it should be; ``line`` is the 1-based line at fault
    (None: the whole file)."""

    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.line = line


def at(source: str, line: int | None) -> str:
    """How a message names the place: ``a.csv, line 3`` (or ``a.csv`` without a line)."""
    return source if line is None else f"{source}, line {line}"


# -- bytes and text -------------------------------------------------------------------------------
def read_bytes(path: str | Path | Traversable, source: str | None = None) -> bytes:
    """The bytes of the file at ``path`` (``source`` names it in messages: its name by
    default)."""
    path = Path(path) if isinstance(path, str) else path
    source = source or path.name
    try:
        if isinstance(path, Path):
            mode = path.stat().st_mode
            if stat.S_ISDIR(mode):
                raise FileError(f"{source}: is a folder, not a file")
            if not stat.S_ISREG(mode):  # a pipe or a device could block or never end
                raise FileError(f"{source}: not a regular file")
            with path.open("rb") as fh:
                data = fh.read(MAX_BYTES + 1)
        else:  # a package's data file (importlib.resources)
            data = path.read_bytes()
    except OSError as exc:
        raise FileError(f"{source}: cannot read ({exc.strerror or exc})") from None
    if len(data) > MAX_BYTES:
        raise FileError(f"{source}: larger than {MAX_BYTES // 2**20} MB, more than any pnn-gui "
                        "file holds")
    return data


def decode(data: bytes, source: str) -> str:
    """``data`` as text: UTF-8 (a byte order mark allowed), or UTF-16 / UTF-32 with theirs."""
    encoding = next((enc for bom, enc in _BOMS if data.startswith(bom)), "utf-8")
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        if encoding != "utf-8":
            raise FileError(f"{source}: not {encoding.upper()} text although it starts like "
                            f"it (byte {exc.start})") from None
        line = data.count(b"\n", 0, exc.start) + 1
        raise FileError(f"{source}, line {line}: not UTF-8 text (byte {exc.start} is "
                        f"0x{data[exc.start]:02x}); save the file as UTF-8 text", line) from None


def read_text(path: str | Path | Traversable, source: str | None = None) -> str:
    """The text of the file at ``path`` (see :func:`decode`)."""
    source = source or (Path(path) if isinstance(path, str) else path).name
    return decode(read_bytes(path, source), source)


def _refuse_empty(text: str, source: str) -> None:
    if not text or text.isspace():
        what = "empty" if not text else "blank (nothing but spaces and line breaks)"
        raise FileError(f"{source}: the file is {what}")


# -- JSON -----------------------------------------------------------------------------------------
_TOO_DEEP = object()


class _RefusedError(Exception):
    """A literal the decoder hands over that the file must not hold (internal)."""

    def __init__(self, literal: str, why: str):
        super().__init__(literal)
        self.literal = literal
        self.why = why


def _constant(literal: str) -> Any:
    raise _RefusedError(literal, "is not a number JSON allows; write a finite number")


def _float(literal: str) -> float:
    value = float(literal)
    if not math.isfinite(value):
        raise _RefusedError(literal, "is too large for a number (the largest is about 1.8e308)")
    return value


def _int(literal: str) -> int:
    if len(literal.lstrip("-")) > MAX_INT_DIGITS:
        raise _RefusedError(literal, "is too large for a number (the largest is about 1.8e308)")
    return int(literal)


def loads_json(text: str, source: str) -> Any:
    """The JSON value of ``text``; see the module docstring for what is refused."""
    _refuse_empty(text, source)
    try:
        value = json.loads(text, parse_constant=_constant, parse_float=_float, parse_int=_int)
    except json.JSONDecodeError as exc:
        raise FileError(f"{source}, line {exc.lineno}: not valid JSON ({exc.msg} at column "
                        f"{exc.colno})", exc.lineno) from None
    except _RefusedError as exc:
        line = _line_of_literal(text, exc.literal)
        shown = exc.literal if len(exc.literal) <= 24 else exc.literal[:20] + "…"
        raise FileError(f"{at(source, line)}: {shown} {exc.why}", line) from None
    except RecursionError:  # nested too deep for the decoder: the scan below says where
        value = _TOO_DEEP
    problem = _structure_problem(text)
    if problem is not None:
        line, why = problem
        raise FileError(f"{source}, line {line}: {why}", line)
    if value is _TOO_DEEP:  # (the caller's stack was already deep)
        raise FileError(f"{source}: nested too deeply")
    return value


def read_json(path: str | Path | Traversable, source: str | None = None) -> Any:
    """The JSON value of the file at ``path``; :class:`FileError` for anything else."""
    source = source or (Path(path) if isinstance(path, str) else path).name
    return loads_json(read_text(path, source), source)


def _line_of_literal(text: str, literal: str) -> int | None:
    """The line of the first ``literal`` (a number or constant) outside strings."""
    pattern = re.compile(r'"(?:[^"\\]|\\.)*"|(?<![\w.+-])(' + re.escape(literal) + r')(?![\w.])')
    for m in pattern.finditer(text):
        if m.group(1) is not None:
            return _line(text, m.start())
    return None


def _structure_problem(text: str) -> tuple[int, str] | None:
    """The first place (line, why) in ``text`` where nesting passes :data:`MAX_DEPTH`, an
    object repeats a key, or a ``\\u`` escape leaves half a character (text that cannot be
    written back as UTF-8); None when there is none. ``text`` is valid JSON up to that place."""
    keys: list[set[str] | None] = []  # per open bracket: an object's keys so far, or None
    for m in _STRUCTURE.finditer(text):
        token = m.group()
        if token in "[{":
            if len(keys) == MAX_DEPTH:
                return (_line(text, m.start()), f"nested more than {MAX_DEPTH} levels deep; a "
                        "pnn-gui file nests a few levels")
            keys.append(set() if token == "{" else None)
        elif token in "]}":
            if keys:
                keys.pop()
        else:
            inside = m.group(1)
            try:
                string = json.loads(f'"{inside}"') if "\\" in inside else inside
                string.encode("utf-8")
            except UnicodeEncodeError:
                return (_line(text, m.start()), f"the text {inside[:24]!r} holds half a "
                        "character (a lone \\uD800-\\uDFFF escape)")
            except ValueError:  # past the place the decoder stopped at: nothing more to say
                return None
            if m.group(2) and keys and keys[-1] is not None:
                if string in keys[-1]:
                    return (_line(text, m.start()),
                            f"the key {string!r} appears twice in the same object")
                keys[-1].add(string)
    return None


def _line(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


# -- CSV ------------------------------------------------------------------------------------------
def csv_rows(text: str, source: str) -> list[tuple[int, list[str]]]:
    """The rows of the CSV ``text``, each with the line it starts on (blank lines give empty
    rows)."""
    _refuse_empty(text, source)
    reader = csv.reader(io.StringIO(text, newline=""))
    rows = []
    start = 1
    try:
        for fields in reader:
            rows.append((start, fields))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise FileError(f"{source}, line {start}: not CSV ({exc})", start) from None
    return rows


def read_csv(path: str | Path | Traversable, source: str | None = None
             ) -> list[tuple[int, list[str]]]:
    """The rows of the CSV file at ``path`` (see :func:`csv_rows`)."""
    source = source or (Path(path) if isinstance(path, str) else path).name
    return csv_rows(read_text(path, source), source)
