"""Every file the app reads survives hostile input (issue 14): each reader (sessions, example
files, network specs, the practice answers CSV) turns any bad content into one ValueError naming
the file, and its line where there is one; nothing else escapes. The shared reading is
engine/reading.py; its fuzz tier is test_fuzz_readers.py."""

from __future__ import annotations

import errno
import io
import json
from pathlib import Path

import numpy as np
import pytest

from engine import examples, network, reading
from engine.practice import answers, exercise
from pnn_gui import session
from tests.engine.hostile_files import hostile, readable_variants

TITLES = ("Fully connected", "Conv2D", "Pooling", "LSTM", "Autodiff")
FC_INPUTS = examples.load("fc").inputs
SESSION_TEXT = session.dumps(session.Session("Fully connected", {
    "Fully connected": {"kind": "fully_connected", "inputs": FC_INPUTS}}))
FC_EXERCISE = exercise("fc")
ANSWERS_TEXT = 'tensor,index,value\ndx,0,6.5\ndw,"0,1",0.5\n'

#: reader name -> (read(path), a valid file's text, the file's suffix)
READERS = {
    "example": (examples.load_file, (examples.EXAMPLES_DIR / "fc.json").read_text("utf-8"),
                ".json"),
    "network spec": (network.load_file, json.dumps(examples.load("mlp").inputs, indent=1),
                     ".json"),
    "session": (lambda p: session.load(p, TITLES), SESSION_TEXT, ".pnn.json"),
    "answers": (lambda p: answers.read_file(p, FC_EXERCISE), ANSWERS_TEXT, ".csv"),
}


def _same(a, b) -> bool:
    """Two read values are equal (arrays compared element by element)."""
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, np.ndarray):
        return np.array_equal(a, b, equal_nan=True)
    if hasattr(a, "to_json"):
        return a.to_json() == b.to_json()
    return a == b


def _refused(reader: str, path: Path) -> str:
    read = READERS[reader][0]
    with pytest.raises(ValueError) as info:
        read(path)
    message = str(info.value)
    assert message.startswith(str(path) if reader == "answers" else path.name), message
    assert "\n" not in message
    return message


@pytest.mark.parametrize("reader", READERS)
@pytest.mark.parametrize("what", hostile("{}"))
def test_every_hostile_file_is_one_message_naming_the_file(reader, what, tmp_path):
    _, valid, suffix = READERS[reader]
    path = tmp_path / f"bad{suffix}"
    path.write_bytes(hostile(valid)[what])
    _refused(reader, path)


@pytest.mark.parametrize("reader", READERS)
def test_other_encodings_of_a_valid_file_read_the_same(reader, tmp_path):
    read, valid, suffix = READERS[reader]
    path = tmp_path / f"good{suffix}"
    path.write_text(valid, encoding="utf-8")
    want = read(path)
    for what, data in readable_variants(valid).items():
        path.write_bytes(data)
        assert _same(read(path), want), what


@pytest.mark.parametrize("reader", READERS)
def test_a_folder_a_missing_file_and_a_device(reader, tmp_path):
    suffix = READERS[reader][2]
    folder = tmp_path / f"folder{suffix}"
    folder.mkdir()
    assert "is a folder, not a file" in _refused(reader, folder)
    assert "cannot read (No such file or directory)" in _refused(reader,
                                                                  tmp_path / f"none{suffix}")
    assert "not a regular file" in _refused(reader, Path("/dev/zero"))


@pytest.mark.parametrize("reader", READERS)
def test_a_file_that_vanishes_while_read(reader, tmp_path, monkeypatch):
    _, valid, suffix = READERS[reader]
    path = tmp_path / f"gone{suffix}"
    path.write_text(valid, encoding="utf-8")
    real_open = Path.open

    def removed_first(self, *args, **kwargs):  # gone between looking at it and opening it
        if self == path:
            self.unlink()
        return real_open(self, *args, **kwargs)

    with monkeypatch.context() as patched:
        patched.setattr(Path, "open", removed_first)
        assert "cannot read (No such file or directory)" in _refused(reader, path)

    class FailingDisk(io.RawIOBase):  # a network drive that goes away during the read
        def readable(self):
            return True

        def readinto(self, buffer):
            raise OSError(errno.EIO, "Input/output error")

    path.write_text(valid, encoding="utf-8")
    monkeypatch.setattr(Path, "open", lambda self, *a, **k: io.BufferedReader(FailingDisk())
                        if self == path else real_open(self, *a, **k))
    assert "cannot read (Input/output error)" in _refused(reader, path)


