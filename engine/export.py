"""CSV export, written atomically (a temporary file in the same folder, then renamed).

Tensors (:func:`tensors_csv`): first the layer's settings, one comment line each (``"# stride:
s_x = 2, s_y = 2"``: a CSV record of one quoted field that starts with ``#``), so that the file
can be understood alone; then the header
``tensor,index,value,name`` and one row per element in row-major order. ``index`` is the
element's position as comma-separated integers (empty for a scalar); ``value`` has full
precision (``repr`` of the float, which reads back bit for bit); ``name`` is the element's own
name where it has one (autodiff's ``x1``, ``v2``, ``v̄2``, ``∂L/∂x1``; the output shape's ``o_x``),
else empty. Readers skip the comment lines (:func:`read_tensors_csv`, the practice checker's
answers reader) and ignore the name.

Steps (:func:`steps_csv`): header ``step,phase,title,formula,substituted,result,writes,note,
sheet_note``, one row per step (row k is step k, as the worked solution and ``check`` number
them). ``result`` holds every value the step writes, in full precision, separated by spaces
(one number for most steps); ``writes`` names the written elements in the same order
(``dx[0] dx[1]``); ``note`` is the step's own remark (a tie, a coarsening); ``sheet_note`` where
exercise sheet 4's printed solution differs at that step.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np

from engine.steps import Step

TENSORS_HEADER = ["tensor", "index", "value", "name"]
STEPS_HEADER = ["step", "phase", "title", "formula", "substituted", "result", "writes", "note",
                "sheet_note"]


def tensors_csv(tensors: Mapping[str, np.ndarray], settings: Mapping[str, str] | None = None,
                names: Mapping[str, Iterable[str]] | None = None) -> str:
    """The tensors CSV of ``tensors``, headed by ``settings`` (a trace's) as comment lines, the
    ``names`` (a trace's) in the name column."""
    buf = io.StringIO()
    comments = csv.writer(buf, lineterminator="\n", quoting=csv.QUOTE_ALL)
    for key, text in (settings or {}).items():
        comments.writerow([f"# {key}: {text}"])
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(TENSORS_HEADER)
    for name, arr in tensors.items():
        arr = np.asarray(arr, dtype=np.float64)
        own = tuple((names or {}).get(name, ()))
        for k, idx in enumerate(np.ndindex(*arr.shape)):
            w.writerow([name, ",".join(str(i) for i in idx), repr(float(arr[idx])),
                        own[k] if k < len(own) else ""])
    return buf.getvalue()


def _index_text(idx: tuple[int, ...]) -> str:
    return ",".join(str(int(i)) for i in idx)


def steps_csv(steps: Iterable[Step]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(STEPS_HEADER)
    for i, s in enumerate(steps, 1):
        w.writerow([i, s.phase, s.title, s.formula, s.substituted,
                    " ".join(repr(float(v)) for v in s.values),
                    " ".join(f"{name}[{_index_text(idx)}]" for name, idx in s.writes),
                    s.note, s.sheet_note])
    return buf.getvalue()


def is_comment(row: list[str]) -> bool:
    """A CSV record that is a comment line: its first field starts with ``#``."""
    return bool(row) and row[0].lstrip().startswith("#")


def read_tensors_csv(path: str | Path) -> dict[str, np.ndarray]:
    """Read a tensors CSV back into arrays (shape = largest index + 1 on each axis); comment
    lines are skipped, the name column ignored (files without it read too)."""
    rows: dict[str, list[tuple[tuple[int, ...], float]]] = {}
    with open(path, newline="", encoding="utf-8") as fh:
        reader = (row for row in csv.reader(fh) if not is_comment(row))
        header = next(reader, None)
        if header not in (TENSORS_HEADER, TENSORS_HEADER[:3]):
            raise ValueError(f"{path}: expected header {','.join(TENSORS_HEADER)}, got {header}")
        for row in reader:
            name, index, value = row[:3]
            idx = tuple(int(i) for i in index.split(",")) if index else ()
            rows.setdefault(name, []).append((idx, float(value)))
    out = {}
    for name, items in rows.items():
        shape = tuple(max(i[a] for i, _ in items) + 1 for a in range(len(items[0][0])))
        arr = np.empty(shape)
        for idx, v in items:
            arr[idx] = v
        out[name] = arr
    return out


def write_atomic(path: str | Path, text: str) -> None:
    """Write ``text`` (UTF-8) so that a failure leaves no partial file (and any old one intact)."""
    write_bytes_atomic(path, text.encode("utf-8"))


def write_bytes_atomic(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically; a failure raises ``ValueError`` and leaves nothing."""
    write_files_atomic({path: data})


def write_files_atomic(files: Mapping[str | Path, bytes | str]) -> None:
    """Write every file (``str`` as UTF-8): each is first written in full to a temporary file
    beside it, and only when all of them are written are they renamed into place, so the usual
    failures (a missing folder, no permission, a full disk) leave none of them; only a rename
    failing after another succeeded leaves that other one. A failure raises ``ValueError`` naming
    the path and leaves no temporary file behind and no partial file."""
    temps: list[tuple[str, Path]] = []
    try:
        for path, data in files.items():
            path = Path(path)
            temps.append((_write_temporary(path, data.encode("utf-8") if isinstance(data, str)
                                           else data), path))
        while temps:
            tmp, path = temps[0]
            try:
                os.replace(tmp, path)
            except OSError as exc:
                raise ValueError(f"{path}: cannot write ({exc.strerror or exc})") from None
            temps.pop(0)
    finally:
        for tmp, _ in temps:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def _write_temporary(path: Path, data: bytes) -> str:
    """``data`` in a new temporary file in ``path``'s folder, with the mode ``path`` will have."""
    folder = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise ValueError(f"{path}: is a folder, not a file")
    if not folder.is_dir():
        raise ValueError(f"{path}: folder {folder} does not exist")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise ValueError(f"{path}: cannot write there ({exc.strerror or exc})") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, _file_mode(path))  # mkstemp makes 0600; give the file the usual mode
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise ValueError(f"{path}: cannot write ({exc.strerror or exc})") from None
        raise
    return tmp


def _file_mode(path: Path) -> int:
    """An existing file's mode, else what ``open()`` would give a new file (0666 less umask)."""
    try:
        return path.stat().st_mode & 0o7777
    except OSError:
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask
