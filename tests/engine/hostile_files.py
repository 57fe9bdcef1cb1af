"""What the reader tests share: hostile file contents, Hypothesis strategies that change one part
of a valid document, and the rule every reader keeps (tests/engine/test_reading.py,
tests/engine/test_fuzz_readers.py, tests/gui/test_fuzz_sessions.py).

The rule: a reader returns its value, or raises one ``ValueError`` whose message is one line
starting with the file's name; no other exception escapes.
"""

from __future__ import annotations

import codecs
import json
import os
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

#: Examples per reader: a few hundred in `make test` (the "ci" profile's 100 is raised to 300),
#: and what the profile says when it says more (HYPOTHESIS_PROFILE=fuzz: thousands).
FUZZ = settings(max_examples=max(300, settings.default.max_examples), deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.function_scoped_fixture])
#: the GUI readers' share (an open restores every panel: slower than an engine reader)
FUZZ_GUI = settings(FUZZ, max_examples=max(100, settings.default.max_examples))

def hostile(valid: str) -> dict[str, bytes]:
    """Whole files a reader must refuse with a message, by what they are (the issue's list);
    ``valid`` is a valid document of the reader, for the ones made from it."""
    return {
        "empty": b"",
        "blank": b" \n\t\r\n" * 4,
        "binary": bytes(range(256)) * 4,
        "nul bytes": b"\x00" * 64,
        "not UTF-8": valid.encode() + b"\xff\xfe\xfa",
        "UTF-16 without a BOM": valid.encode("utf-16-le"),
        "a BOM alone": codecs.BOM_UTF8,
        "truncated": valid.encode()[:len(valid) // 2],
        "deep nesting": b"[" * 100_000 + b"]" * 100_000,
        "deep nesting, unclosed": b'{"format": 1, "panels": ' + b"[" * 100_000,
        "NaN": b"[NaN]",
        "Infinity": b'{"x": -Infinity}',
        "1e999": b'{"x": [1e999]}',
        "5,000 digits": b'{"x": [' + b"7" * 5000 + b"]}",
        "400 digits": b'{"x": [' + b"7" * 400 + b".5]}",
        "duplicate keys": b'{"format": 1, "format": 1}',
        "a lone surrogate": b'{"x": "\\ud800"}',
        "a JSON string": b'"just text"',
        "a JSON number": b"42",
        "null": b"null",
    }


def readable_variants(valid: str) -> dict[str, bytes]:
    """The same document in the other encodings a reader accepts (it must read the same)."""
    return {"UTF-8 with a BOM": codecs.BOM_UTF8 + valid.encode(),
            "UTF-16 with a BOM": valid.encode("utf-16"),
            "UTF-16 big-endian with a BOM": codecs.BOM_UTF16_BE + valid.encode("utf-16-be"),
            "Windows line ends": valid.replace("\n", "\r\n").encode()}


def assert_refused_or_read(read, path: os.PathLike, name: str) -> Any:
    """Call ``read(path)``: its value, or None after checking the message keeps the rule."""
    try:
        return read(path)
    except ValueError as exc:
        message = str(exc)
        assert message.startswith(name), message
        assert "\n" not in message and len(message) < 500, message
        return None


# -- strategies -----------------------------------------------------------------------------------
_LEAVES = (st.none() | st.booleans() | st.integers(-10**20, 10**20)
           | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=8))
#: any JSON value, small
json_values = st.recursive(_LEAVES, lambda inner: st.lists(inner, max_size=4)
                           | st.dictionaries(st.text(max_size=6), inner, max_size=4),
                           max_leaves=12)

#: literals Python's json reads quietly (or dies on) that no file may hold
_HOSTILE_LITERALS = ("NaN", "Infinity", "-Infinity", "1e999", "-1e400", "7" * 400, "9" * 5000,
                     "[" * 40 + "]" * 40, "[" * 3000, '"\\udc00"', "1E+309")


def _places(doc: Any, path: tuple = ()) -> list[tuple]:
    """Every path (keys and indices) to a part of ``doc``, the root too."""
    out = [path]
    if isinstance(doc, dict):
        for k, v in doc.items():
            out += _places(v, path + (k,))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            out += _places(v, path + (i,))
    return out


def _at(doc: Any, path: tuple) -> Any:
    for k in path:
        doc = doc[k]
    return doc


@st.composite
def one_part_changed(draw, doc: Any) -> Any:
    """A deep copy of ``doc`` with one part changed: replaced by any JSON value (a number for a
    number, a list for a list, or anything), removed, or given a new sibling."""
    doc = json.loads(json.dumps(doc))
    path = draw(st.sampled_from(_places(doc)))
    how = draw(st.sampled_from(["replace", "replace", "same type", "remove", "add", "wrap"]))
    old = _at(doc, path)
    if how == "same type" and isinstance(old, (int, float)) and not isinstance(old, bool):
        new = draw(st.integers() | st.floats(allow_nan=False, allow_infinity=False))
    elif how == "same type" and isinstance(old, list):
        new = draw(st.lists(st.integers(-3, 3) | st.floats(-5, 5) | st.lists(st.floats(-5, 5),
                                                                               max_size=3),
                            max_size=5))
    elif how == "wrap":
        new = [old]
    else:
        new = draw(json_values)
    if not path:
        return new if how != "remove" else None
    parent, last = _at(doc, path[:-1]), path[-1]
    if how == "remove":
        del parent[last]
    elif how == "add" and isinstance(parent, dict):
        parent[draw(st.text(max_size=6))] = new
    elif how == "add":
        parent.insert(last, new)
    else:
        parent[last] = new
    return doc


@st.composite
def file_bytes(draw, doc: Any) -> bytes:
    """A file around ``doc``: itself or one part changed, written as pnn-gui writes it or
    compactly; then maybe a hostile literal in place of a number, a key twice, a cut, a stray
    byte, a BOM or UTF-16."""
    value = draw(st.one_of(st.just(doc), one_part_changed(doc)))
    text = json.dumps(value, indent=draw(st.sampled_from([None, 1])),
                      ensure_ascii=draw(st.booleans()))
    change = draw(st.sampled_from(["none", "literal", "duplicate", "cut", "byte", "bom",
                                   "utf-16"]))
    if change == "literal":
        numbers = [i for i, c in enumerate(text) if c.isdigit() and not text[i - 1].isdigit()
                   and text[i - 1] in " [,:"]
        if numbers:
            i = draw(st.sampled_from(numbers))
            j = i
            while j < len(text) and text[j] in "0123456789.eE+-":
                j += 1
            text = text[:i] + draw(st.sampled_from(_HOSTILE_LITERALS)) + text[j:]
    elif change == "duplicate":
        keys = [i for i in range(len(text)) if text.startswith('"', i) and text[i - 1] in "{ \n"
                and text.find('":', i + 1) > 0]
        if keys:
            i = draw(st.sampled_from(keys))
            key = text[i:text.index('":', i + 1) + 1]
            text = text[:i] + key + ": null, " + text[i:]
    elif change == "cut":
        text = text[:draw(st.integers(0, max(0, len(text) - 1)))]
    data = text.encode("utf-8")
    if change == "byte" and data:
        i = draw(st.integers(0, len(data) - 1))
        data = data[:i] + bytes([draw(st.integers(0, 255))]) + data[i + 1:]
    elif change == "bom":
        data = codecs.BOM_UTF8 + data
    elif change == "utf-16":
        data = text.encode(draw(st.sampled_from(["utf-16", "utf-16-le"])))
    return data