@pytest.fixture(scope="module")
def whitespace_100mb(tmp_path_factory):
    path = tmp_path_factory.mktemp("big") / "blank.json"
    with path.open("wb") as fh:
        for _ in range(100):
            fh.write(b" \n" * 2**19)
    return path


@pytest.mark.parametrize("reader", READERS)
def test_100_mb_of_whitespace(reader, whitespace_100mb, tmp_path):
    path = tmp_path / f"blank{READERS[reader][2]}"
    path.symlink_to(whitespace_100mb)
    assert _refused(reader, path).endswith("the file is blank (nothing but spaces and line "
                                           "breaks)")


def test_a_file_larger_than_any_pnn_gui_file(tmp_path, monkeypatch):
    monkeypatch.setattr(reading, "MAX_BYTES", 100)
    path = tmp_path / "big.pnn.json"
    path.write_text(SESSION_TEXT, encoding="utf-8")
    with pytest.raises(ValueError, match=r"^big\.pnn\.json: larger than 0 MB"):
        session.load(path, TITLES)


@pytest.mark.parametrize(("text", "line", "says"), [
    ('{\n "a": 1,\n "b": [2, NaN]\n}', 3, "NaN is not a number JSON allows"),
    ('{\n "a": [\n  1e999]}', 3, "1e999 is too large for a number"),
    ('{"a": [\n"x",\n' + "1" * 5000 + "]}", 3, "11111111111111111111… is too large"),
    ('{"a": 1,\n "b": {"c": 1,\n  "c": 2}}', 3, "the key 'c' appears twice in the same object"),
    ('{"a": {"b": 1, "\\u0062": 2}}', 1, "the key 'b' appears twice"),
    ('{"a": 1, "b": {"a": 2}}', None, None),  # the same key in two objects is fine
    ('\n\n' + "[" * 100_000, 3, "nested more than 32 levels deep"),
    ("[" * 32 + "]" * 32, None, None),  # 32 levels are fine
    ('{\n"x": "\\udfff"}', 2, "holds half a character"),
    ('{"x": "\\ud83d\\ude00"}', None, None),  # a whole character written as two escapes
    ('{"a": 1\n "b": 2}', 2, "not valid JSON (Expecting ',' delimiter at column 2)"),
    ('["NaN", "1e999", -0.0, 1e-999]', None, None),  # text, and numbers a float holds
])
def test_what_python_json_lets_through_is_refused_with_its_line(text, line, says):
    if says is None:
        assert reading.loads_json(text, "f.json") == json.loads(text)
        return
    with pytest.raises(reading.FileError) as info:
        reading.loads_json(text, "f.json")
    assert info.value.line == line
    assert str(info.value).startswith(f"f.json, line {line}: ") and says in str(info.value)


def test_a_byte_that_is_not_utf8_is_named_by_its_line():
    with pytest.raises(reading.FileError, match=r"^f\.csv, line 3: not UTF-8 text \(byte 8 "
                                                r"is 0xe9\); save the file as UTF-8 text$"):
        reading.decode(b"a,b\nc\nd,\xe9\n", "f.csv")


def test_csv_rows_start_on_their_own_line():
    rows = reading.csv_rows('a,b\r\n"two\nlines",x\n\nlast\rafter a CR\n', "f.csv")
    assert rows == [(1, ["a", "b"]), (2, ["two\nlines", "x"]), (4, []), (5, ["last"]),
                    (6, ["after a CR"])]


def test_a_csv_field_past_the_limit_is_named_by_its_line():
    with pytest.raises(reading.FileError, match=r"^f\.csv, line 2: not CSV \(field larger"):
        reading.csv_rows("a\n" + "x" * 200_000 + "\n", "f.csv")
