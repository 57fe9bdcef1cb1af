"""Sessions: every panel's inputs in one versioned JSON file, validated on load.

``{"format": 1, "app": "pnn-gui", "panel": "Fully connected", "panels": {title: data}}`` where
``data`` is what :meth:`Panel.session_data` returns; optionally ``"practice"``: practice mode's
answers, reveals and scores (``{"on": bool, "panels": {title: {kind: attempt}}}``, see
:mod:`pnn_gui.practice.attempt`; files without it open as before). Writing is atomic
(engine.export); reading (:mod:`engine.reading`: any bad content is one ``ValueError`` naming
the file and line) checks the structure and says what is wrong in one line; each panel then
checks its own data in :meth:`Panel.restore_session`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine import export, reading

FORMAT = 1
APP = "pnn-gui"
SUFFIX = ".pnn.json"


@dataclass(frozen=True)
class Session:
    panel: str                          # the panel shown when it was saved
    panels: dict[str, dict[str, Any]]   # title -> that panel's session data
    practice: dict[str, Any] | None = None  # practice mode's data (None: the file had none)


def dumps(session: Session) -> str:
    data = {"format": FORMAT, "app": APP, "panel": session.panel, "panels": session.panels}
    if session.practice is not None:
        data["practice"] = session.practice
    return json.dumps(data, indent=1, ensure_ascii=False, allow_nan=False) + "\n"


def save(path: str | Path, session: Session) -> None:
    """Write ``session`` to ``path`` atomically; ValueError (one line) when it cannot."""
    try:
        text = dumps(session)
    except ValueError as exc:  # a NaN / inf slipped in: refuse rather than write bad JSON
        raise ValueError(f"session: cannot be written as JSON ({exc})") from None
    export.write_atomic(path, text)


def loads(text: str, titles: Iterable[str], source: str = "session") -> Session:
    """Parse and check a session; ``titles`` are the panels this app knows."""
    return parse(reading.loads_json(text, source), titles, source)


def parse(data: Any, titles: Iterable[str], source: str = "session") -> Session:
    titles = tuple(titles)
    if not isinstance(data, Mapping):
        raise ValueError(f"{source}: expected a JSON object, got {type(data).__name__}")
    if data.get("format") != FORMAT:
        raise ValueError(f"{source}: expected \"format\": {FORMAT}, got {data.get('format')!r}"
                         " (not a pnn-gui session, or from a newer version)")
    panel = data.get("panel")
    if panel not in titles:
        raise ValueError(f"{source}: \"panel\" must be one of {', '.join(titles)}; got {panel!r}")
    panels = data.get("panels")
    if not isinstance(panels, Mapping):
        raise ValueError(f"{source}: \"panels\" must be an object, got {type(panels).__name__}")
    unknown = [t for t in panels if t not in titles]
    if unknown:
        raise ValueError(f"{source}: unknown panel {unknown[0]!r}; known: {', '.join(titles)}")
    for title, value in panels.items():
        if not isinstance(value, Mapping):
            raise ValueError(f"{source}: panel {title!r} must hold an object, got "
                             f"{type(value).__name__}")
    practice = None
    if data.get("practice") is not None:
        from pnn_gui.practice.attempt import parse_practice
        practice = parse_practice(data["practice"], titles, source)
    return Session(panel, {t: dict(v) for t, v in panels.items()}, practice)


def load(path: str | Path, titles: Iterable[str]) -> Session:
    """The session in the file at ``path``; anything else in it is one ``ValueError`` naming
    the file (:mod:`engine.reading`). Touches no Qt: a worker thread may call it."""
    path = Path(path)
    return parse(reading.read_json(path), titles, path.name)
